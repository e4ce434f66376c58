// Issue 13 acceptance: rollback (v3 → v2), then a new run v4. Keep-K keeps the version that served just before v4
// (v2), not the one the operator rolled back from (v3); the next rollback targets v2. Through the real Vertex AI
// endpoint and model clients (transport stubbed, every request proto-checked).
import assert from 'node:assert/strict';
import { rollback } from '../../../functions/src/engine/operator';
import { type Harness } from '../../support/functions-harness';
import { liveRun, tick } from './acceptance-flow';
import { realVertexHarness } from './vertex-endpoint-stand-in';

describe('engine acceptance: rollback then a new run (real Vertex endpoint client)', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('keep-K keeps the version serving before the new one, and the next rollback targets it', async () => {
    const made = await realVertexHarness({ KEEP_DEPLOYED_VERSIONS: '2' });
    h = made.h;
    const { vertex } = made;
    await liveRun(h, 'datasets/a.csv', 0.8);
    const v2 = await liveRun(h, 'datasets/b.csv', 0.81);
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82);
    assert.deepEqual(
      h.endpoint.state.deployedModels.map((m) => m.id),
      [v2.deployedModelId, v3.deployedModelId],
    );

    await rollback(vertex.ctx, { by: 'test', everyMs: 1, timeoutMs: 2000 });
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100);
    assert.equal(h.endpoint.state.trafficSplit[v3.deployedModelId] ?? 0, 0);

    const v4 = await liveRun(h, 'datasets/d.csv', 0.83);
    await tick(h);
    assert.equal(h.endpoint.state.trafficSplit[v4.deployedModelId], 100);
    assert.deepEqual(
      h.endpoint.state.deployedModels.map((m) => m.id).sort(),
      [v2.deployedModelId, v4.deployedModelId].sort(),
      'keep-K keeps v4 and v2 (served just before v4), undeploys v3',
    );
    assert.equal((await h.ledger.get(v3.runId))?.deploy?.undeployedBy, v4.runId);

    await rollback(vertex.ctx, { by: 'test', everyMs: 1, timeoutMs: 2000 });
    assert.equal(h.endpoint.state.trafficSplit[v2.deployedModelId], 100, 'the next rollback goes back to v2');
    assert.equal(h.endpoint.state.trafficSplit[v4.deployedModelId] ?? 0, 0);

    const sent = vertex.calls.map((c) => c.type);
    for (const type of ['DeployModelRequest', 'UndeployModelRequest', 'UpdateEndpointRequest', 'GetEndpointRequest'])
      assert.ok(sent.includes(type), `the real client sent a ${type}`);
    vertex.assertAllMatchProto();
  });
});
