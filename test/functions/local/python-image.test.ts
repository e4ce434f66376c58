// The twins on the Python trainer (examples/diabetes), without the functions: the build twin's image (the files its
// Dockerfile copies), `python main.py` as the training twin runs it on the host's python3, and `python serve.py` as a
// serving replica, answering predictions on 127.0.0.1. Needs python3 with scikit-learn and jsonschema.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleInstances, trainerSamples } from '../../../functions/src/cli/trainer-samples';
import { buildImage } from '../../../functions/src/local/image-builder';
import { localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';
import { LocalModelRegistry } from '../../../functions/src/local/model-registry-twin';
import { LocalObjectStore } from '../../../functions/src/local/object-store';
import { ServingReplicas } from '../../../functions/src/local/serving-replicas';
import { LOCAL_NAMES } from '../../../functions/src/local/settings';
import { trainerHost } from '../../../functions/src/local/stack';
import { LocalTrainingService } from '../../../functions/src/local/training-twin';
import type { TrainingStatus } from '../../../functions/src/ports';

const REPO = join(__dirname, '../../..');
const TRAINER = join(REPO, 'examples/diabetes');

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(Boolean(socket.destroy())));
    socket.once('error', () => resolve(false));
  });

describe('local twins on the Python trainer (examples/diabetes)', function () {
  this.timeout(120_000);
  let root: string;
  let layout: LocalLayout;
  let store: LocalObjectStore;
  let training: LocalTrainingService;
  let replicas: ServingReplicas;
  const published: { topic: string; data: unknown }[] = [];
  const nodeModules = join(REPO, 'node_modules');

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'python-twins-'));
    layout = localLayout(root);
    store = new LocalObjectStore(layout);
    const host = trainerHost(TRAINER);
    const publish = async (topic: string, data: string) => {
      published.push({ topic, data: JSON.parse(data) });
      return String(published.length);
    };
    const registry = new LocalModelRegistry(store, LOCAL_NAMES);
    training = new LocalTrainingService({ store, layout, names: LOCAL_NAMES, registry, publish, nodeModules, host });
    replicas = new ServingReplicas(layout, { nodeModules, projectNumber: '0', host });
  });
  after(async () => {
    await training.stop();
    await replicas.stopAll();
    await rm(root, { recursive: true, force: true });
  });

  let imageUri = '';

  it('trains: `python main.py` on the host python3 writes model.json and metrics.json (R² on the hold-out)', async () => {
    const image = await buildImage(layout, { trainerDir: TRAINER });
    assert.deepEqual(image.manifest.entrypoint, ['python', 'main.py']);
    imageUri = `local/vertex-retrain/trainer@${image.digest}`;
    await store.write('data', 'datasets/diabetes.csv', await readFile(join(TRAINER, 'data/diabetes.csv')));
    const { name } = await training.startTraining({
      runId: 'py1',
      imageUri,
      datasetUri: 'gs://data/datasets/diabetes.csv',
      endpointVersion: 1,
      baseOutputDir: 'gs://artifacts/runs/py1/',
      machineType: 'n1-standard-4',
    });
    const done = await until(async () => {
      const status: TrainingStatus = await training.getTraining(name);
      return ['SUCCEEDED', 'FAILED'].includes(status.state) ? status : undefined;
    });
    assert.equal(done.state, 'SUCCEEDED', done.error);
    assert.ok(done.model);
    const metrics = JSON.parse(
      (await readFile(join(root, 'buckets/artifacts/runs/py1/model/metrics.json'), 'utf8')) as string,
    ) as { task: string; metrics: { r2: number; rmse: number } };
    assert.equal(metrics.task, 'regression');
    assert.ok(metrics.metrics.r2 > 0.4, `R² ${metrics.metrics.r2}`);
    // The training twin announces the end with the contract's outcome message (contract/outcome-message.ts).
    assert.deepEqual(published.at(-1)?.data, {
      contract: 'vertex-retrain.outcome/v1',
      runId: 'py1',
      endpointVersion: 1,
      status: 'SUCCEEDED',
    });
    // PYTHONDONTWRITEBYTECODE from the Dockerfile's ENV: the content-addressed image folder stays as built.
    const { readdir } = await import('node:fs/promises');
    assert.equal((await readdir(image.dir)).includes('__pycache__'), false);
  });

  it('serves: `python serve.py` as a replica answers predictions on 127.0.0.1 and stops with the twin', async () => {
    assert.ok(imageUri, 'needs the trained model');
    await replicas.start({
      deployedModelId: '1234',
      endpointId: 'local-endpoint',
      imageUri,
      servingCommand: ['python', 'serve.py'],
      artifactUri: 'gs://artifacts/runs/py1/model/',
    });
    const url = replicas.predictUrl('1234');
    assert.ok(url);
    const instances = await sampleInstances(await trainerSamples(TRAINER), 3);
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ instances }) });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { predictions: { value: number }[] };
    assert.equal(body.predictions.length, 3);
    for (const p of body.predictions) assert.ok(Number.isFinite(p.value), JSON.stringify(p));
    const port = Number(new URL(url).port);
    await replicas.stop('1234');
    assert.equal(await listening(port), false, 'the Python server is gone');
  });
});
