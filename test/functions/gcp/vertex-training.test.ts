import assert from 'node:assert/strict';
import { ModelServiceClient, PipelineServiceClient } from '@google-cloud/aiplatform';
import protobuf from 'protobufjs';
import {
  CUSTOM_TASK_DEFINITION,
  PIPELINE_STATES,
  createVertexTraining,
  toTrainingState,
} from '../../../functions/src/gcp/vertex-training';
import { fakeGrpc, grpcError, offlineClientOptions } from '../../support/gcp-grpc';
import { protoOptions, protoRoot } from '../../support/gcp-proto-roots';
import { testSettings } from '../../support/gcp-settings';
import { loadManifestSync } from '../../../functions/src/contract/manifest';
import { assertMatchesProto, valueToJson } from '../../support/proto-schema';
import { bandFor, parseBandEntries } from '../../../functions/src/pipeline/machine-bands';

const AI = 'google.cloud.aiplatform.v1';
// The default trainer's own commands, read from trainer/trainer.yaml as the functions read them (TRAINER_DIR).
const settings = testSettings({ trainer: loadManifestSync('trainer').manifest });
const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const request = {
  runId: '20261126-abc123',
  imageUri: `${settings.imageRepository}/trainer@${DIGEST}`,
  datasetUri: 'gs://test-project-data/datasets/titanic.csv',
  endpointVersion: 3,
  baseOutputDir: 'gs://test-project-artifacts/runs/20261126-abc123',
  machineType: 'n1-standard-4',
};
const PIPELINE_NAME = 'projects/test-project/locations/europe-west1/trainingPipelines/42';

async function setup(modelExists: boolean, s = settings) {
  const pipeline = new PipelineServiceClient(offlineClientOptions());
  const model = new ModelServiceClient(offlineClientOptions());
  const getModel = await fakeGrpc(model.initialize(), 'getModel', (req) => {
    if (!modelExists) throw grpcError(5, 'NOT_FOUND: model');
    return { name: req.name, displayName: 'titanic', versionId: '2' };
  });
  const service = createVertexTraining(s, { pipeline: () => pipeline, model: () => model });
  return { pipeline, service, getModel };
}

interface SentPipeline {
  trainingTaskDefinition: string;
  trainingTaskInputs: unknown;
  modelToUpload: { containerSpec: Record<string, unknown>; labels: Record<string, string>; versionAliases: string[] };
  parentModel?: string;
  modelId?: string;
  labels: Record<string, string>;
}
interface SentSpec {
  workerPoolSpecs: {
    machineSpec: { machineType: string };
    replicaCount: number;
    containerSpec: { imageUri: string; args: string[]; env: { name: string; value: string }[] };
  }[];
  baseOutputDirectory: { outputUriPrefix: string };
  serviceAccount: string;
}

