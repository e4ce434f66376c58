// The cloud twins working together on a fake trainer: build → training → registry → endpoint → predict URL.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { LocalBuildService } from '../../../functions/src/local/build-twin';
import type { LocalBuild } from '../../../functions/src/local/build-twin';
import { ControlServer } from '../../../functions/src/local/control-server';
import { LocalEndpointService } from '../../../functions/src/local/endpoint-twin';
import { gsUriToPath, localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';
import { LocalModelRegistry } from '../../../functions/src/local/model-registry-twin';
import { LocalObjectStore, setBucketConfig } from '../../../functions/src/local/object-store';
import { rpcClient } from '../../../functions/src/local/rpc';
import { ServingReplicas } from '../../../functions/src/local/serving-replicas';
import { LOCAL_NAMES } from '../../../functions/src/local/settings';
import { LocalTrainingService } from '../../../functions/src/local/training-twin';
import type { LocalTrainingJob } from '../../../functions/src/local/training-twin';
import { readJson } from '../../../functions/src/local/json-objects';
import {
  isAlreadyExists,
  type BuildService,
  type EndpointService,
  type TrainingService,
  type TrainingStatus,
} from '../../../functions/src/ports';
import { FAKE_IMAGE_COMMANDS, fakeProject } from './support/fake-project';

interface Published {
  topic: string;
  data: unknown;
  attributes: Record<string, string>;
}

const TOKEN = 'twins-test-token';

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('local twins (build, training, registry, endpoint) on a fake trainer', function () {
  this.timeout(90_000);
  let project: string;
  let root: string;
  let layout: LocalLayout;
  let published: Published[];
  let store: LocalObjectStore;
  let builds: LocalBuildService;
  let registry: LocalModelRegistry;
  let training: LocalTrainingService;
  let replicas: ServingReplicas;
  let endpoint: LocalEndpointService;
  let control: ControlServer;
  let url: string;
  const nodeModules = join(__dirname, '../../../node_modules');

  before(async () => {
    project = await fakeProject();
    root = await mkdtemp(join(tmpdir(), 'twins-'));
    layout = localLayout(root);
    published = [];
    store = new LocalObjectStore(layout);
    const publish = async (topic: string, data: string, attributes: Record<string, string>) => {
      published.push({ topic, data: JSON.parse(data), attributes });
      return String(published.length);
    };
    builds = new LocalBuildService({
      store,
      layout,
      names: LOCAL_NAMES,
      publish,
      source: { projectRoot: project, ...FAKE_IMAGE_COMMANDS },
    });
    registry = new LocalModelRegistry(store, LOCAL_NAMES);
    training = new LocalTrainingService({ store, layout, names: LOCAL_NAMES, registry, publish, nodeModules });
    replicas = new ServingReplicas(layout, { nodeModules, projectNumber: '0' });
    endpoint = new LocalEndpointService({ store, names: LOCAL_NAMES, registry, replicas });
    control = new ControlServer({
      services: { builds, training, endpoint, registry, publisher: { publish }, batch: {} },
      endpoint,
      replicas,
      endpointId: LOCAL_NAMES.endpointId,
      token: TOKEN,
      random: () => 0.5,
    });
    url = await control.listen(0);
  });
  after(async () => {
    await training.stop();
    await replicas.stopAll();
    await control.close();
    await rm(project, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  let imageUri = '';

  it('builds: QUEUED, WORKING, SUCCESS on cloud-builds with tags, substitutions and the image digest', async () => {
    const ref = await builds.startBuild({ runId: 'r1', datasetUri: 'gs://data/datasets/a.csv' });
    await builds.idle();
    const statuses = published.filter((p) => p.topic === 'cloud-builds').map((p) => p.attributes.status);
    assert.deepEqual(statuses, ['QUEUED', 'WORKING', 'SUCCESS']);
    const done = published.at(-1)?.data as LocalBuild;
    assert.equal(done.id, ref.buildId);
    assert.deepEqual(done.tags, ['vertex-retrain', 'run-r1']);
    assert.deepEqual(done.substitutions, { _RUN_ID: 'r1', _DATASET_URI: 'gs://data/datasets/a.csv' });
    const [image] = done.results?.images ?? [];
    assert.equal(image?.name, 'local/vertex-retrain/trainer:r1');
    assert.match(image?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.match(await readFile(new URL(done.logUrl), 'utf8'), /built sha256:/);
    assert.deepEqual(await builds.findBuildForRun('r1'), ref);
    assert.equal(await builds.findBuildForRun('other'), undefined);
    // Read back (the reconciler's way when a notification is lost): the record, as the last notification carried it.
    assert.deepEqual(await builds.getBuild(ref.buildId), done);
    await assert.rejects(builds.getBuild('00000000-0000-0000-0000-000000000000'), { name: 'NotFoundError' });
    await assert.rejects(builds.getBuild('../endpoint'), { name: 'NotFoundError' });
    imageUri = `local/vertex-retrain/trainer@${image?.digest}`;
  });

  it('reports a build that does not compile as FAILURE with the compiler message', async () => {
    const broken = new LocalBuildService({
      store,
      layout,
      names: LOCAL_NAMES,
      publish: async (topic, data, attributes) => {
        published.push({ topic, data: JSON.parse(data), attributes });
        return 'x';
      },
      source: { projectRoot: join(project, 'nowhere'), ...FAKE_IMAGE_COMMANDS },
    });
    await broken.startBuild({ runId: 'r-bad', datasetUri: 'gs://data/x.csv' });
    await broken.idle();
    const last = published.at(-1)?.data as LocalBuild;
    assert.equal(last.status, 'FAILURE');
    assert.equal(last.failureInfo?.type, 'USER_BUILD_STEP');
  });

  /** Starts a training of `datasetUri` and waits for it to end. */
  async function trainOn(runId: string, datasetUri: string, endpointVersion: number): Promise<TrainingStatus> {
    const { name } = await training.startTraining({
      runId,
      imageUri,
      datasetUri,
      endpointVersion,
      baseOutputDir: `gs://artifacts/runs/${runId}/`,
      machineType: 'n1-standard-8',
    });
    return until(async () => {
      const status = await training.getTraining(name);
      return status.state === 'SUCCEEDED' || status.state === 'FAILED' ? status : undefined;
    });
  }

  async function train(runId: string, csv: string, endpointVersion: number): Promise<TrainingStatus> {
    await store.write('data', `datasets/${runId}.csv`, csv);
    return trainOn(runId, `gs://data/datasets/${runId}.csv`, endpointVersion);
  }

  it('trains with the AIP_* variables and arguments Vertex would give, then uploads a model version', async () => {
    const status = await train('r1', 'a\n1\n2\n', 1);
    assert.equal(status.state, 'SUCCEEDED', status.error);
    assert.deepEqual(status.model, { name: registry.modelName, versionId: '1' });
    const model = JSON.parse(
      await readFile(join(gsUriToPath(layout, 'gs://artifacts/runs/r1/model/'), 'model.json'), 'utf8'),
    );
    assert.deepEqual(model.args, [
      '--env',
      'local',
      '--endpoint_version',
      '1',
      '--data',
      join(root, 'buckets/data/datasets/r1.csv'),
      '--run-id',
      'r1',
    ]);
    assert.equal(model.rows, 3);
    assert.equal(model.jobId, status.name.split('/').pop());
    const event = published.filter((p) => p.topic === 'training-events').at(-1);
    assert.deepEqual(event?.data, {
      contract: 'vertex-retrain.outcome/v1',
      runId: 'r1',
      status: 'SUCCEEDED',
      endpointVersion: 1,
    });
    assert.deepEqual(event?.attributes, { runId: 'r1' });
    assert.deepEqual(await training.findTrainingForRun('r1'), { name: status.name });
    const version = await registry.getVersion({ name: registry.modelName, versionId: '1' });
    assert.deepEqual(version.aliases, ['default']);
    assert.equal(version.artifactUri, 'gs://artifacts/runs/r1/model/');
    // The job keeps the request as Vertex keeps the pipeline's spec: the machine type the run asked for included.
    const job = await readJson<LocalTrainingJob>(
      store,
      'local-cloud',
      `trainings/${status.name.split('/').pop()}.json`,
    );
    assert.equal(job?.request.machineType, 'n1-standard-8');
  });

  it('reports a trainer that exits non-zero as FAILED with the end of its log, and registers nothing', async () => {
    const status = await train('r-fail', 'FAKE_TRAINER_FAIL\n', 2);
    assert.equal(status.state, 'FAILED');
    assert.match(status.error ?? '', /exited with 1: bad data: FAKE_TRAINER_FAIL/);
    assert.equal((await registry.getModel()).versions.length, 1);
  });

  it('refuses a dataset or output folder that is not a gs:// object, before starting anything', async () => {
    const client = rpcClient<TrainingService>(url, 'training', TOKEN);
    const req = { runId: 'evil', imageUri, endpointVersion: 9, machineType: 'n1-standard-4' };
    await assert.rejects(
      client.startTraining({ ...req, datasetUri: '/etc/passwd', baseOutputDir: 'gs://artifacts/runs/evil/' }),
      {
        name: 'InvalidObjectNameError',
        message: /datasetUri must be a gs:\/\/<bucket>\/<name> URI, got "\/etc\/passwd"/,
      },
    );
    await assert.rejects(
      client.startTraining({ ...req, datasetUri: 'gs://data/datasets/r1.csv', baseOutputDir: '/tmp/anywhere/' }),
      { name: 'InvalidObjectNameError', message: /baseOutputDir must be a gs:/ },
    );
    await assert.rejects(
      client.startTraining({ ...req, datasetUri: 'gs://data/../../etc/passwd', baseOutputDir: 'gs://a/b/' }),
      { name: 'InvalidObjectNameError' },
    );
    await assert.rejects(
      rpcClient<BuildService>(url, 'builds', TOKEN).startBuild({ runId: 'evil', datasetUri: 'file:///x' }),
      {
        name: 'InvalidObjectNameError',
      },
    );
    assert.equal(await training.findTrainingForRun('evil'), undefined);
    assert.equal(await builds.findBuildForRun('evil'), undefined);
  });

  it('deploys as a long-running operation, then serves through the endpoint URL with deployedModelId', async () => {
    const client = rpcClient<EndpointService>(url, 'endpoint', TOKEN);
    const { operationName } = await client.deployModel({
      runId: 'r1',
      model: { name: registry.modelName, versionId: '1' },
      endpointVersion: 1,
      trafficSplit: { '0': 100 },
    });
    assert.equal((await client.getOperation(operationName)).done, false, 'returns before the replica is healthy');
    const op = await until(async () => {
      const o = await client.getOperation(operationName);
      return o.done ? o : undefined;
    });
    assert.equal(op.error, undefined);
    const state = await client.getEndpoint();
    assert.deepEqual(state.trafficSplit, { [op.deployedModelId as string]: 100 });
    assert.equal(state.deployedModels[0]?.displayName, 'v1-r1');
    const res = await fetch(`${url}/v1/projects/local-project/locations/local/endpoints/local-endpoint:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ x: 1 }, { x: 2 }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { predictions: unknown[]; deployedModelId: string; modelVersionId: string };
    assert.equal(body.predictions.length, 2);
    assert.equal(body.deployedModelId, op.deployedModelId);
    assert.equal(body.modelVersionId, '1');
  });

  it('refuses bad requests at once, like the service: unknown ids, splits not summing to 100, traffic-holding undeploy', async () => {
    const client = rpcClient<EndpointService>(url, 'endpoint', TOKEN);
    const model = { name: registry.modelName, versionId: '1' };
    await assert.rejects(client.deployModel({ runId: 'x', model, endpointVersion: 2, trafficSplit: { '0': 50 } }), {
      name: 'InvalidRequestError',
    });
    await assert.rejects(
      client.deployModel({
        runId: 'x',
        model: { ...model, versionId: '9' },
        endpointVersion: 2,
        trafficSplit: { '0': 100 },
      }),
      {
        name: 'NotFoundError',
      },
    );
    const live = (await client.getEndpoint()).deployedModels[0]?.id as string;
    await assert.rejects(client.undeployModel(live, {}), /still has traffic/);
    await assert.rejects(client.updateTrafficSplit({ '123': 100 }), /unknown deployed model/);
  });

  it('routes by the traffic split between two deployed versions, and undeploys the one without traffic', async () => {
    const second = await train('r2', 'a\n1\n', 2);
    assert.equal(second.model?.versionId, '2');
    const client = rpcClient<EndpointService>(url, 'endpoint', TOKEN);
    const old = (await client.getEndpoint()).deployedModels[0]?.id as string;
    const { operationName } = await client.deployModel({
      runId: 'r2',
      model: second.model as { name: string; versionId: string },
      endpointVersion: 2,
      trafficSplit: { '0': 100, [old]: 0 },
    });
    const op = await until(async () => {
      const o = await client.getOperation(operationName);
      return o.done ? o : undefined;
    });
    const fresh = op.deployedModelId as string;
    assert.deepEqual((await client.getEndpoint()).trafficSplit, { [fresh]: 100, [old]: 0 });
    const predict = async () =>
      (
        (await (
          await fetch(`${url}/v1/projects/p/locations/l/endpoints/local-endpoint:predict`, {
            method: 'POST',
            body: JSON.stringify({ instances: [{}] }),
          })
        ).json()) as { deployedModelId: string }
      ).deployedModelId;
    assert.equal(await predict(), fresh);
    // Roll back: all traffic to the old one (random fixed at 0.5 picks by share).
    const back = await client.updateTrafficSplit({ [old]: 100, [fresh]: 0 });
    await until(async () => ((await client.getOperation(back.operationName)).done ? true : undefined));
    assert.equal(await predict(), old);
    const undeploy = await client.undeployModel(fresh, {});
    await until(async () => ((await client.getOperation(undeploy.operationName)).done ? true : undefined));
    assert.deepEqual((await client.getEndpoint()).trafficSplit, { [old]: 100 });
    assert.equal(replicas.has(fresh), false);
  });

  it('a caller-chosen deployed model id: listed only once deployed, refused (ALREADY_EXISTS) while deploying and after', async () => {
    const client = rpcClient<EndpointService>(url, 'endpoint', TOKEN);
    const req = {
      runId: 'r-dup',
      model: { name: registry.modelName, versionId: '1' },
      endpointVersion: 9,
      trafficSplit: {},
      deployedModelId: '4000000001',
    };
    const { operationName } = await client.deployModel(req);
    assert.ok(!(await client.getEndpoint()).deployedModels.some((m) => m.id === '4000000001'), 'not listed yet');
    const [again] = await Promise.allSettled([client.deployModel(req), client.deployModel(req)]);
    assert.equal(again.status, 'rejected');
    assert.equal((again as PromiseRejectedResult).reason.name, 'AlreadyExistsError');
    assert.ok(isAlreadyExists((again as PromiseRejectedResult).reason));
    await until(async () => ((await client.getOperation(operationName)).done ? true : undefined));
    assert.ok((await client.getEndpoint()).deployedModels.some((m) => m.id === '4000000001'));
    await assert.rejects(client.deployModel(req), { name: 'AlreadyExistsError' });
    await assert.rejects(client.deployModel({ ...req, deployedModelId: '12345678901' }), {
      name: 'InvalidRequestError',
    });
    const undeploy = await client.undeployModel('4000000001', {});
    await until(async () => ((await client.getOperation(undeploy.operationName)).done ? true : undefined));
  });

  it('restarts a training interrupted by a stack crash exactly once, and fails it if interrupted again', async () => {
    const publish = async (topic: string, data: string, attributes: Record<string, string>) => {
      published.push({ topic, data: JSON.parse(data), attributes });
      return 'x';
    };
    const deps = { store, layout, names: LOCAL_NAMES, registry, publish, nodeModules };
    const versionsBefore = (await registry.getModel()).versions.length;
    await store.write('data', 'datasets/slow.csv', 'FAKE_TRAINER_SLOW\n');
    const request = {
      runId: 'r-slow',
      imageUri,
      datasetUri: 'gs://data/datasets/slow.csv',
      endpointVersion: 3,
      baseOutputDir: 'gs://artifacts/runs/r-slow/',
      machineType: 'n1-standard-4',
    };
    const first = new LocalTrainingService(deps);
    const { name } = await first.startTraining(request);
    await until(async () => ((await first.getTraining(name)).state === 'RUNNING' ? true : undefined));
    await first.stop(); // the crash: the trainer dies with the stack, the job stays RUNNING on disk
    assert.equal((await first.getTraining(name)).state, 'RUNNING');
    const second = new LocalTrainingService(deps);
    await second.resume();
    const done = await until(async () => {
      const s = await second.getTraining(name);
      return s.state === 'RUNNING' || s.state === 'PENDING' ? undefined : s;
    });
    assert.equal(done.state, 'SUCCEEDED', done.error);
    assert.equal((await registry.getModel()).versions.length, versionsBefore + 1, 'one version for the run');

    const { name: again } = await second.startTraining({ ...request, runId: 'r-slow2' });
    await until(async () => ((await second.getTraining(again)).state === 'RUNNING' ? true : undefined));
    await second.stop();
    const third = new LocalTrainingService(deps);
    await third.resume();
    const job = async () =>
      readJson<LocalTrainingJob>(store, 'local-cloud', `trainings/${again.split('/').pop()}.json`);
    await until(async () => ((await job())?.attempts === 2 ? true : undefined)); // the restart is running
    await third.stop();
    const fourth = new LocalTrainingService(deps);
    await fourth.resume();
    const failed = await fourth.getTraining(again);
    assert.equal(failed.state, 'FAILED');
    assert.match(failed.error ?? '', /interrupted 2 times/);
  });

  it('trains on exactly the pinned generation of a versioned bucket, even after a newer drop replaced it', async () => {
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const validated = await store.write('data', 'datasets/pinned.csv', 'a\n1\n');
    await store.write('data', 'datasets/pinned.csv', 'a\n1\n2\n3\n4\n'); // the next drop, before training starts
    const status = await trainOn('r-pin', `gs://data/datasets/pinned.csv#${validated.generation}`, 9);
    assert.equal(status.state, 'SUCCEEDED', status.error);
    const model = JSON.parse(
      await readFile(join(gsUriToPath(layout, 'gs://artifacts/runs/r-pin/model/'), 'model.json'), 'utf8'),
    );
    assert.equal(model.rows, 2, 'the validated generation, not the live file');
    assert.notEqual(model.args[model.args.indexOf('--data') + 1], join(root, 'buckets/data/datasets/pinned.csv'));
    await setBucketConfig(layout, 'data', {});
  });

  it('fails a training pinned to a generation that is gone (unversioned bucket, overwritten), as Vertex would', async () => {
    const versionsBefore = (await registry.getModel()).versions.length;
    const gone = await store.write('scratch', 'datasets/gone.csv', 'a\n1\n');
    await store.write('scratch', 'datasets/gone.csv', 'a\n2\n');
    const status = await trainOn('r-gone', `gs://scratch/datasets/gone.csv#${gone.generation}`, 9);
    assert.equal(status.state, 'FAILED');
    assert.match(status.error ?? '', /gone\.csv#\d+: no such object generation/);
    assert.equal((await registry.getModel()).versions.length, versionsBefore, 'nothing registered');
  });
  it('passes the serving model folder as --baseline-model-dir, as its local path', async () => {
    await store.write('data', 'datasets/r-base.csv', 'a\n1\n');
    const { name } = await training.startTraining({
      runId: 'r-base',
      imageUri,
      datasetUri: 'gs://data/datasets/r-base.csv',
      endpointVersion: 3,
      baseOutputDir: 'gs://artifacts/runs/r-base/',
      baselineModelDir: 'gs://artifacts/runs/r1/model/',
      machineType: 'n1-standard-4',
    });
    const status = await until(async () => {
      const s = await training.getTraining(name);
      return s.state === 'SUCCEEDED' || s.state === 'FAILED' ? s : undefined;
    });
    assert.equal(status.state, 'SUCCEEDED', status.error);
    const model = JSON.parse(
      await readFile(join(gsUriToPath(layout, 'gs://artifacts/runs/r-base/model/'), 'model.json'), 'utf8'),
    );
    assert.deepEqual(model.args.slice(-2), ['--baseline-model-dir', join(root, 'buckets/artifacts/runs/r1/model/')]);
  });
});
