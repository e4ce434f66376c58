// The whole local flow for the Python scikit-learn trainer (examples/diabetes), through the unchanged pipeline:
// drop → build (files the Dockerfile copies) → train (`python main.py` on the host's python3) → gate (RMSE, lower is
// better) → deploy (`python serve.py`) → predict over HTTP; then a second, different drop is gated like for like:
// the serving version scored by the trainer on the candidate's own hold-out rows (metrics.json `baseline`).
// Needs python3 with scikit-learn and jsonschema (Debian: apt-get install python3-sklearn python3-jsonschema).
//   npx mocha --no-config -r tsx/cjs --timeout 300000 test/e2e/python-trainer.slow.test.ts
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleInstances, trainerSamples } from '../../functions/src/cli/trainer-samples';
import type { RunReader } from '../../functions/src/cli/runs';
import type { LocalEndpoint } from '../../functions/src/local/endpoint-twin';
import { readJson } from '../../functions/src/local/json-objects';
import type { LocalObjectStore } from '../../functions/src/local/object-store';
import type { RunRecord } from '../../functions/src/pipeline/run-record';
import { closeStackChild, openStackChild, until } from './support/stack-child';
import type { StackChild } from './support/stack-child';

const REPO = join(__dirname, '../..');
const TRAINER = join(REPO, 'examples/diabetes');

/** The parts of a run record this test reads (the gate as the like-for-like gate records it). */
type Run = Pick<RunRecord, 'runId' | 'state' | 'training' | 'deploy' | 'errors'> & {
  gate?: {
    promote: boolean;
    metric: string;
    direction?: string;
    candidate: number | null;
    serving: number | null;
    comparison?: string;
    reason: string;
  };
};

interface Metrics {
  metrics: Record<string, number>;
  baseline?: { modelDir?: string; metrics: Record<string, number> };
}

describe('e2e (slow): the Python trainer through the local flow', function () {
  this.timeout(300_000);
  let root: string;
  let stack: StackChild;
  let store: LocalObjectStore;
  let runs: RunReader;
  let first: Run;

  const final = (r: Run | undefined) =>
    r && ['DEPLOYED', 'REJECTED', 'FAILED', 'HELD'].includes(r.state) ? r : undefined;
  const show = (r: Run) => JSON.stringify({ state: r.state, gate: r.gate, errors: r.errors });

  async function drop(file: string, as: string): Promise<Run> {
    await copyFile(file, join(stack.dropFolder, as));
    const info = await until(`gs://data/datasets/${as}`, () => store.stat('data', `datasets/${as}`));
    return until(
      `the run for ${as}#${info.generation}`,
      async () => final((await runs.forDataset('data', `datasets/${as}`, info.generation)) as Run | undefined),
      180_000,
      100,
    );
  }

  async function metricsOf(run: Run): Promise<Metrics> {
    const found = await store.read('artifacts', `runs/${run.runId}/model/metrics.json`);
    assert.ok(found, `metrics.json of ${run.runId}`);
    return JSON.parse(found.data.toString('utf8')) as Metrics;
  }

  async function predict(instances: object[]) {
    const res = await fetch(stack.predictUrl, { method: 'POST', body: JSON.stringify({ instances }) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { predictions: { value: number }[]; deployedModelId: string };
  }

  before(async () => ({ root, store, runs, stack } = await openStackChild('e2e-python-', { trainerDir: TRAINER })));
  after(() => closeStackChild(stack, root, 1000));

  it('drop → build → train → gate on RMSE → DEPLOYED → predictions from the Python server', async () => {
    first = await drop(join(TRAINER, 'data/diabetes.csv'), 'diabetes.csv');
    // Reached today: the image is built from the Dockerfile's files and `python main.py` trains and writes metrics.
    assert.ok(first.training?.model, `trained and uploaded: ${show(first)}`);
    const trained = await metricsOf(first);
    assert.ok(trained.metrics.rmse !== undefined && trained.metrics.rmse > 0, JSON.stringify(trained.metrics));
    // The gate reads the manifest's metric and direction (trainer.yaml gate: rmse, floor 65, lower is better).
    assert.equal(first.gate?.metric, 'rmse', show(first));
    assert.equal(first.gate?.direction, 'lower', show(first));
    assert.equal(first.gate?.candidate, trained.metrics.rmse, show(first));
    assert.equal(first.state, 'DEPLOYED', show(first));
    assert.equal(first.training?.endpointVersion, 1);

    const samples = await trainerSamples(TRAINER);
    const instances = await sampleInstances(samples, 5);
    const body = await predict(instances);
    assert.equal(body.deployedModelId, first.deploy?.deployedModelId);
    assert.equal(body.predictions.length, instances.length);
    for (const p of body.predictions) assert.ok(Number.isFinite(p.value) && p.value > 0, JSON.stringify(p));
    // A field the schema does not know is the server's 400 naming it, not a prediction.
    const bad = await fetch(stack.predictUrl, {
      method: 'POST',
      body: JSON.stringify({ instances: [{ ...instances[0], BMI: 30 }] }),
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /BMI/);
  });

  it('a second, different drop is gated like for like: the serving v1 scored on the candidate’s hold-out', async () => {
    assert.equal(first?.state, 'DEPLOYED', 'needs the first run deployed');
    // Every tenth row left out: another file, another hold-out (the split hashes row_id), another model.
    const text = await readFile(join(TRAINER, 'data/diabetes.csv'), 'utf8');
    const [header, ...rows] = text.trimEnd().split('\n');
    const subset = join(root, 'diabetes-subset.csv');
    await writeFile(subset, `${[header, ...rows.filter((r) => Number(r.split(',')[0]) % 10 !== 0)].join('\n')}\n`);
    const second = await drop(subset, 'diabetes-subset.csv');
    assert.ok(second.training?.model, `trained: ${show(second)}`);
    const candidate = await metricsOf(second);
    // The training got the serving version's model and scored it on its own hold-out rows.
    assert.ok(candidate.baseline, `metrics.json has the serving model's scores on this hold-out: ${show(second)}`);
    const firstMetrics = await metricsOf(first);
    assert.notEqual(candidate.baseline.metrics.rmse, firstMetrics.metrics.rmse, 'scored on other rows than v1 was');
    assert.equal(second.gate?.comparison, 'like-for-like', show(second));
    assert.equal(second.gate?.serving, candidate.baseline.metrics.rmse, show(second));
    assert.equal(second.gate?.candidate, candidate.metrics.rmse, show(second));
    // Lower is better, tolerance 0: promoted exactly when the candidate's RMSE is no worse than v1's on these rows.
    const better = candidate.metrics.rmse! <= candidate.baseline.metrics.rmse!;
    assert.equal(second.gate?.promote, better, show(second));
    assert.equal(second.state, better ? 'DEPLOYED' : 'HELD', show(second));
    const endpoint = await readJson<LocalEndpoint>(store, 'local-cloud', 'endpoints/local-endpoint.json');
    const serving = better ? second : first;
    assert.equal(endpoint?.trafficSplit[serving.deploy?.deployedModelId as string], 100);
    assert.equal(
      (await predict([(await sampleInstances(await trainerSamples(TRAINER), 1))[0]!])).deployedModelId,
      serving.deploy?.deployedModelId,
    );
  });
});
