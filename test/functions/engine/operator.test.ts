// The `undeploy` operator action on the fakes: three runs deployed one after another (keep-K 3), then `undeploy`
// removes the two that take no traffic and keeps the serving one; `undeploy --all` moves the traffic off and removes
// the last. Each removed run is marked undeployed by the operator and its report rewritten by the next tick.
import assert from 'node:assert/strict';
import { OperatorError, undeploy } from '../../../functions/src/engine/operator';
import { acquireEndpoint, releaseEndpoint } from '../../../functions/src/engine/endpoint';
import type { StepContext } from '../../../functions/src/engine/context';
import { createLogger } from '../../../functions/src/log';
import type { RunRecord } from '../../../functions/src/pipeline/run-record';
import { servingModel } from '../../../functions/src/pipeline/traffic-split';
import { fakeValidator, GOOD_CSV, harness, storageEvent, type Harness } from '../../support/functions-harness';
import { FlowDriver } from '../../reliability/support/flow-driver';

describe('engine/operator: undeploy', function () {
  this.timeout(60_000);
  let h: Harness;
  let d: FlowDriver;
  let runs: RunRecord[];
  let ctx: StepContext;

  const deployed = () => h.endpoint.state.deployedModels.map((m) => m.id).sort();
  const byId = async (id: string | undefined) => (await h.ledger.list()).find((r) => r.deploy?.deployedModelId === id);

  beforeEach(async () => {
    h = await harness({ CLAIM_LEASE_SECONDS: '60', KEEP_DEPLOYED_VERSIONS: '3' });
    d = new FlowDriver(h, [{ seed: 1, transientRate: 0, permanentRate: 0 }], { maxAttempts: 50, secondsPerRound: 30 });
    // The fake's undeploy operations finish at once (as the twin's do shortly after).
    const fakeUndeploy = h.endpoint.undeployModel.bind(h.endpoint);
    h.endpoint.undeployModel = async (id, split) => {
      const op = await fakeUndeploy(id, split);
      h.endpoint.operations.set(op.operationName, { name: op.operationName, done: true });
      return op;
    };
    for (let i = 0; i < 3; i++) {
      const info = await h.store.write(h.config.dataBucket, `datasets/day-${i}.csv`, GOOD_CSV);
      d.enqueue(
        'onDatasetFinalized',
        storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString()),
      );
      for (let r = 0; r < 12; r++) await d.round();
    }
    // The operator's context: the same fakes, without the driver's fault layer.
    ctx = {
      config: h.config,
      ports: h.ports,
      ledger: h.ledger,
      log: createLogger({ logLevel: 'error' }, { write: () => undefined }),
      validateDataset: fakeValidator,
    };
    runs = (await h.ledger.list()).filter((r) => r.state === 'DEPLOYED');
    assert.equal(runs.length, 3, 'three runs deployed');
    assert.equal(h.endpoint.state.deployedModels.length, 3);
  });

  afterEach(() => h.close());

  it('by default removes every deployed model without traffic, keeps the serving one, records the runs', async () => {
    const serving = servingModel(h.endpoint.state)?.id as string;
    const others = deployed().filter((id) => id !== serving);
    assert.equal(others.length, 2);
    const result = await undeploy(ctx, { by: 'ops-person', timeoutMs: 5000, everyMs: 1 });
    assert.deepEqual(deployed(), [serving]);
    assert.deepEqual(h.endpoint.state.trafficSplit, { [serving]: 100 });
    assert.deepEqual(result.kept, [serving]);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.undeployed.map((u) => u.deployedModelId).sort(), others);
    // Every undeploy request left the split alone: the serving model keeps its 100 %.
    for (const u of h.endpoint.undeploys) assert.deepEqual(u.trafficSplit, { [serving]: 100 });
    for (const id of others) {
      const run = (await byId(id)) as RunRecord;
      assert.equal(result.undeployed.find((u) => u.deployedModelId === id)?.runId, run.runId);
      assert.equal(run.deploy?.undeployedBy, 'ops-person');
      assert.equal(run.deploy?.undeployedAt, h.clock.now.toISOString());
      assert.ok(run.deploy?.undeployOperation?.endsWith(`undeploy-${id}`));
    }
    assert.equal((await byId(serving))?.deploy?.undeployedAt, undefined, 'the serving run is not marked');
    // The next tick rewrites the undeployed runs' reports.
    await d.round();
    for (const id of others) {
      const run = (await byId(id)) as RunRecord;
      assert.equal(run.report?.of, run.updatedAt, `report of ${run.runId} rewritten`);
    }
    // A second undeploy has nothing to do.
    const again = await undeploy(ctx, { by: 'ops-person', timeoutMs: 5000, everyMs: 1 });
    assert.deepEqual(again.undeployed, []);
    assert.deepEqual(again.kept, [serving]);
  });

  it('--all moves the traffic off first, then removes every deployed model', async () => {
    const ids = deployed();
    const result = await undeploy(ctx, { by: 'ops-person', all: true, timeoutMs: 5000, everyMs: 1 });
    assert.deepEqual(h.endpoint.state.deployedModels, []);
    assert.deepEqual(h.endpoint.state.trafficSplit, {});
    assert.deepEqual(result.kept, []);
    assert.deepEqual(result.split, {});
    assert.deepEqual(result.undeployed.map((u) => u.deployedModelId).sort(), ids);
    for (const u of h.endpoint.undeploys) assert.deepEqual(u.trafficSplit, {}, 'no model has traffic when it goes');
    for (const id of ids) assert.equal((await byId(id))?.deploy?.undeployedBy, 'ops-person');
  });

  it('records a model that failed to undeploy and goes on with the others', async () => {
    const serving = servingModel(h.endpoint.state)?.id as string;
    const [bad, good] = deployed().filter((id) => id !== serving) as [string, string];
    const undeployOk = h.endpoint.undeployModel.bind(h.endpoint);
    h.endpoint.undeployModel = async (id, split) => {
      if (id === bad) throw new Error('FAILED_PRECONDITION: nope');
      return undeployOk(id, split);
    };
    const result = await undeploy(ctx, { by: 'ops-person', timeoutMs: 5000, everyMs: 1 });
    assert.deepEqual(result.failed, [{ deployedModelId: bad, error: 'FAILED_PRECONDITION: nope' }]);
    assert.deepEqual(
      result.undeployed.map((u) => u.deployedModelId),
      [good],
    );
    assert.equal((await byId(bad))?.deploy?.undeployedAt, undefined, 'a model still deployed is not marked');
    assert.deepEqual(deployed().sort(), [bad, serving].sort());
  });

  it('waits for the endpoint lease and gives up when a run keeps it', async () => {
    assert.ok(await acquireEndpoint(ctx, 'operator:someone-else'));
    await assert.rejects(undeploy(ctx, { by: 'ops-person', timeoutMs: 50, everyMs: 5 }), OperatorError);
    assert.equal(h.endpoint.undeploys.length, 0, 'nothing undeployed while a run holds the endpoint');
    await releaseEndpoint(ctx, 'operator:someone-else');
  });
});
