// The entry module end to end: every function over HTTP with in-memory fakes of all ports, from a dataset drop to a
// deployed model, then two more drops (replace keeps the previous version at 0 %, keep-K undeploys the oldest).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { runIdForDataset } from '../../functions/src/pipeline/run-id';
import {
  GOOD_CSV,
  dropDataset,
  harness,
  runInTraining,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type Harness,
} from '../support/functions-harness';

const tickEvent = (h: Harness) => pubsubEvent('reconcile-tick', {}, h.clock.now.toISOString());

/** One run through the whole flow; returns its run id and deployed model id. */
async function fullRun(h: Harness, name: string, accuracy: number) {
  const at = () => h.clock.now.toISOString();
  const drop = await dropDataset(h, name, GOOD_CSV);
  assert.equal(await h.deliver('onDatasetFinalized', drop), 204);
  const build = h.builds.started.at(-1) as { runId: string; buildId: string };
  const runId = build.runId;
  assert.equal((await h.ledger.get(runId))?.state, 'BUILDING');

  assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, runId, build.buildId, at())), 204);
  const training = h.training.started.at(-1) as { name: string };
  assert.equal((await h.ledger.get(runId))?.state, 'TRAINING');

  // The trainer finishes: model uploaded, metrics written, outcome published.
  h.training.finish(training.name, 'SUCCEEDED', String(h.training.started.length));
  await writeMetrics(h, runId, { accuracy, rocAuc: 0.86, logLoss: 0.42 });
  assert.equal(
    await h.deliver('onTrainingStatus', pubsubEvent('training-events', { runId, trainingName: training.name }, at())),
    204,
  );
  assert.equal((await h.ledger.get(runId))?.state, 'DEPLOYING');

  // The deployment finishes; the reconciler notices.
  const deployedModelId = h.endpoint.completeDeploy(h.endpoint.deploys.at(-1)?.operationName as string);
  assert.equal(await h.deliver('onReconcileTick', tickEvent(h)), 204);
  return { runId, deployedModelId: deployedModelId as string };
}

