// Issue 13 acceptance: two trainings before the registry model exists. The functions run over HTTP with the training
// port being the real Vertex AI adapter (PipelineServiceClient + ModelServiceClient, gRPC transport stubbed, every
// request proto-checked): exactly one CreateTrainingPipeline creates the model (`modelId`, no `parentModel`), the
// other one adds a version (`parentModel`), and no upload collides.
import assert from 'node:assert/strict';
import { ModelServiceClient, PipelineServiceClient } from '@google-cloud/aiplatform';
import { setPortsForTesting } from '../../../functions/src/backend';
import { createVertexTraining } from '../../../functions/src/gcp/vertex-training';
import { createLogger } from '../../../functions/src/log';
import {
  GOOD_CSV,
  dropDataset,
  fakeValidator,
  harness,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type Harness,
  type LogLine,
} from '../../support/functions-harness';
import { fakeGrpc, grpcError, offlineClientOptions, type GrpcCall } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto } from '../../support/proto-schema';

const AI = 'google.cloud.aiplatform.v1';
const settings = testSettings();
const MODEL = `projects/${settings.projectId}/locations/${settings.region}/models/${settings.modelId}`;

/** The harness's log capture, for ports swapped in after harness(). */
const quietLog = (h: Harness) =>
  createLogger(h.config, { write: (line: string) => void h.logs.push(JSON.parse(line) as LogLine) });

interface Pipeline {
  name: string;
  state: string;
  labels: Record<string, string>;
  modelToUpload: Record<string, unknown>;
  modelId?: string;
  parentModel?: string;
}

/** A stand-in of Vertex AI's pipeline and model services, behind the real clients' gRPC stubs. */
async function vertexStandIn() {
  const pipelineClient = new PipelineServiceClient(offlineClientOptions());
  const modelClient = new ModelServiceClient(offlineClientOptions());
  const pipelines: Pipeline[] = [];
  let versions = 0;
  const collisions: string[] = [];
  const calls: GrpcCall[] = [];
  calls.push(
    ...(await fakeGrpc(modelClient.initialize(), 'getModel', (req) => {
      if (versions === 0) throw grpcError(5, `NOT_FOUND: model ${String(req.name)}`);
      return { name: MODEL, displayName: settings.modelId, versionId: String(versions) };
    })),
  );
  const create = await fakeGrpc(pipelineClient.initialize(), 'createTrainingPipeline', (req) => {
    const tp = req.trainingPipeline as Omit<Pipeline, 'name' | 'state'>;
    const p: Pipeline = {
      ...tp,
      name: `${req.parent as string}/trainingPipelines/${pipelines.length + 1}`,
      state: 'PIPELINE_STATE_QUEUED',
    };
    pipelines.push(p);
    return p;
  });
  const get = await fakeGrpc(pipelineClient.initialize(), 'getTrainingPipeline', (req) => {
    const p = pipelines.find((x) => x.name === req.name);
    if (!p) throw grpcError(5, `NOT_FOUND: ${String(req.name)}`);
    return p;
  });
  const list = await fakeGrpc(pipelineClient.initialize(), 'listTrainingPipelines', (req) => ({
    trainingPipelines: pipelines.filter((p) => String(req.filter).includes(`"${p.labels.run_id}"`)),
  }));
  return {
    training: createVertexTraining(settings, { pipeline: () => pipelineClient, model: () => modelClient }),
    pipelines,
    collisions,
    create,
    allCalls: () => [...calls, ...create, ...get, ...list],
    /** The pipeline finishes: its upload creates the model (modelId) or adds a version (parentModel). */
    succeed(p: Pipeline) {
      if (p.modelId && versions > 0) collisions.push(`Model ${MODEL} already exists`);
      versions++;
      p.state = 'PIPELINE_STATE_SUCCEEDED';
      p.modelToUpload = { ...p.modelToUpload, name: MODEL, versionId: String(versions) };
    },
  };
}

describe('engine acceptance: two trainings before the registry model exists (real Vertex clients)', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('exactly one upload creates the model (modelId, no parentModel); the other becomes a version (parentModel)', async () => {
    h = await harness({ KEEP_DEPLOYED_VERSIONS: '2' });
    const vertex = await vertexStandIn();
    setPortsForTesting(
      { ...h.ports, training: vertex.training },
      { config: h.config, log: quietLog(h), validateDataset: fakeValidator },
    );
    const at = () => h.clock.now.toISOString();
    const tick = () => h.deliver('onReconcileTick', pubsubEvent('reconcile', {}, at()));

    await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/a.csv', GOOD_CSV));
    await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/b.csv', 'PassengerId,Survived\n1,1\n'));
    assert.equal(h.builds.started.length, 2);
    // Both builds succeed before either training ends.
    for (const b of h.builds.started) await h.deliver('onBuildStatus', successfulBuild(h, b.runId, b.buildId, at()));
    await tick();
    assert.equal(vertex.create.length, 1, 'one training at a time while the model does not exist');

    const first = vertex.pipelines[0]!;
    vertex.succeed(first);
    const firstRun = (await h.ledger.list()).find((r) => r.training?.name === first.name);
    assert.ok(firstRun, 'the first pipeline is recorded on its run');
    await writeMetrics(h, firstRun.runId, { accuracy: 0.8 });
    await h.deliver('onTrainingStatus', pubsubEvent('training-events', { runId: firstRun.runId }, at()));
    await tick();
    await tick();
    assert.equal(vertex.create.length, 2, 'the second training started once the model exists');
    vertex.succeed(vertex.pipelines[1]!);

    for (const call of vertex.allCalls())
      assertMatchesProto(`${AI}.${call.path.split('/').at(-1)}Request`, call.request, protoOptions('aiplatform'));
    const sent = vertex.create.map((c) => c.request.trainingPipeline as Pipeline);
    const creators = sent.filter((p) => p.modelId !== undefined);
    assert.equal(creators.length, 1, 'exactly one upload creates the model');
    assert.equal(creators[0]!.modelId, settings.modelId);
    assert.equal(creators[0]!.parentModel, undefined);
    const others = sent.filter((p) => p !== creators[0]);
    assert.deepEqual(
      others.map((p) => [p.modelId, p.parentModel]),
      [[undefined, MODEL]],
    );
    // Also on the wire (what Vertex decodes): one modelId, one parentModel.
    const wire = vertex.create.map((c) => c.wire.trainingPipeline as Pipeline);
    assert.deepEqual(wire.map((p) => Boolean(p.modelId)).sort(), [false, true]);
    assert.deepEqual(vertex.collisions, []);
    const runs = await Promise.all(h.builds.started.map((b) => h.ledger.get(b.runId)));
    assert.deepEqual(
      runs.map((r) => r?.errors),
      [[], []],
    );
  });
});
