// Issue 13 acceptance, through the real Vertex AI endpoint and model clients (transport stubbed, every request
// proto-checked): the `default` alias follows traffic after promote and after rollback; the record of an undeployed
// run (traffic 0, no serving cost); a promoted HELD run's timings and cost exclude the time it spent HELD.
import assert from 'node:assert/strict';
import { promote, rollback } from '../../../functions/src/engine/operator';
import { ledgerTraffic } from '../../../functions/src/pipeline/ledger-traffic';
import { runCost } from '../../../functions/src/pipeline/run-cost';
import type { RunRecord } from '../../../functions/src/pipeline/run-record';
import { reportInputFromRecord } from '../../../functions/src/report/from-run-record';
import { trafficShown } from '../../../functions/src/report/record-sections';
import { stageTimings } from '../../../functions/src/report/timings';
import { type Harness } from '../../support/functions-harness';
import { later, liveRun, tick, trainedRun } from './acceptance-flow';
import { realVertexHarness, type RealVertex } from './vertex-endpoint-stand-in';

const MODEL = 'projects/p/locations/r/models/titanic';
const ops = { by: 'test', everyMs: 1, timeoutMs: 2000 };

/** The version `default` points at, as the last MergeVersionAliases request carrying it named it. */
function defaultAliasVersion(vertex: RealVertex): string | undefined {
  const last = vertex
    .mergeAliasCalls()
    .filter((c) => (c.request.versionAliases as string[]).includes('default'))
    .at(-1);
  return last ? String(last.request.name) : undefined;
}

/** Deploys a promoted run's model: the deployment finishes and the tick takes it live. */
async function finishPromotedDeploy(h: Harness, runId: string) {
  assert.equal((await h.ledger.get(runId))?.state, 'DEPLOYING');
  later(h, 600);
  const id = h.endpoint.completeDeploy(h.endpoint.deploys.at(-1)?.operationName as string) as string;
  assert.equal(await tick(h), 204);
  assert.equal((await h.ledger.get(runId))?.state, 'DEPLOYED');
  return id;
}

describe('engine acceptance: operator commands and the record afterwards (real Vertex endpoint client)', () => {
  let h: Harness;
  let vertex: RealVertex;
  beforeEach(async () => {
    ({ h, vertex } = await realVertexHarness({ KEEP_DEPLOYED_VERSIONS: '2' }));
  });
  afterEach(() => h.close());

  it('the default alias follows traffic: go-live, promote of a HELD run, rollback', async () => {
    const v1 = await liveRun(h, 'datasets/a.csv', 0.85);
    assert.equal(defaultAliasVersion(vertex), `${MODEL}@1`);
    const held = await trainedRun(h, 'datasets/worse.csv', 0.8);
    assert.equal((await h.ledger.get(held))?.state, 'HELD');
    assert.equal(defaultAliasVersion(vertex), `${MODEL}@1`, 'a held version does not take the alias');

    await promote(vertex.ctx, held, ops);
    const v2 = await finishPromotedDeploy(h, held);
    assert.equal(h.endpoint.state.trafficSplit[v2], 100);
    assert.equal(defaultAliasVersion(vertex), `${MODEL}@2`, 'default follows the promote');

    await rollback(vertex.ctx, ops);
    assert.equal(h.endpoint.state.trafficSplit[v1.deployedModelId], 100);
    assert.equal(defaultAliasVersion(vertex), `${MODEL}@1`, 'default follows the rollback');
    vertex.assertAllMatchProto();
  });

  it('the record of an undeployed run: traffic 0, no serving cost', async () => {
    const v1 = await liveRun(h, 'datasets/a.csv', 0.8);
    assert.equal((await h.ledger.get(v1.runId))?.cost?.basis.deployedNodes, 1, 'a serving run has a serving cost');
    await liveRun(h, 'datasets/b.csv', 0.81);
    const v3 = await liveRun(h, 'datasets/c.csv', 0.82);
    assert.ok(!h.endpoint.state.deployedModels.some((m) => m.id === v1.deployedModelId), 'keep-K undeployed v1');
    assert.equal(await tick(h), 204);
    const run = await h.ledger.get(v1.runId);
    assert.equal(run?.deploy?.undeployedBy, v3.runId);
    assert.ok(run?.deploy?.undeployedAt);
    // deploy.traffic stays the go-live split (history); what the record says serves is read through its one home.
    const traffic = ledgerTraffic(await h.ledger.list());
    assert.equal(traffic?.byRun[v1.runId], undefined, 'traffic 0 once undeployed (ledger)');
    assert.equal(traffic?.byRun[v3.runId], 100);
    const input = reportInputFromRecord(run as RunRecord);
    assert.deepEqual(trafficShown(input), { [v1.deployedModelId]: 0 }, 'traffic 0 in the report');
    assert.equal(run?.cost?.basis.deployedNodes, 0, 'no serving cost once undeployed');
    assert.equal(run?.report?.of, run?.updatedAt, 'report rewritten');
    vertex.assertAllMatchProto();
  });

  it('promote of a HELD run: stage timings and cost exclude the time spent HELD', async () => {
    await liveRun(h, 'datasets/a.csv', 0.85);
    const held = await trainedRun(h, 'datasets/worse.csv', 0.8);
    const before = await h.ledger.get(held);
    assert.equal(before?.state, 'HELD');
    const trainingSeconds =
      (Date.parse(before?.stages.HELD as string) - Date.parse(before?.stages.TRAINING as string)) / 1000;
    assert.ok(trainingSeconds > 0 && trainingSeconds < 3600);
    later(h, 7 * 24 * 3600); // held a week
    await promote(vertex.ctx, held, ops);
    await finishPromotedDeploy(h, held);

    const run = await h.ledger.get(held);
    assert.ok(run?.override, 'recorded as an override');
    assert.equal(run?.cost?.basis.trainingSeconds, trainingSeconds, 'training ends when the run was held');
    const training = stageTimings(run?.stages ?? {}).rows.find((r) => r.stage === 'TRAINING');
    assert.equal(training?.durationMs, trainingSeconds * 1000, 'the TRAINING stage excludes the week HELD');
    // The same run had it never been held: DEPLOYING straight after TRAINING, same training time.
    const { HELD: heldAt, ...rest } = run?.stages ?? {};
    const neverHeld = { ...run, stages: { ...rest, DEPLOYING: heldAt } } as RunRecord;
    const basis = run?.cost?.basis as NonNullable<RunRecord['cost']>['basis'];
    assert.equal(run?.cost?.trainingUsd, runCost(neverHeld, basis).trainingUsd, 'training cost excludes the hold');
    assert.equal(run?.cost?.totalOnceUsd, runCost(neverHeld, basis).totalOnceUsd);
    vertex.assertAllMatchProto();
  });
});
