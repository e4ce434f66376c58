// Keep-K and rollback go by the serving-history document (ledger/serving-history.ts), appended at go-live, promote
// and rollback: with RunLedger.list() failing, runs go live, keep-K undeploys by serving history, promote and
// rollback move traffic. A ledger written before the document existed has it built once from the run records.
// Through the real Vertex AI endpoint and model clients (transport stubbed, every request proto-checked).
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { SERVING_HISTORY_OBJECT } from '../../../functions/src/ledger/serving-history';
import { RunLedger } from '../../../functions/src/ledger/run-ledger';
import { promote, rollback } from '../../../functions/src/engine/operator';
import { type Harness } from '../../support/functions-harness';
import { liveRun, tick } from './acceptance-flow';
import { realVertexHarness, type RealVertex } from './vertex-endpoint-stand-in';

const ops = { by: 'test', everyMs: 1, timeoutMs: 2000 };
const deployedIds = (h: Harness) => h.endpoint.state.deployedModels.map((m) => m.id).sort();

describe('engine/endpoint: the serving history document', () => {
  let h: Harness;
  let vertex: RealVertex;
  let list: sinon.SinonSpy | undefined;
  afterEach(async () => {
    list?.restore();
    list = undefined;
    await h.close();
  });

  it('go-live, keep-K, promote and rollback never call RunLedger.list()', async () => {
    ({ h, vertex } = await realVertexHarness({ KEEP_DEPLOYED_VERSIONS: '2', TRAFFIC_POLICY: 'canary:20' }));
    const v1 = await liveRun(h, 'datasets/a.csv', 0.8); // the first go-live writes the document
    await tick(h);

    list = sinon.stub(RunLedger.prototype, 'list').rejects(new Error('RunLedger.list() called on the event path'));
    const v2 = await liveRun(h, 'datasets/b.csv', 0.81); // canary: v2 20 %, v1 80 %
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 20);
    await promote(vertex.ctx, v2.runId, ops);
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100);
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82); // canary: v3 20 %, v2 80 %; keep-K undeploys v1
    assert.deepEqual(deployedIds(h), [v2.deployedModelId, v3.deployedModelId].sort());
    assert.equal((await h.ledger.get(v1.runId))?.deploy?.undeployedBy, v3.runId, 'owner found by display name');
    await promote(vertex.ctx, v3.runId, ops);
    await rollback(vertex.ctx, ops);
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100, 'rolled back to v2');
    assert.equal(list.callCount, 0, 'RunLedger.list() was called');
    vertex.assertAllMatchProto();
  });

  it('records of before the document: built once from the ledger (serving order, not version order), then read', async () => {
    ({ h, vertex } = await realVertexHarness({ KEEP_DEPLOYED_VERSIONS: '2' }));
    await liveRun(h, 'datasets/a.csv', 0.8);
    const v2 = await liveRun(h, 'datasets/b.csv', 0.81);
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82); // keep-K undeploys v1
    await rollback(vertex.ctx, ops); // v3 → v2: v2 serves, v3 served last before it
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100);
    // The ledger as the code before the document left it: the same run records, no history for the endpoint (the
    // store has no delete; a document without this endpoint's entry is read the same as none).
    await h.store.write(h.config.artifactsBucket, SERVING_HISTORY_OBJECT, '{}');

    list = sinon.spy(RunLedger.prototype, 'list');
    const v4 = await liveRun(h, 'datasets/d.csv', 0.83);
    // Built from the records: v4, v2 (serving before v4), v3. By version number v3 would have stayed and v2 gone.
    assert.deepEqual(deployedIds(h), [v2.deployedModelId, v4.deployedModelId].sort());
    assert.equal((await h.ledger.get(v3.runId))?.deploy?.undeployedBy, v4.runId);
    assert.equal(list.callCount, 1, 'the ledger listed once, to build the document');
    assert.ok(await h.store.stat(h.config.artifactsBucket, SERVING_HISTORY_OBJECT), 'the document written');

    await rollback(vertex.ctx, ops);
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100, 'rollback from v4 goes back to v2');
    await liveRun(h, 'datasets/e.csv', 0.84);
    assert.equal(list.callCount, 1, 'never listed again');
  });
});