describe('functions (index): the whole flow over HTTP', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('registers exactly the four entry points', () => {
    for (const fn of ['onDatasetFinalized', 'onBuildStatus', 'onTrainingStatus', 'onReconcileTick'])
      assert.equal(typeof getFunction(fn), 'function', fn);
  });

  it('loading the entry module loads no @google-cloud client library', () => {
    const script =
      "require('./functions/src/index');" +
      'console.log(JSON.stringify(Object.keys(require.cache).filter(k => /@google-cloud[\\\\/](?!functions-framework)/.test(k))))';
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });

  it('drop → build → training → deploy → reconcile: DEPLOYED with the whole lineage', async () => {
    const { runId, deployedModelId } = await fullRun(h, 'datasets/train.csv', 0.82);
    assert.equal(
      runId,
      runIdForDataset(
        'data',
        'datasets/train.csv',
        (await h.store.stat('data', 'datasets/train.csv'))?.generation as string,
      ),
    );
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'DEPLOYED');
    assert.equal(run?.trigger, 'dataset-drop');
    assert.deepEqual(Object.keys(run?.stages ?? {}), ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED']);
    assert.equal(run?.dataset?.uri, 'gs://data/datasets/train.csv');
    assert.ok(run?.dataset?.md5Hash && run.dataset.size === GOOD_CSV.length);
    assert.equal(run?.build?.id, 'build-1');
    assert.match(run?.build?.logUrl ?? '', /build-1/);
    assert.equal(run?.build?.imageUri, `local/vertex-retrain/trainer@sha256:${'ab'.repeat(32)}`);
    assert.equal(run?.training?.endpointVersion, 1);
    assert.equal(run?.training?.baseOutputDir, `gs://artifacts/runs/${runId}/`);
    assert.deepEqual(run?.training?.model, { name: 'projects/p/locations/r/models/titanic', versionId: '1' });
    assert.deepEqual(run?.metrics, { accuracy: 0.82, rocAuc: 0.86, logLoss: 0.42 });
    assert.equal(run?.gate?.promote, true);
    assert.equal(run?.deploy?.deployedModelId, deployedModelId);
    assert.deepEqual(run?.deploy?.traffic, { [deployedModelId]: 100 });
    assert.deepEqual(run?.errors, []);

    // What the ports were asked to do, exactly once each.
    assert.deepEqual(h.builds.started, [{ runId, datasetUri: 'gs://data/datasets/train.csv', buildId: 'build-1' }]);
    assert.equal(h.training.started.length, 1);
    assert.equal(h.training.started[0]?.imageUri, run?.build?.imageUri);
    assert.equal(h.endpoint.deploys.length, 1);
    assert.deepEqual(h.endpoint.deploys[0]?.trafficSplit, { '0': 100 });
    assert.deepEqual(h.registry.aliases, [{ versionId: '1', aliases: ['default', 'v1'] }]);
    assert.deepEqual(h.registry.evaluations, [
      { versionId: '1', metrics: { rocAuc: 0.86, logLoss: 0.42, accuracy: 0.82 } },
    ]);
    // Every log line of the run carries its id; nothing was logged as an error.
    assert.ok(h.logs.some((l) => l.runId === runId && /deployed/.test(l.message)));
    assert.deepEqual(
      h.logs.filter((l) => l.severity === 'ERROR'),
      [],
    );
  });

  it('a second and third run: replace keeps the previous version at 0 %, keep-K=2 undeploys the oldest', async () => {
    const first = await fullRun(h, 'datasets/a.csv', 0.8);
    const second = await fullRun(h, 'datasets/b.csv', 0.81);
    assert.deepEqual(h.endpoint.state.trafficSplit, { [second.deployedModelId]: 100 });
    assert.deepEqual(
      h.endpoint.state.deployedModels.map((m) => m.id),
      [first.deployedModelId, second.deployedModelId],
    );
    assert.equal((await h.ledger.get(second.runId))?.training?.endpointVersion, 2);
    assert.equal((await h.ledger.get(second.runId))?.gate?.serving, 0.8);

    const third = await fullRun(h, 'datasets/c.csv', 0.83);
    assert.deepEqual(
      h.endpoint.state.deployedModels.map((m) => m.id),
      [second.deployedModelId, third.deployedModelId],
    );
    assert.deepEqual(h.endpoint.undeploys, [
      { deployedModelId: first.deployedModelId, trafficSplit: { [third.deployedModelId]: 100 } },
    ]);
    assert.deepEqual((await h.ledger.get(third.runId))?.deploy?.undeployed, [
      {
        deployedModelId: first.deployedModelId,
        operationName: `${h.endpoint.state.name}/operations/undeploy-${first.deployedModelId}`,
      },
    ]);
    // The undeployed run says so: no traffic, no serving cost, and the tick rewrites its report.
    const before = await h.ledger.get(first.runId);
    assert.equal(before?.deploy?.undeployedBy, third.runId);
    assert.ok(before?.deploy?.undeployedAt);
    assert.equal(await h.deliver('onReconcileTick', tickEvent(h)), 204);
    const undeployed = await h.ledger.get(first.runId);
    assert.equal(undeployed?.report?.of, undeployed?.updatedAt, 'report rewritten');
    assert.equal(undeployed?.cost?.basis.deployedNodes, 0, 'no serving cost once undeployed');
    const report = await h.store.read(h.config.artifactsBucket, `runs/${first.runId}/report.html`);
    assert.match(report?.data.toString() ?? '', /Undeployed \(keep-K\)/);
  });

  it('a version worse than the serving one is HELD with the comparison, nothing deployed', async () => {
    await fullRun(h, 'datasets/a.csv', 0.85);
    const build = await runInTraining(h, 'datasets/worse.csv');
    h.training.finish(build.trainingName, 'SUCCEEDED', '2');
    await writeMetrics(h, build.runId, { accuracy: 0.8 });
    const status = await h.deliver(
      'onTrainingStatus',
      pubsubEvent('training-events', { runId: build.runId }, h.clock.now.toISOString()),
    );
    assert.equal(status, 204);
    const run = await h.ledger.get(build.runId);
    assert.equal(run?.state, 'HELD');
    assert.equal(run?.gate?.promote, false);
    assert.equal(run?.gate?.candidate, 0.8);
    assert.equal(run?.gate?.serving, 0.85);
    assert.match(run?.gate?.reason ?? '', /worse than serving 0.85/);
    assert.equal(h.endpoint.deploys.length, 1, 'only the first run deployed');
    assert.equal(h.registry.evaluations.length, 2, 'the held version still gets its evaluation');
  });
});
