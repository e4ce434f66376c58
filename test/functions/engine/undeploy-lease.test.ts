// Keep-K's undeploys are endpoint changes like any other: the run that went live keeps the endpoint's lease until
// every undeploy operation it started is done (read back through getOperation), so no deploy, traffic update or
// undeploy of another run or of an operator overlaps one. Through the real Vertex AI endpoint client (transport
// stubbed onto the fake endpoint, whose undeploys the test holds; every request proto-checked).
import assert from 'node:assert/strict';
import { readCasJson } from '../../../functions/src/ledger/cas';
import { ENDPOINT_LEASE_OBJECT, type EndpointLease } from '../../../functions/src/ledger/endpoint-lease';
import { OperatorError, rollback } from '../../../functions/src/engine/operator';
import { type Harness } from '../../support/functions-harness';
import { later, liveRun, tick, trainedRun } from './acceptance-flow';
import { realVertexHarness, type RealVertex } from './vertex-endpoint-stand-in';

/** Every endpoint change the fake saw begin or end, in order. */
function recordChanges(h: Harness): string[] {
  const seen: string[] = [];
  const ep = h.endpoint;
  const wrap = <K extends 'deployModel' | 'undeployModel' | 'updateTrafficSplit'>(name: K) => {
    const original = ep[name].bind(ep) as (...args: unknown[]) => Promise<{ operationName: string }>;
    (ep as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      seen.push(`${name} ${result.operationName}`);
      return result;
    };
  };
  wrap('deployModel');
  wrap('undeployModel');
  wrap('updateTrafficSplit');
  const complete = ep.completeUndeploy.bind(ep);
  ep.completeUndeploy = (name, error) => {
    complete(name, error);
    seen.push(`done ${name}`);
  };
  return seen;
}

const leaseHolder = async (h: Harness) =>
  (await readCasJson<Record<string, EndpointLease>>(h.store, h.config.artifactsBucket, ENDPOINT_LEASE_OBJECT))?.[
    h.config.endpointId
  ]?.holder;

describe('engine/endpoint: the lease covers keep-K undeploys until their operations are done', () => {
  let h: Harness;
  let vertex: RealVertex;
  beforeEach(async () => {
    ({ h, vertex } = await realVertexHarness({ KEEP_DEPLOYED_VERSIONS: '2' }));
  });
  afterEach(() => h.close());

  it('no endpoint change starts while an undeploy operation is not done', async () => {
    const v1 = await liveRun(h, 'datasets/a.csv', 0.8);
    await liveRun(h, 'datasets/b.csv', 0.81);
    h.endpoint.holdUndeploys = true;
    const changes = recordChanges(h);

    const v3 = await liveRun(h, 'datasets/c.csv', 0.82); // keep-K undeploys v1: its operation stays running
    const undeploy = `${h.endpoint.state.name}/operations/undeploy-${v1.deployedModelId}`;
    const ownDeploy = changes[0] ?? '';
    assert.match(ownDeploy, /^deployModel /, "v3's own deployment");
    assert.deepEqual(changes.slice(1), [`undeployModel ${undeploy}`]);
    assert.deepEqual((await h.ledger.get(v3.runId))?.deploy?.undeployPending, [undeploy]);
    assert.equal(await leaseHolder(h), v3.runId, 'the lease stays with v3 while its undeploy runs');

    // A newer run passes its gate: the endpoint is busy, so its deployment does not start.
    const v4 = await trainedRun(h, 'datasets/d.csv', 0.83);
    assert.equal((await h.ledger.get(v4))?.state, 'TRAINING');
    // An operator's rollback waits for the lease, then gives up; it moved no traffic.
    await assert.rejects(rollback(vertex.ctx, { by: 'test', everyMs: 5, timeoutMs: 50 }), OperatorError);
    // The tick reads the undeploy back: still running, nothing changes.
    later(h, 60);
    assert.equal(await tick(h), 204);
    assert.equal((await h.ledger.get(v4))?.state, 'TRAINING');
    assert.equal(await leaseHolder(h), v3.runId);
    assert.deepEqual(changes, [ownDeploy, `undeployModel ${undeploy}`], 'no endpoint change while the undeploy runs');

    h.endpoint.completeUndeploy(undeploy);
    later(h, 60);
    assert.equal(await tick(h), 204); // v3 sees its undeploy done and gives the lease back; v4 takes it and deploys
    const v3After = await h.ledger.get(v3.runId);
    assert.equal(v3After?.deploy?.undeployPending, undefined);
    assert.ok(v3After?.deploy?.undeploysFinishedAt);
    assert.equal((await h.ledger.get(v4))?.state, 'DEPLOYING');
    assert.equal(await leaseHolder(h), v4);
    assert.deepEqual(changes.slice(1, 3), [`undeployModel ${undeploy}`, `done ${undeploy}`]);
    assert.match(changes[3] ?? '', /^deployModel /, 'the next change starts only after the undeploy is done');
    vertex.assertAllMatchProto();
  });

  it('an undeploy operation that fails is recorded on the run, and the lease is given back', async () => {
    const v1 = await liveRun(h, 'datasets/a.csv', 0.8);
    await liveRun(h, 'datasets/b.csv', 0.81);
    h.endpoint.holdUndeploys = true;
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82);
    const undeploy = `${h.endpoint.state.name}/operations/undeploy-${v1.deployedModelId}`;
    h.endpoint.completeUndeploy(undeploy, 'the model is busy');
    later(h, 60);
    assert.equal(await tick(h), 204);
    const run = await h.ledger.get(v3.runId);
    assert.deepEqual(run?.deploy?.undeployed, [
      { deployedModelId: v1.deployedModelId, operationName: undeploy, error: 'the model is busy' },
    ]);
    assert.equal(await leaseHolder(h), undefined, 'given back');
    assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /undeploy failed: the model is busy/.test(l.message)));
  });

  it('undeploys that finish at once: the lease is given back within the same advance', async () => {
    await liveRun(h, 'datasets/a.csv', 0.8);
    await liveRun(h, 'datasets/b.csv', 0.81);
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82);
    assert.ok((await h.ledger.get(v3.runId))?.deploy?.undeploysFinishedAt);
    assert.equal(await leaseHolder(h), undefined);
  });
});