describe('gcp/vertex-training', () => {
  it('submits a custom-task TrainingPipeline that matches the proto (CustomJobSpec inside the Value too)', async () => {
    const { pipeline, service, getModel } = await setup(true);
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', (req) => ({
      ...(req.trainingPipeline as object),
      name: PIPELINE_NAME,
      state: 'PIPELINE_STATE_QUEUED',
    }));
    assert.deepEqual(await service.startTraining(request), { name: PIPELINE_NAME });

    assertMatchesProto(`${AI}.GetModelRequest`, getModel[0]!.request, protoOptions('aiplatform'));
    const { request: sent, headers } = calls[0]!;
    assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, sent, protoOptions('aiplatform'));
    assert.equal(sent.parent, 'projects/test-project/locations/europe-west1');
    assert.match(String(headers['x-goog-request-params']), /parent=projects%2Ftest-project%2Flocations%2Feurope-west1/);
    const tp = sent.trainingPipeline as SentPipeline;
    assert.equal(tp.trainingTaskDefinition, CUSTOM_TASK_DEFINITION);
    assert.equal(tp.parentModel, 'projects/test-project/locations/europe-west1/models/titanic');
    assert.equal(tp.modelId, undefined);
    assert.deepEqual(tp.labels, { run_id: '20261126-abc123', app: 'vertex-retrain' });
    assert.deepEqual(tp.modelToUpload.containerSpec, {
      imageUri: request.imageUri,
      command: ['node', 'dist/trainer/src/serve.js'],
      predictRoute: '/predict',
      healthRoute: '/health',
      ports: [{ containerPort: 8080 }],
    });
    assert.deepEqual(tp.modelToUpload.labels, { run_id: '20261126-abc123', endpoint_version: '3' });
    assert.deepEqual(tp.modelToUpload.versionAliases, ['v3']);

    const spec = valueToJson(tp.trainingTaskInputs) as SentSpec;
    assert.equal(spec.workerPoolSpecs.length, 1);
    const pool = spec.workerPoolSpecs[0]!;
    assert.deepEqual(pool.machineSpec, { machineType: 'n1-standard-4' });
    assert.equal(pool.replicaCount, 1);
    assert.equal(pool.containerSpec.imageUri, request.imageUri);
    assert.deepEqual(pool.containerSpec.args, [
      '--env',
      'vertex',
      '--endpoint_version',
      '3',
      '--data',
      request.datasetUri,
      '--run-id',
      request.runId,
    ]);
    assert.deepEqual(pool.containerSpec.env, [
      { name: 'TRAINING_EVENTS_TOPIC', value: 'projects/test-project/topics/training-events' },
      { name: 'RUN_ID', value: request.runId },
    ]);
    assert.deepEqual(spec.baseOutputDirectory, { outputUriPrefix: request.baseOutputDir });
    assert.equal(spec.serviceAccount, settings.trainingServiceAccount);
    // The Value survives the wire encoding intact (a raw JSON object would have been dropped to an empty Value).
    const wireInputs = (calls[0]!.wire.trainingPipeline as { trainingTaskInputs: unknown }).trainingTaskInputs;
    assert.deepEqual(valueToJson(stripDefaults(wireInputs)), spec);
  });

  it('trains on the machine the dataset size picked: a large dataset gets the big machine (proto-checked)', async () => {
    const { pipeline, service } = await setup(true);
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', () => ({ name: PIPELINE_NAME }));
    const bands = parseBandEntries('100MB=n1-standard-4,1GB=n1-standard-8,*=n1-highmem-16');
    for (const [runId, bytes] of [
      ['20261126-small1', 5e6],
      ['20261126-large1', 5e9],
    ] as const) {
      await service.startTraining({ ...request, runId, machineType: bandFor(bands, bytes).machineType });
    }
    const machines = calls.map((call) => {
      assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, call.request, protoOptions('aiplatform'));
      const tp = call.request.trainingPipeline as SentPipeline;
      // On the wire too: the Value carrying the CustomJobSpec is what Vertex AI reads the machine from.
      const wire = (call.wire.trainingPipeline as { trainingTaskInputs: unknown }).trainingTaskInputs;
      const sent = valueToJson(stripDefaults(wire)) as SentSpec;
      assert.deepEqual(sent, valueToJson(tp.trainingTaskInputs));
      return sent.workerPoolSpecs.map((pool) => pool.machineSpec.machineType);
    });
    assert.deepEqual(machines, [['n1-standard-4'], ['n1-highmem-16']]);
  });

  it('creates the registry model with modelId when it does not exist yet', async () => {
    const { pipeline, service } = await setup(false);
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', () => ({ name: PIPELINE_NAME }));
    await service.startTraining(request);
    const tp = calls[0]!.request.trainingPipeline as SentPipeline;
    assert.equal(tp.modelId, 'titanic');
    assert.equal(tp.parentModel, undefined);
    assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, calls[0]!.request, protoOptions('aiplatform'));
  });

  it('passes --baseline-model-dir when a version serves (CreateTrainingPipelineRequest proto-checked)', async () => {
    const { pipeline, service } = await setup(true);
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', () => ({ name: PIPELINE_NAME }));
    const baselineModelDir = 'gs://test-project-artifacts/runs/20261120-old111/model/';
    await service.startTraining({ ...request, baselineModelDir });
    assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, calls[0]!.request, protoOptions('aiplatform'));
    const tp = calls[0]!.request.trainingPipeline as SentPipeline;
    const args = (valueToJson(tp.trainingTaskInputs) as SentSpec).workerPoolSpecs[0]!.containerSpec.args;
    assert.deepEqual(args.slice(-2), ['--baseline-model-dir', baselineModelDir]);
  });

  it('the diabetes trainer (examples/diabetes): its image by digest, its arguments, its serving container spec', async () => {
    const { manifest } = loadManifestSync('examples/diabetes');
    const diabetes = testSettings({ modelId: 'diabetes', imageName: 'diabetes', trainer: manifest });
    const { pipeline, service } = await setup(false, diabetes);
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', () => ({ name: PIPELINE_NAME }));
    const imageUri = `${diabetes.imageRepository}/diabetes@sha256:${'cd34'.repeat(16)}`;
    const req = {
      runId: '20261202-dia001',
      imageUri,
      datasetUri: 'gs://test-project-data/datasets/diabetes.csv#1796215334730000',
      endpointVersion: 2,
      baseOutputDir: 'gs://test-project-artifacts/runs/20261202-dia001',
      baselineModelDir: 'gs://test-project-artifacts/runs/20261201-dia000/model/',
      machineType: 'n1-standard-4',
    };
    await service.startTraining(req);
    assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, calls[0]!.request, protoOptions('aiplatform'));
    const tp = calls[0]!.request.trainingPipeline as SentPipeline;
    assert.equal(tp.modelId, 'diabetes');
    assert.deepEqual(tp.modelToUpload.containerSpec, {
      imageUri,
      command: ['python', 'serve.py'],
      predictRoute: '/predict',
      healthRoute: '/health',
      ports: [{ containerPort: 8080 }],
    });
    const pool = (valueToJson(tp.trainingTaskInputs) as SentSpec).workerPoolSpecs[0]!;
    assert.equal(pool.containerSpec.imageUri, imageUri);
    assert.equal((pool.containerSpec as { command?: string[] }).command, undefined, "the image's ENTRYPOINT");
    assert.deepEqual(pool.containerSpec.args, [
      '--env',
      'vertex',
      '--endpoint_version',
      '2',
      '--data',
      req.datasetUri,
      '--run-id',
      req.runId,
      '--baseline-model-dir',
      req.baselineModelDir,
    ]);
  });

  it("a manifest's own serving port, routes, arguments and training command reach the request", async () => {
    const trainer = {
      train: { command: ['/app/train'], args: ['--epochs', '3'] },
      serve: {
        command: ['/app/serve'],
        args: ['--workers', '2'],
        port: 9000,
        predictRoute: '/v1/p',
        healthRoute: '/hz',
      },
    };
    const { pipeline, service } = await setup(true, testSettings({ trainer }));
    const calls = await fakeGrpc(pipeline.initialize(), 'createTrainingPipeline', () => ({ name: PIPELINE_NAME }));
    await service.startTraining(request);
    assertMatchesProto(`${AI}.CreateTrainingPipelineRequest`, calls[0]!.request, protoOptions('aiplatform'));
    const tp = calls[0]!.request.trainingPipeline as SentPipeline;
    assert.deepEqual(tp.modelToUpload.containerSpec, {
      imageUri: request.imageUri,
      command: ['/app/serve'],
      args: ['--workers', '2'],
      predictRoute: '/v1/p',
      healthRoute: '/hz',
      ports: [{ containerPort: 9000 }],
    });
    const pool = (valueToJson(tp.trainingTaskInputs) as SentSpec).workerPoolSpecs[0]!;
    assert.deepEqual((pool.containerSpec as { command?: string[] }).command, ['/app/train']);
    assert.deepEqual(pool.containerSpec.args.slice(-2), ['--epochs', '3']);
  });

  it('refuses an image that is not pinned by digest', async () => {
    const { service } = await setup(true);
    await assert.rejects(service.startTraining({ ...request, imageUri: 'repo/trainer:latest' }), /pinned by digest/);
  });

  it('findTrainingForRun filters by the run label (ListTrainingPipelinesRequest proto-checked)', async () => {
    const { pipeline, service } = await setup(true);
    const calls = await fakeGrpc(pipeline.initialize(), 'listTrainingPipelines', () => ({
      trainingPipelines: [{ name: PIPELINE_NAME }],
    }));
    assert.deepEqual(await service.findTrainingForRun('Run.7'), { name: PIPELINE_NAME });
    assertMatchesProto(`${AI}.ListTrainingPipelinesRequest`, calls[0]!.request, protoOptions('aiplatform'));
    assert.equal(calls[0]!.request.filter, 'labels.run_id="run-7"');
  });

  it('getTraining decodes state, uploaded model version, run label and error', async () => {
    const { pipeline, service } = await setup(true);
    const calls = await fakeGrpc(pipeline.initialize(), 'getTrainingPipeline', () => ({
      name: PIPELINE_NAME,
      state: 'PIPELINE_STATE_SUCCEEDED',
      labels: { run_id: 'r1', app: 'vertex-retrain' },
      modelToUpload: { name: 'projects/test-project/locations/europe-west1/models/titanic', versionId: '4' },
    }));
    assert.deepEqual(await service.getTraining(PIPELINE_NAME), {
      name: PIPELINE_NAME,
      state: 'SUCCEEDED',
      runId: 'r1',
      model: { name: 'projects/test-project/locations/europe-west1/models/titanic', versionId: '4' },
    });
    assertMatchesProto(`${AI}.GetTrainingPipelineRequest`, calls[0]!.request, protoOptions('aiplatform'));

    await fakeGrpc(pipeline.initialize(), 'getTrainingPipeline', () => ({
      name: PIPELINE_NAME,
      state: 'PIPELINE_STATE_FAILED',
      error: { code: 3, message: 'The replica workerpool0-0 exited with a non-zero status of 1.' },
    }));
    const failed = await service.getTraining(PIPELINE_NAME);
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.error, 'The replica workerpool0-0 exited with a non-zero status of 1.');
    assert.equal(failed.model, undefined);
  });

  it('maps every PipelineState, by name and by number, as the proto numbers them', () => {
    const enumType = protoRoot('aiplatform').lookupEnum(`${AI}.PipelineState`) as protobuf.Enum;
    for (const [name, id] of Object.entries(enumType.values)) {
      assert.equal(PIPELINE_STATES[id], name);
      assert.equal(toTrainingState(id), toTrainingState(name));
    }
    assert.equal(toTrainingState(4), 'SUCCEEDED');
    assert.equal(toTrainingState('PIPELINE_STATE_CANCELLED'), 'CANCELLED');
    assert.equal(toTrainingState(5), 'FAILED');
    assert.equal(toTrainingState('PIPELINE_STATE_QUEUED'), 'PENDING');
    assert.equal(toTrainingState(6), 'RUNNING');
  });
});

/** The deserializer fills defaults (`defaults: true`, oneofs as `kind`); keep only the member each Value sets. */
function stripDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDefaults);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (typeof o.kind === 'string') return { [o.kind]: stripDefaults(o[o.kind]) };
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, stripDefaults(x)]));
}
