// Run records for the dashboard tests, typed as the ledger's RunRecord (a shape change fails the type-check here):
// two deployed runs and a rollback from the second to the first, plus a held and a rejected run for the busier page.
import { runCost } from '../../../../functions/src/pipeline/run-cost';
import { batchSummary } from '../../../../functions/src/pipeline/batch-results';
import {
  newRunRecord,
  newScoringRecord,
  type RunRecord,
  type TrafficChange,
} from '../../../../functions/src/pipeline/run-record';
import type { EndpointState } from '../../../../functions/src/ports';

export const ARTIFACTS = 'local-artifacts';
export const ENDPOINT = 'projects/local-project/locations/us-central1/endpoints/local-endpoint';
const MODEL = 'projects/local-project/locations/us-central1/models/titanic';
const MACHINES = { trainingMachineType: 'n1-standard-4', servingMachineType: 'n1-standard-2' };

export const RUN_A = 'train-3f9a0c1b2d4e';
export const RUN_B = 'train-more-77aa01bc9d10';
export const DM_A = '1000000001';
export const DM_B = '1000000002';

function dataset(name: string, generation: string, rows: number) {
  return {
    uri: `gs://local-data/datasets/${name}`,
    bucket: 'local-data',
    name: `datasets/${name}`,
    generation,
    size: rows * 69,
    rows,
  };
}

/** A run that went all the way to DEPLOYED with `split` at go-live. */
function deployedRun(
  runId: string,
  day: string,
  version: number,
  deployedModelId: string,
  gate: { candidate: number; serving: number | null; threshold: number },
  split: Record<string, number>,
): RunRecord {
  const t = (hms: string) => `2026-12-${day}T${hms}.000Z`;
  const record: RunRecord = {
    ...newRunRecord(runId, 'dataset-drop', t('09:00:00'), dataset(`${runId.split('-')[0]}.csv`, `17${day}`, 891)),
    state: 'DEPLOYED',
    updatedAt: t('09:06:30'),
    stages: {
      RECEIVED: t('09:00:00'),
      BUILDING: t('09:00:01'),
      TRAINING: t('09:01:40'),
      DEPLOYING: t('09:05:10'),
      DEPLOYED: t('09:06:30'),
    },
    build: { id: `b-${version}`, imageUri: 'local/trainer@sha256:1', imageDigest: 'sha256:1' },
    training: { endpointVersion: version, name: `tp-${version}`, model: { name: MODEL, versionId: String(version) } },
    metrics: { accuracy: gate.candidate },
    gate: {
      promote: true,
      metric: 'accuracy',
      direction: 'higher',
      candidate: gate.candidate,
      serving: gate.serving,
      floor: 0.75,
      tolerance: 0.01,
      threshold: gate.threshold,
      reason: `accuracy ${gate.candidate} >= ${gate.threshold}`,
    },
    deploy: { deployedModelId, traffic: split },
    report: { uri: `gs://${ARTIFACTS}/runs/${runId}/report.html`, writtenAt: t('09:06:40'), of: t('09:06:30') },
  };
  return { ...record, cost: runCost(record, MACHINES) };
}

export const ROLLBACK: TrafficChange = {
  at: '2026-12-03T10:00:00.000Z',
  action: 'rollback',
  to: RUN_A,
  from: RUN_B,
  by: 'ana',
  split: { [DM_A]: 100, [DM_B]: 0 },
};

/** Run A (v1) deployed, run B (v2) replaced it, then an operator rolled back to A: the change is on both records. */
export function twoRunsAndARollback(): RunRecord[] {
  const a = deployedRun(RUN_A, '01', 1, DM_A, { candidate: 0.8212, serving: null, threshold: 0.75 }, { [DM_A]: 100 });
  const b = deployedRun(
    RUN_B,
    '02',
    2,
    DM_B,
    { candidate: 0.8379, serving: 0.8212, threshold: 0.8112 },
    { [DM_B]: 100 },
  );
  a.deploy = { ...a.deploy, trafficChanges: [ROLLBACK] };
  b.deploy = { ...b.deploy, trafficChanges: [ROLLBACK] };
  return [a, b];
}

