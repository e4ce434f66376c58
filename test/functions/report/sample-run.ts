// Report inputs for the tests: a DEPLOYED run with the metrics.json the real trainer wrote for trainer/data/train.csv
// (fixtures/metrics.json, from `npm run train -- --data trainer/data/train.csv --model-dir <dir>`), plus rejected,
// failed and held variants.
import { estimateRunCost } from '../../../functions/src/pipeline/cost';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../../../functions/src/contract/manifest';
import { parseMetricsFile, type MetricsFile } from '../../../functions/src/contract/metrics-file';
import type { ReportMetrics, RunReportInput } from '../../../functions/src/report/report-input';

const manifest = (dir: string) => parseManifest(readFileSync(join(dir, 'trainer.yaml'), 'utf8'));
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
export const TITANIC = manifest('trainer');
export const DIABETES = manifest('examples/diabetes');
/** Checked as the pipeline checks it: if the trainer's metrics.json stops fitting the contract, this throws. */
export const FILE: MetricsFile = parseMetricsFile(fixture('metrics.json'), TITANIC);
export const METRICS: ReportMetrics = { file: FILE, declared: TITANIC.metrics };
/** The diabetes trainer's metrics.json (fixtures/diabetes-metrics.json, from examples/diabetes main.py on its data). */
export const DIABETES_FILE: MetricsFile = parseMetricsFile(fixture('diabetes-metrics.json'), DIABETES);

const RUN = 'run-20261126t0512-7f3a';
const COST_BASIS = {
  buildSeconds: 219.75,
  buildMachineType: 'e2-standard-2',
  trainingSeconds: 509,
  trainingMachineType: 'n1-standard-4',
  servingMachineType: 'n1-standard-2',
  deployedNodes: 1,
};

export function deployedRun(): RunReportInput {
  return {
    runId: RUN,
    state: 'DEPLOYED',
    trigger: 'dataset-drop',
    generatedAt: '2026-11-26T05:31:02Z',
    stages: {
      RECEIVED: '2026-11-26T05:12:00.000Z',
      BUILDING: '2026-11-26T05:12:01.250Z',
      TRAINING: '2026-11-26T05:15:41.000Z',
      DEPLOYING: '2026-11-26T05:24:10.000Z',
      DEPLOYED: '2026-11-26T05:31:00.000Z',
    },
    dataset: {
      uri: 'gs://titanic-data/incoming/train.csv',
      bucket: 'titanic-data',
      name: 'incoming/train.csv',
      generation: '1764134320123456',
      md5Hash: 'q2l7R1cDZ0a0ePv4vn0kBw==',
      size: 61194,
      rows: 891,
    },
    build: {
      id: '5f0c2a9e-1b7d-4c8e-9a51-0d3e2f6b7c10',
      logUrl: 'https://console.cloud.google.com/cloud-build/builds;region=us-central1/5f0c2a9e?project=demo',
      imageUri: 'us-central1-docker.pkg.dev/demo/vertex-retrain/trainer',
      imageDigest: 'sha256:9b1e3c7d5a2f4e6b8c0d1a3f5e7b9c2d4f6a8b0c1e3d5f7a9b2c4d6e8f0a1b3c',
    },
    training: {
      name: 'projects/123/locations/us-central1/trainingPipelines/8841552200193',
      machineType: 'n1-standard-4',
      endpointVersion: 3,
      model: { name: 'projects/123/locations/us-central1/models/titanic', versionId: '3' },
    },
    endpoint: 'projects/123/locations/us-central1/endpoints/4455667788',
    deploy: { deployedModelId: '1122334455', traffic: { '1122334455': 100 } },
    gate: {
      promote: true,
      metric: 'accuracy',
      direction: 'higher',
      candidate: FILE.metrics.accuracy ?? null,
      serving: 0.8315,
      floor: 0.78,
      tolerance: 0.01,
      threshold: 0.8215,
      comparison: 'recorded',
      rows: 'not like-for-like: candidate on its 178 hold-out rows, serving version on its own hold-out from its run',
      reason: `accuracy ${FILE.metrics.accuracy} >= 0.8215 (floor 0.78; serving 0.8315 - tolerance 0.01 = 0.8215, not like-for-like)`,
    },
    errors: [],
    cost: { ...estimateRunCost(COST_BASIS), basis: COST_BASIS },
    metrics: METRICS,
  };
}

export function rejectedRun(): RunReportInput {
  return {
    runId: 'run-20261126t0600-bad1',
    state: 'REJECTED',
    trigger: 'dataset-drop',
    stages: { RECEIVED: '2026-11-26T06:00:00Z', REJECTED: '2026-11-26T06:00:02Z' },
    dataset: {
      uri: 'gs://titanic-data/incoming/missing-column.csv',
      bucket: 'titanic-data',
      name: 'incoming/missing-column.csv',
      generation: '17',
      size: 512,
    },
    rejection: {
      problemCount: 2,
      reasons: ['missing required column "Survived"', 'row 4: Age "abc" is not a number'],
    },
    errors: [],
  };
}

export function failedRun(): RunReportInput {
  return {
    runId: 'run-20261126t0700-f41d',
    state: 'FAILED',
    trigger: 'git-push',
    stages: { RECEIVED: '2026-11-26T07:00:00Z', BUILDING: '2026-11-26T07:00:00Z', FAILED: '2026-11-26T07:04:30Z' },
    build: { id: 'b-77', logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-77' },
    errors: [
      {
        at: '2026-11-26T07:04:30Z',
        stage: 'BUILDING',
        reason: 'BUILD_FAILED',
        message: 'step 2 (npm ci) exited with 1',
      },
    ],
  };
}

/** A DEPLOYED run of the diabetes regression trainer, its serving version scored on the same hold-out rows. */
export function regressionRun(): RunReportInput {
  const run = deployedRun();
  const baseline = {
    modelDir: 'gs://demo-artifacts/runs/run-20261125-0001/model/',
    metrics: { mae: 47.2, rmse: 57.9, r2: 0.48 },
  };
  const file: MetricsFile = { ...DIABETES_FILE, baseline };
  return {
    ...run,
    runId: 'run-20261126t0600-d1ab',
    gate: {
      promote: true,
      metric: 'rmse',
      direction: 'lower',
      candidate: file.metrics.rmse ?? null,
      serving: 57.9,
      floor: 65,
      tolerance: 0,
      threshold: 57.9,
      comparison: 'like-for-like',
      rows: "both scored on the candidate's 92 hold-out rows",
      reason: `rmse ${file.metrics.rmse} <= 57.9 (floor 65; serving 57.9 + tolerance 0 = 57.9, like-for-like)`,
    },
    metrics: { file, declared: DIABETES.metrics },
  };
}
