// The gate and DEPLOYING observations read the serving run directly (named by the serving deployed model's display
// name), never by listing every run record ever written: with RunLedger.list() failing, a run still passes its gate
// against the serving version's figure and waits out its deployment.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { RunLedger } from '../../../functions/src/ledger/run-ledger';
import { harness, registryModelExists, type Harness } from '../../support/functions-harness';
import { later, liveRun, tick, trainedRun } from './acceptance-flow';

describe('engine/observe: no listing of the ledger on the event path', () => {
  let h: Harness;
  let list: sinon.SinonStub;
  afterEach(async () => {
    list?.restore();
    await h.close();
  });

  it('gate and DEPLOYING observations find the serving run without RunLedger.list()', async () => {
    h = await harness();
    await registryModelExists(h);
    const first = await liveRun(h, 'datasets/a.csv', 0.8);
    await tick(h); // the first run's report, so the tick has nothing of it left to do

    list = sinon.stub(RunLedger.prototype, 'list').rejects(new Error('RunLedger.list() called on the event path'));
    const runId = await trainedRun(h, 'datasets/b.csv', 0.79);
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'DEPLOYING', JSON.stringify(run?.gate));
    // The gate compared with the serving version: found without a listing.
    assert.equal(run?.gate?.serving, 0.8);
    assert.ok(h.endpoint.state.deployedModels.some((m) => m.id === first.deployedModelId));

    later(h, 60);
    assert.equal(await tick(h), 204); // DEPLOYING, the operation not done yet: observe the endpoint and wait
    assert.equal((await h.ledger.get(runId))?.state, 'DEPLOYING');
    assert.equal(list.callCount, 0, 'RunLedger.list() was called');
  });
});
