import assert from 'node:assert/strict';
import { outcomeMessage } from '../../../functions/src/contract/outcome-message';
import {
  harness,
  registryModelExists,
  runInTraining,
  pubsubEvent,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';

describe('handlers/onTrainingStatus', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());
  const message = (payload: unknown) => pubsubEvent('training-events', payload, h.clock.now.toISOString());
  const tick = () => h.deliver('onReconcileTick', pubsubEvent('reconcile', {}, h.clock.now.toISOString()));

  it('a training still running → 500 (retry later), nothing recorded', async () => {
    const t = await runInTraining(h);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    assert.equal((await h.ledger.get(t.runId))?.state, 'TRAINING');
  });

  it('re-reads the training instead of trusting the message', async () => {
    const t = await runInTraining(h);
    // The message claims nothing about the state; the port says RUNNING, so no deploy.
    assert.equal(await h.deliver('onTrainingStatus', message({ runId: t.runId })), 500);
    assert.equal(h.endpoint.deploys.length, 0);
  });

  it('the same success message delivered 20 times concurrently deploys exactly once', async () => {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    const event = message(t);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => h.deliver('onTrainingStatus', event)));
    assert.deepEqual(new Set(statuses), new Set([204]));
    assert.equal(h.endpoint.deploys.length, 1);
    assert.equal(h.registry.aliases.length, 0, 'aliases move only once the deployment is live');
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'DEPLOYING');
    assert.equal(run?.deploy?.operationName, h.endpoint.deploys[0]?.operationName);
  });

  for (const state of ['FAILED', 'CANCELLED'] as const) {
    it(`${state} → run FAILED with the training's error`, async () => {
      const t = await runInTraining(h);
      h.training.finish(t.trainingName, state, undefined, 'replica workerpool0-0 exited with a non-zero status of 1');
      assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
      const run = await h.ledger.get(t.runId);
      assert.equal(run?.state, 'FAILED');
      assert.equal(run?.errors[0]?.reason, `Training${state}`);
      assert.match(run?.errors[0]?.message ?? '', /non-zero status/);
    });
  }

  it('success without metrics.json → FAILED with the missing file named', async () => {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'FAILED');
    assert.match(run?.errors[0]?.message ?? '', /runs\/.*\/model\/metrics.json does not exist/);
  });

  it('below the floor with nothing serving → HELD, not deployed', async () => {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.6 });
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'HELD');
    assert.match(run?.gate?.reason ?? '', /fails the floor/);
    assert.equal(h.endpoint.deploys.length, 0);
  });

  it('a transient deploy error → 500, claim released; the redelivery checks the endpoint and deploys once', async () => {
    const t = await runInTraining(h);
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
    const t = await runInTraining(h);
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

  /** Makes the ledger write that records `deployStarted` for `runId` fail once with a transient 503. */
  function failDeployStartedWriteOnce(runId: string): void {
    const write = h.store.write.bind(h.store);
    let failed = false;
    h.store.write = async (bucket, name, data, opts) => {
      if (!failed && name === `runs/${runId}.json` && String(data).includes('"operationName"')) {
        failed = true;
        throw Object.assign(new Error('backend error'), { code: 503 });
      }
      return write(bucket, name, data, opts);
    };
  }

  /** A run whose deploy claim is held: training succeeded, metrics written. */
  async function readyToDeploy() {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    return t;
  }

  it('deployment started but not recorded (transient write error), then redelivered: still one deployment', async () => {
    const t = await readyToDeploy();
    failDeployStartedWriteOnce(t.runId);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    // The deployment is in progress (10–20 min on Vertex): not yet listed on the endpoint.
    assert.equal(h.endpoint.state.deployedModels.length, 0);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 1, 'deployModel started one deployment');
    h.endpoint.completeDeploy(h.endpoint.deploys[0]?.operationName as string);
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'DEPLOYED');
    assert.equal(h.endpoint.state.deployedModels.length, 1);
    assert.equal(run?.deploy?.deployedModelId, h.endpoint.state.deployedModels[0]?.id);
  });

  it('deployment started but not recorded, lease expired: the reconciler retakes without a second deployment', async () => {
    const t = await readyToDeploy();
    failDeployStartedWriteOnce(t.runId);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    h.clock.now = new Date(h.clock.now.getTime() + (h.config.claimLeaseSeconds + 1) * 1000);
    assert.equal(await tick(), 204, 'the tick retakes the stalled deploy itself');
    assert.equal(h.publisher.messages.length, 0, 'no event faked');
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 1, 'deployModel started one deployment');
    assert.equal((await h.ledger.get(t.runId))?.state, 'DEPLOYING');
    h.endpoint.completeDeploy(h.endpoint.deploys[0]?.operationName as string);
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(t.runId))?.state, 'DEPLOYED');
    assert.equal(h.endpoint.state.deployedModels.length, 1);
  });

  it('an earlier deployment that failed unrecorded frees the id: the retake after the lease deploys again, recorded', async () => {
    const t = await readyToDeploy();
    failDeployStartedWriteOnce(t.runId);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 500);
    h.endpoint.completeDeploy(h.endpoint.deploys[0]?.operationName as string, 'replica never became ready');
    h.clock.now = new Date(h.clock.now.getTime() + (h.config.claimLeaseSeconds + 1) * 1000);
    assert.equal(await tick(), 204);
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 2);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.deploy?.operationName, h.endpoint.deploys[1]?.operationName);
    assert.equal(h.endpoint.deploys[1]?.deployedModelId, h.endpoint.deploys[0]?.deployedModelId);
  });

  it('a permanent error importing the evaluation is logged and does not stop the deployment', async () => {
    const t = await readyToDeploy();
    h.registry.failNext('importEvaluation', Object.assign(new Error('permission denied'), { code: 7 }));
    assert.equal(await h.deliver('onTrainingStatus', message(t)), 204);
    assert.equal(h.endpoint.deploys.length, 1);
    assert.equal((await h.ledger.get(t.runId))?.state, 'DEPLOYING');
    assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /could not import the evaluation/.test(l.message)));
  });

  it('a message of the former shape naming another run’s training: only its run id is read', async () => {
    await registryModelExists(h);
    const a = await runInTraining(h, 'datasets/a.csv');
    const b = await runInTraining(h, 'datasets/b.csv');
    h.training.finish(b.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, a.runId, { accuracy: 0.8 });
    await writeMetrics(h, b.runId, { accuracy: 0.8 });
    // The ledger does not know a's training name (it was never recorded), nor can findTrainingForRun find it.
    const record = await h.ledger.get(a.runId);
    assert.ok(record);
    await h.store.write(
      h.config.artifactsBucket,
      `runs/${a.runId}.json`,
      JSON.stringify({ ...record, training: { ...record.training, name: undefined } }),
    );
    h.training.started.length = 0;
    // b's training is never taken for a's: a's own is not found yet, so the message is retried (500), not acted on.
    assert.equal(await h.deliver('onTrainingStatus', message({ runId: a.runId, trainingName: b.trainingName })), 500);
    assert.equal(h.endpoint.deploys.length, 0);
    assert.equal((await h.ledger.get(a.runId))?.state, 'TRAINING');
  });

  it('the outcome message v1 (what the trainer and the training twin publish) advances its run', async () => {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    const v1 = outcomeMessage({ runId: t.runId, status: 'SUCCEEDED', endpointVersion: 1 });
    assert.equal(await h.deliver('onTrainingStatus', message(v1.json)), 204);
    assert.equal((await h.ledger.get(t.runId))?.state, 'DEPLOYING');
  });

  it('messages for unknown or finished runs are acknowledged without action', async () => {
    assert.equal(await h.deliver('onTrainingStatus', message({ runId: 'no-such-run' })), 204);
    const t = await runInTraining(h);
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
    ['v1 with an unknown status', { contract: 'vertex-retrain.outcome/v1', runId: 'a-9043010d4b3c', status: 'DONE' }],
    [
      'v1 with a runId that is not a run id',
      { contract: 'vertex-retrain.outcome/v1', runId: 'Bad Id!', status: 'FAILED' },
    ],
  ];
  for (const [what, payload] of malformed) {
    it(`malformed message (${what}) → ack with an error log`, async () => {
      const body = { message: { data: Buffer.from(JSON.stringify(payload)).toString('base64') } };
      assert.equal(await h.deliver('onTrainingStatus', { headers: message({}).headers, body }), 204);
      assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /malformed event/.test(l.message)));
    });
  }
});
