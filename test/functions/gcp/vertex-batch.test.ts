import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { JobServiceClient } from '@google-cloud/aiplatform';
import protobuf from 'protobufjs';
import {
  JOB_CLIENT_MODULE,
  JOB_STATES,
  batchJobDisplayName,
  createVertexBatch,
  toBatchJobState,
} from '../../../functions/src/gcp/vertex-batch';
import { scoringFolder } from '../../../functions/src/engine/scoring';
import { ROW_KEY } from '../../../functions/src/pipeline/batch-results';
import { fakeGrpc, offlineClientOptions } from '../../support/gcp-grpc';
import { protoOptions, protoRoot } from '../../support/gcp-proto-roots';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto } from '../../support/proto-schema';

const AI = 'google.cloud.aiplatform.v1';
const settings = testSettings();
const JOB_NAME = 'projects/test-project/locations/europe-west1/batchPredictionJobs/77';
// The request engine/scoring.ts sends: instances and results in the run's scoring folder, rows keyed by ROW_KEY.
const SCORING = scoringFolder('test-project-artifacts', 'score-20261202-abc123');
const request = {
  runId: 'score-20261202-abc123',
  model: { name: 'projects/test-project/locations/europe-west1/models/titanic', versionId: '3' },
  inputUri: `${SCORING}instances.jsonl`,
  instancesFormat: 'jsonl' as const,
  outputUriPrefix: SCORING,
  keyField: ROW_KEY,
};

/**
 * The aiplatform proto root with JobService loaded too. gcp-proto-roots.ts loads pipeline, endpoint and model
 * services; job_service.proto joins the same root (same search path), so the check is the same strict one.
 */
function jobProtoOptions() {
  const root = protoRoot('aiplatform');
  if (!root.lookup(`${AI}.CreateBatchPredictionJobRequest`)) {
    root.loadSync('google/cloud/aiplatform/v1/job_service.proto', { keepCase: true });
    root.resolveAll();
  }
  return protoOptions('aiplatform');
}

async function setup() {
  const job = new JobServiceClient(offlineClientOptions());
  const service = createVertexBatch(settings, { job: () => job });
  return { job, service };
}

interface SentJob {
  displayName: string;
  model: string;
  inputConfig: { instancesFormat: string; gcsSource: { uris: string[] } };
  instanceConfig?: { instanceType?: string; keyField?: string };
  outputConfig: { predictionsFormat: string; gcsDestination: { outputUriPrefix: string } };
  dedicatedResources: { machineSpec: { machineType: string }; startingReplicaCount: number; maxReplicaCount: number };
  serviceAccount: string;
  labels: Record<string, string>;
}