/** The endpoint after the rollback: both versions deployed, all traffic on A's. */
export function endpointAfterRollback(): EndpointState {
  return {
    name: ENDPOINT,
    deployedModels: [
      { id: DM_A, model: MODEL, modelVersionId: '1', displayName: `${RUN_A}-v1` },
      { id: DM_B, model: MODEL, modelVersionId: '2', displayName: `${RUN_B}-v2` },
    ],
    trafficSplit: { [DM_A]: 100, [DM_B]: 0 },
  };
}

/** A run the gate held (worse than the serving version). */
export function heldRun(): RunRecord {
  const at = (hms: string) => `2026-12-04T${hms}.000Z`;
  const record: RunRecord = {
    ...newRunRecord('train-small-0c1d2e3f4a5b', 'dataset-drop', at('08:00:00'), dataset('small.csv', '1704', 300)),
    state: 'HELD',
    updatedAt: at('08:04:00'),
    stages: { RECEIVED: at('08:00:00'), BUILDING: at('08:00:01'), TRAINING: at('08:01:30'), HELD: at('08:04:00') },
    training: { endpointVersion: 3, name: 'tp-3', model: { name: MODEL, versionId: '3' } },
    gate: {
      promote: false,
      metric: 'accuracy',
      direction: 'higher',
      candidate: 0.7833,
      serving: 0.8212,
      floor: 0.75,
      tolerance: 0.01,
      threshold: 0.8112,
      reason: 'accuracy 0.7833 < 0.8112 (serving 0.8212 - tolerance 0.01)',
    },
  };
  return { ...record, cost: runCost(record, MACHINES) };
}

/** A dataset that failed validation. */
export function rejectedRun(): RunRecord {
  return {
    ...newRunRecord(
      'broken-9e8d7c6b5a41',
      'dataset-drop',
      '2026-12-04T12:00:00.000Z',
      dataset('broken.csv', '1705', 12),
    ),
    state: 'REJECTED',
    stages: { RECEIVED: '2026-12-04T12:00:00.000Z', REJECTED: '2026-12-04T12:00:01.000Z' },
    rejection: { reasons: ['missing required column "Survived"', 'row 4: Age "abc" is not a number'], problemCount: 5 },
  };
}

export const DATA = 'local-data';
export const SCORING_RUN = 'score-test-5b6c7d8e9f01';
export const PREDICTIONS_CSV = 'PassengerId,survived,probability\n892,0,0.19\n893,1,0.74\n';

/** A scoring drop scored with the version RUN_A deployed, its predictions written next to it. */
export function scoredRun(): RunRecord {
  const at = (hms: string) => `2026-12-04T${hms}.000Z`;
  return {
    ...newScoringRecord(SCORING_RUN, at('13:00:00'), {
      uri: `gs://${DATA}/score/test.csv`,
      bucket: DATA,
      name: 'score/test.csv',
      generation: '1706',
      size: 28629,
    }),
    state: 'SCORED',
    updatedAt: at('13:07:00'),
    stages: { RECEIVED: at('13:00:00'), SCORING: at('13:00:02'), SCORED: at('13:07:00') },
    scoring: {
      model: { name: MODEL, versionId: '1' },
      deployedModelId: DM_A,
      servingRunId: RUN_A,
      jobName: 'projects/local-project/locations/us-central1/batchPredictionJobs/42',
      predictionsUri: `gs://${DATA}/score/test.predictions.csv`,
      summary: batchSummary({
        rows: 418,
        modelVersion: `${MODEL}@1`,
        startTime: at('13:00:05'),
        endTime: at('13:06:50'),
        replicaCount: 1,
        machineType: 'n1-standard-2',
      }),
    },
  };
}
