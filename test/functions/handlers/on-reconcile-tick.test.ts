import assert from 'node:assert/strict';
import {
  GOOD_CSV,
  dropDataset,
  harness,
  registryModelExists,
  runInTraining,
  pubsubEvent,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';

async function deploying(h: Harness, name = 'datasets/train.csv') {
  const t = await runInTraining(h, name);
  h.training.finish(t.trainingName, 'SUCCEEDED', String(h.training.started.length));
  await writeMetrics(h, t.runId, { accuracy: 0.8 });
  await h.deliver('onTrainingStatus', pubsubEvent('training-events', t, h.clock.now.toISOString()));
  return { ...t, operationName: h.endpoint.deploys.at(-1)?.operationName as string };
}

describe('handlers/onReconcileTick', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());
  const tick = () =>
    h.deliver('onReconcileTick', pubsubEvent('reconcile', { any: 'payload' }, h.clock.now.toISOString()));

  it('advances a finished training itself (no event faked); a running one is left alone', async () => {
    await registryModelExists(h);
    const running = await runInTraining(h, 'datasets/a.csv');
    const done = await runInTraining(h, 'datasets/b.csv');
    h.training.finish(done.trainingName, 'FAILED', undefined, 'oom');
    assert.equal(await tick(), 204);
    assert.deepEqual(h.publisher.messages, []);
    const failed = await h.ledger.get(done.runId);
    assert.equal(failed?.state, 'FAILED');
    assert.match(failed?.errors[0]?.message ?? '', /FAILED: oom/);
    assert.equal((await h.ledger.get(running.runId))?.state, 'TRAINING');
  });

  it('a finished deployment → DEPLOYED with its deployed model id and traffic', async () => {
    const d = await deploying(h);
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(d.runId))?.state, 'DEPLOYING', 'not done yet: unchanged');
    const id = h.endpoint.completeDeploy(d.operationName);
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(d.runId);
    assert.equal(run?.state, 'DEPLOYED');
    assert.equal(run?.deploy?.deployedModelId, id);
    assert.deepEqual(run?.deploy?.traffic, { [id as string]: 100 });
    assert.equal(await tick(), 204);
    assert.equal(h.endpoint.undeploys.length, 0);
  });

  it('a failed deployment → FAILED with the operation error', async () => {
    const d = await deploying(h);
    h.endpoint.completeDeploy(d.operationName, 'Model server never became ready');
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(d.runId);
    assert.equal(run?.state, 'FAILED');
    assert.match(run?.errors[0]?.message ?? '', /never became ready/);
  });

  it('moves the default alias (and v<N>) only once the deployment is live; a failed one leaves the aliases alone', async () => {
    const failed = await deploying(h, 'datasets/a.csv');
    h.endpoint.completeDeploy(failed.operationName, 'quota exceeded');
    assert.equal(await tick(), 204);
    assert.deepEqual(h.registry.aliases, []);
    const d = await deploying(h, 'datasets/b.csv');
    assert.deepEqual(h.registry.aliases, [], 'not while deploying');
    h.endpoint.completeDeploy(d.operationName);
    h.registry.failNext('setVersionAliases', Object.assign(new Error('unavailable'), { code: 14 }));
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(d.runId))?.state, 'DEPLOYING', 'a transient alias error is retried next tick');
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(d.runId);
    assert.equal(run?.state, 'DEPLOYED');
    assert.deepEqual(h.registry.aliases, [
      { versionId: run?.training?.model?.versionId, aliases: ['default', `v${run?.training?.endpointVersion}`] },
    ]);
  });

  it('concurrent ticks record the deployment and undeploy old versions once', async () => {
    for (const name of ['datasets/a.csv', 'datasets/b.csv']) {
      const d = await deploying(h, name);
      h.endpoint.completeDeploy(d.operationName);
      await tick();
    }
    const third = await deploying(h, 'datasets/c.csv');
    h.endpoint.completeDeploy(third.operationName);
    await Promise.all(Array.from({ length: 5 }, tick));
    assert.equal(h.endpoint.undeploys.length, 1);
    assert.equal(h.endpoint.state.deployedModels.length, 2);
  });

  it('one run’s error does not stop the others and the tick is acknowledged', async () => {
    await registryModelExists(h);
    const a = await runInTraining(h, 'datasets/a.csv');
    const b = await runInTraining(h, 'datasets/b.csv');
    h.training.finish(a.trainingName, 'SUCCEEDED', '1');
    h.training.finish(b.trainingName, 'SUCCEEDED', '2');
    await writeMetrics(h, a.runId, { accuracy: 0.8 });
    await writeMetrics(h, b.runId, { accuracy: 0.8 });
    h.training.failNext('getTraining', Object.assign(new Error('unavailable'), { code: 14 }));
    assert.equal(await tick(), 204);
    const states = [(await h.ledger.get(a.runId))?.state, (await h.ledger.get(b.runId))?.state];
    assert.deepEqual(states.sort(), ['DEPLOYING', 'TRAINING'], 'one run moved on, the other waits for the next tick');
    assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /reconcile failed for this run/.test(l.message)));
  });

  /** A drop whose finalize hit a permanent error that could not be recorded either: acknowledged, run left RECEIVED. */
  async function leftReceived(): Promise<{ runId: string; restore: () => void }> {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const [read, write] = [h.store.read.bind(h.store), h.store.write.bind(h.store)];
    const denied = () => Object.assign(new Error('permission denied'), { code: 403 });
    h.store.read = async (bucket, name, opts) => {
      if (bucket === 'data') throw denied();
      return read(bucket, name, opts);
    };
    h.store.write = async (bucket, name, data, opts) => {
      if (name.startsWith('runs/') && String(data).includes('"FAILED"')) throw denied();
      return write(bucket, name, data, opts);
    };
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'RECEIVED');
    return {
      runId: run?.runId as string,
      restore: () => {
        h.store.read = read;
        h.store.write = write;
      },
    };
  }
  const afterLease = () => (h.clock.now = new Date(h.clock.now.getTime() + h.config.claimLeaseSeconds * 1000));

  it('a run left RECEIVED is retaken once the claim lease has passed: the drop is built', async () => {
    const { runId, restore } = await leftReceived();
    restore();
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(runId))?.state, 'RECEIVED', 'within the lease its event may still be redelivered');
    assert.equal(h.builds.started.length, 0);
    afterLease();
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(runId))?.state, 'BUILDING');
    assert.equal(h.builds.started.length, 1);
    assert.equal(await tick(), 204);
    assert.equal(h.builds.started.length, 1, 'retaken once');
  });

  it('a run left RECEIVED whose dataset still cannot be read is failed with the reason by the retake', async () => {
    const { runId, restore } = await leftReceived();
    restore();
    const read = h.store.read;
    h.store.read = async (bucket, name, opts) => {
      if (bucket === 'data') throw Object.assign(new Error('permission denied'), { code: 403 });
      return read(bucket, name, opts);
    };
    afterLease();
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'FAILED');
    assert.deepEqual([run?.errors[0]?.reason, run?.errors[0]?.stage], ['Error(403)', 'RECEIVED']);
    assert.equal(h.builds.started.length, 0);
  });

  it('a stale tick is dropped', async () => {
    await runInTraining(h);
    const old = new Date(h.clock.now.getTime() - (h.config.maxEventAgeSeconds + 1) * 1000).toISOString();
    assert.equal(await h.deliver('onReconcileTick', pubsubEvent('reconcile', {}, old)), 204);
    assert.ok(h.logs.some((l) => l.message === 'stale event dropped'));
  });
});