describe('gcp/vertex-batch', () => {
  it('lists by the run label, then creates a BatchPredictionJob that matches the proto', async () => {
    const { job, service } = await setup();
    const lists = await fakeGrpc(job.initialize(), 'listBatchPredictionJobs', () => ({ batchPredictionJobs: [] }));
    const creates = await fakeGrpc(job.initialize(), 'createBatchPredictionJob', (req) => ({
      ...(req.batchPredictionJob as object),
      name: JOB_NAME,
      state: 'JOB_STATE_QUEUED',
    }));
    assert.deepEqual(await service.startBatchJob(request), { name: JOB_NAME });

    const opts = jobProtoOptions();
    assert.equal(lists.length, 1);
    assertMatchesProto(`${AI}.ListBatchPredictionJobsRequest`, lists[0]!.request, opts);
    assert.equal(lists[0]!.request.filter, 'labels.run_id="score-20261202-abc123"');
    assert.equal(creates.length, 1);
    const { request: sent, headers } = creates[0]!;
    assertMatchesProto(`${AI}.CreateBatchPredictionJobRequest`, sent, opts);
    assert.equal(sent.parent, 'projects/test-project/locations/europe-west1');
    assert.match(String(headers['x-goog-request-params']), /parent=projects%2Ftest-project%2Flocations%2Feurope-west1/);
    const bpj = sent.batchPredictionJob as SentJob;
    assert.equal(bpj.displayName, 'vertex-retrain-score-score-20261202-abc123');
    assert.equal(bpj.model, 'projects/test-project/locations/europe-west1/models/titanic@3');
    assert.deepEqual(bpj.inputConfig, { instancesFormat: 'jsonl', gcsSource: { uris: [request.inputUri] } });
    assert.deepEqual(bpj.instanceConfig, { instanceType: 'object', keyField: 'vertex_retrain_row' });
    assert.deepEqual(bpj.outputConfig, {
      predictionsFormat: 'jsonl',
      gcsDestination: { outputUriPrefix: request.outputUriPrefix },
    });
    assert.deepEqual(bpj.dedicatedResources, {
      machineSpec: { machineType: 'n1-standard-2' },
      startingReplicaCount: 1,
      maxReplicaCount: 1,
    });
    assert.equal(bpj.serviceAccount, 'serving@test-project.iam.gserviceaccount.com');
    assert.deepEqual(bpj.labels, { run_id: 'score-20261202-abc123', app: 'vertex-retrain', kind: 'scoring' });
    // What the server decodes: nothing the adapter set was dropped by the encoder.
    const wire = creates[0]!.wire.batchPredictionJob as SentJob;
    assert.equal(wire.instanceConfig?.keyField, 'vertex_retrain_row');
    assert.equal(wire.dedicatedResources.machineSpec.machineType, 'n1-standard-2');
  });

  it('a redelivery finds the job of the run and creates nothing', async () => {
    const { job, service } = await setup();
    await fakeGrpc(job.initialize(), 'listBatchPredictionJobs', () => ({
      batchPredictionJobs: [{ name: JOB_NAME, displayName: batchJobDisplayName(request.runId) }],
    }));
    const creates = await fakeGrpc(job.initialize(), 'createBatchPredictionJob', () => ({ name: 'other' }));
    assert.deepEqual(await service.startBatchJob(request), { name: JOB_NAME });
    assert.deepEqual(await service.findBatchJobForRun(request.runId), { name: JOB_NAME });
    assert.equal(creates.length, 0);
  });

  it('takes the machine, replica count and service account from the options; CSV input has no instance type', async () => {
    const job = new JobServiceClient(offlineClientOptions());
    const service = createVertexBatch(
      settings,
      { job: () => job },
      { machineType: 'n1-highmem-4', replicaCount: 3, serviceAccount: 'scorer@test-project.iam.gserviceaccount.com' },
    );
    await fakeGrpc(job.initialize(), 'listBatchPredictionJobs', () => ({}));
    const creates = await fakeGrpc(job.initialize(), 'createBatchPredictionJob', () => ({ name: JOB_NAME }));
    await service.startBatchJob({ ...request, instancesFormat: 'csv', inputUri: 'gs://b/score/x.csv' });
    assertMatchesProto(`${AI}.CreateBatchPredictionJobRequest`, creates[0]!.request, jobProtoOptions());
    const bpj = creates[0]!.request.batchPredictionJob as SentJob;
    assert.deepEqual(bpj.instanceConfig, { keyField: 'vertex_retrain_row' });
    assert.equal(bpj.inputConfig.instancesFormat, 'csv');
    assert.deepEqual(bpj.dedicatedResources, {
      machineSpec: { machineType: 'n1-highmem-4' },
      startingReplicaCount: 3,
      maxReplicaCount: 3,
    });
    assert.equal(bpj.serviceAccount, 'scorer@test-project.iam.gserviceaccount.com');
  });

  it('refuses input or output that is not in Cloud Storage, before calling anything', async () => {
    const { job, service } = await setup();
    const lists = await fakeGrpc(job.initialize(), 'listBatchPredictionJobs', () => ({}));
    await assert.rejects(
      service.startBatchJob({ ...request, inputUri: '/tmp/x.jsonl' }),
      /inputUri must be a gs:\/\/<bucket>\/<name> URI/,
    );
    await assert.rejects(service.startBatchJob({ ...request, outputUriPrefix: 'gs://bucket' }), /outputUriPrefix/);
    assert.equal(lists.length, 0);
  });

  it('getBatchJob decodes state, model version, output folder, counts, replica-hours, times and error', async () => {
    const { job, service } = await setup();
    const calls = await fakeGrpc(job.initialize(), 'getBatchPredictionJob', (req) => ({
      name: req.name,
      displayName: batchJobDisplayName(request.runId),
      state: 'JOB_STATE_SUCCEEDED',
      labels: { run_id: 'score-20261202-abc123', app: 'vertex-retrain' },
      modelVersionId: '3',
      outputInfo: { gcsOutputDirectory: `${request.outputUriPrefix}prediction-titanic-2026_12_02T10_00_00_000Z` },
      completionStats: { successfulCount: 417, failedCount: 1, incompleteCount: 0 },
      resourcesConsumed: { replicaHours: 0.25 },
      startTime: { seconds: 1_764_669_600, nanos: 500_000_000 },
      endTime: { seconds: 1_764_670_500 },
    }));
    assert.deepEqual(await service.getBatchJob(JOB_NAME), {
      name: JOB_NAME,
      state: 'SUCCEEDED',
      runId: 'score-20261202-abc123',
      modelVersionId: '3',
      outputDirectory: `${request.outputUriPrefix}prediction-titanic-2026_12_02T10_00_00_000Z`,
      completion: { successful: 417, failed: 1, incomplete: 0 },
      replicaHours: 0.25,
      startTime: new Date(1_764_669_600_500).toISOString(),
      endTime: new Date(1_764_670_500_000).toISOString(),
    });
    assertMatchesProto(`${AI}.GetBatchPredictionJobRequest`, calls[0]!.request, jobProtoOptions());
    assert.equal(calls[0]!.request.name, JOB_NAME);

    await fakeGrpc(job.initialize(), 'getBatchPredictionJob', () => ({
      name: JOB_NAME,
      state: 'JOB_STATE_FAILED',
      error: { code: 3, message: 'Model server never became ready.' },
    }));
    const failed = await service.getBatchJob(JOB_NAME);
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.error, 'Model server never became ready.');
    assert.equal(failed.completion, undefined);
    assert.equal(failed.startTime, undefined);
  });

  it('maps every JobState, by name and by number, as the proto numbers them', () => {
    jobProtoOptions();
    const enumType = protoRoot('aiplatform').lookupEnum(`${AI}.JobState`) as protobuf.Enum;
    assert.equal(Object.keys(enumType.values).length, JOB_STATES.length);
    for (const [name, id] of Object.entries(enumType.values)) {
      assert.equal(JOB_STATES[id], name);
      assert.equal(toBatchJobState(id), toBatchJobState(name));
    }
    assert.equal(toBatchJobState('JOB_STATE_QUEUED'), 'PENDING');
    assert.equal(toBatchJobState(3), 'RUNNING');
    assert.equal(toBatchJobState(4), 'SUCCEEDED');
    assert.equal(toBatchJobState('JOB_STATE_PARTIALLY_SUCCEEDED'), 'SUCCEEDED');
    assert.equal(toBatchJobState(5), 'FAILED');
    assert.equal(toBatchJobState('JOB_STATE_EXPIRED'), 'FAILED');
    assert.equal(toBatchJobState(7), 'CANCELLED');
    assert.equal(toBatchJobState(undefined), 'PENDING');
  });

  it('loads the JobService client module only on first use, once per API host', () => {
    // A fresh process (an empty require cache, as on a cold start): which modules are loaded at each step.
    const script = `
      const loaded = () => Object.keys(require.cache).some((f) => f.includes('job_service_client'));
      const { lazyJobClient } = require('./functions/src/gcp/vertex-batch');
      const steps = [loaded()];
      const clients = lazyJobClient({ projectId: 'p', region: 'europe-west1' });
      steps.push(loaded());
      const client = clients.job();
      steps.push(loaded(), client === clients.job(), client === lazyJobClient({ projectId: 'p', region: 'europe-west1' }).job());
      steps.push(client === lazyJobClient({ projectId: 'p', region: 'us-central1' }).job());
      console.log(JSON.stringify(steps));`;
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), [false, false, true, true, true, false]);
    // Guards the deep require against a package upgrade that moves the module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    assert.equal(require(JOB_CLIENT_MODULE).JobServiceClient, JobServiceClient);
  });
});
