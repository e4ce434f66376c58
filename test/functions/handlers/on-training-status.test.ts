import assert from 'node:assert/strict';
import {
  GOOD_CSV,
  dropDataset,
  harness,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';

/** A run in TRAINING; returns its id and training name. */
async function training(h: Harness, name = 'datasets/train.csv') {
  await h.deliver('onDatasetFinalized', await dropDataset(h, name, GOOD_CSV));
  const build = h.builds.started.at(-1) as { runId: string; buildId: string };
  await h.deliver('onBuildStatus', successfulBuild(h, build.runId, build.buildId, h.clock.now.toISOString()));
  return { runId: build.runId, trainingName: (h.training.started.at(-1) as { name: string }).name };
}

describe('handlers/onTrainingStatus', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());
  const message = (payload: unknown) => pubsubEvent('training-events', payload, h.clock.now.toISOString());

  it('a training still running → 500 (retry later), nothing recorded', async () => {
    const t = await training(h);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    assert.equal((await h.ledger.get(t.runId))?.state, 'TRAINING');
  });

  it('re-reads the training instead of trusting the message', async () => {
    const t = await training(h);
    // The message claims nothing about the state; the port says RUNNING, so no deploy.
    assert.equal(await h.deliver('onTrainingStatus', message({ runId: t.runId })), 500);
    assert.equal(h.endpoint.deploys.length, 0);
  });

  it('the same success message delivered 20 times concurrently deploys exactly once', async () => {
    const t = await training(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    const event = message(t);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => h.deliver('onTrainingStatus', event)));
    assert.deepEqual(new Set(statuses), new Set([204]));
    assert.equal(h.endpoint.deploys.length, 1);
    assert.equal(h.registry.aliases.length, 1);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'DEPLOYING');
    assert.equal(run?.deploy?.operationName, h.endpoint.deploys[0]?.operationName);
  });

  for (const state of ['FAILED', 'CANCELLED'] as const) {
    it(`${state} → run FAILED with the training's error`, async () => {
      const t = await training(h);
      h.training.finish(t.trainingName, state, undefined, 'replica workerpool0-0 exited with a non-zero status of 1');
      assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
      const run = await h.ledger.get(t.runId);
      assert.equal(run?.state, 'FAILED');
      assert.equal(run?.errors[0]?.reason, `Training${state}`);
      assert.match(run?.errors[0]?.message ?? '', /non-zero status/);
    });
  }

  it('success without metrics.json → FAILED with the missing file named', async () => {
    const t = await training(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'FAILED');
    assert.match(run?.errors[0]?.message ?? '', /runs\/.*\/model\/metrics.json does not exist/);
  });

  it('below the floor with nothing serving → HELD, not deployed', async () => {
    const t = await training(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.6 });
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'HELD');
    assert.match(run?.gate?.reason ?? '', /fails the floor/);
    assert.equal(h.endpoint.deploys.length, 0);
  });

  it('a transient deploy error → 500, claim released; the redelivery checks the endpoint and deploys once', async () => {
    const t = await training(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    h.endpoint.failNext('deployModel', Object.assign(new Error('unavailable'), { code: 14 }));
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    assert.equal((await h.ledger.get(t.runId))?.deploy?.claim?.released, true);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 1);
    assert.equal((await h.ledger.get(t.runId))?.deploy?.claim?.attempt, 2);
  });

  it('a retaken deploy whose model is already on the endpoint is recorded as DEPLOYED, not deployed again', async () => {
    const t = await training(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    // deployModel "times out" on our side but the deployment went through.
    const deploy = h.endpoint.deployModel.bind(h.endpoint);
    h.endpoint.deployModel = async (req) => {
      const op = await deploy(req);
      h.endpoint.completeDeploy(op.operationName);
      throw Object.assign(new Error('deadline exceeded'), { code: 4 });
    };
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 1);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'DEPLOYED');
    assert.equal(run?.deploy?.deployedModelId, h.endpoint.state.deployedModels[0]?.id);
  });

  it('messages for unknown or finished runs are acknowledged without action', async () => {
    assert.equal(await h.deliver('onTrainingStatus', message({ runId: 'no-such-run' })), 204);
    const t = await training(h);
    h.training.finish(t.trainingName, 'FAILED', undefined, 'x');
    await h.deliver('onTrainingStatus', message(t));
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal((await h.ledger.get(t.runId))?.errors.length, 1);
  });

  const malformed: [string, unknown][] = [
    ['no runId', { trainingName: 'x' }],
    ['runId not a run id', { runId: 'Bad Id!' }],
    ['runId a number', { runId: 7 }],
    ['a JSON string', 'not an object'],
  ];
  for (const [what, payload] of malformed) {
    it(`malformed message (${what}) → ack with an error log`, async () => {
      const body = { message: { data: Buffer.from(JSON.stringify(payload)).toString('base64') } };
      assert.equal(await h.deliver('onTrainingStatus', { headers: message({}).headers, body }), 204);
      assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /malformed event/.test(l.message)));
    });
  }
});
