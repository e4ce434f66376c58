// Operator commands (`vertex-retrain promote <run>`, `rollback`, `undeploy`): the same ports and ledger as the
// event functions, called from the CLI. A promoted HELD run goes back to DEPLOYING and is advanced by the engine like
// any other; traffic changes are endpoint traffic updates under the endpoint's lease, recorded on both runs they moved
// traffic between, and the `default` alias follows the traffic. `undeploy` removes deployed models under the same
// lease and marks their runs undeployed (the tick then rewrites their reports).
import { servingOrder } from '../pipeline/serving-history';
import { planDeploySplit, rollbackTarget, servingModel, splitWithout } from '../pipeline/traffic-split';
import type { RunRecord, TrafficChange } from '../pipeline/run-record';
import type { TrafficSplit } from '../ports';
import { advance } from './advance';
import { forRun, nowIso, type StepContext, type StepResult } from './context';
import {
  acquireEndpoint,
  pointAliases,
  recordTrafficMove,
  releaseEndpoint,
  runOfDeployedModel,
  servingHistories,
} from './endpoint';

/** A command that cannot be carried out as asked (unknown run, wrong state, nothing to roll back to). */
export class OperatorError extends Error {
  override name = 'OperatorError';
}

export interface OperatorOptions {
  /** Who asked (recorded on the run). */
  by: string;
  /** How long to wait for a traffic update to finish. */
  timeoutMs?: number;
  /** Poll interval while waiting. */
  everyMs?: number;
}

async function waitForOperation(
  ctx: StepContext,
  name: string,
  o: OperatorOptions,
  what = 'traffic update',
): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  for (;;) {
    const op = await ctx.ports.endpoint.getOperation(name);
    if (op.done) {
      if (op.error) throw new OperatorError(`${what} ${name} failed: ${op.error}`);
      return;
    }
    if (Date.now() > deadline) throw new OperatorError(`${what} ${name} did not finish in time`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 1000));
  }
}

/** Holds the endpoint's lease for one operator change, waiting (up to the timeout) while a run changes the endpoint. */
async function underLease<T>(ctx: StepContext, o: OperatorOptions, fn: () => Promise<T>): Promise<T> {
  const holder = `operator:${o.by}`;
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  while (!(await acquireEndpoint(ctx, holder))) {
    if (Date.now() > deadline)
      throw new OperatorError('a deployment is changing the endpoint right now; try again once it is live');
    await new Promise((r) => setTimeout(r, o.everyMs ?? 1000));
  }
  try {
    return await fn();
  } finally {
    await releaseEndpoint(ctx, holder);
  }
}

/** Sends the split, waits for it, moves `default` to the run that gained traffic and records the change on both. */
async function shiftTraffic(
  ctx: StepContext,
  split: TrafficSplit,
  change: { action: TrafficChange['action']; to: RunRecord; from?: RunRecord },
  o: OperatorOptions,
): Promise<StepResult> {
  // Lines about the version gaining traffic (the aliases, the change) are that run's.
  const toCtx = forRun(ctx, change.to.runId);
  const { operationName } = await ctx.ports.endpoint.updateTrafficSplit(split);
  await waitForOperation(ctx, operationName, o);
  const endpointAfter = await ctx.ports.endpoint.getEndpoint();
  const after = endpointAfter.trafficSplit;
  const to = change.to.deploy?.deployedModelId;
  if (to !== undefined) await recordTrafficMove(ctx, to, endpointAfter);
  if (to !== undefined && (after[to] ?? 0) === 100) await pointAliases(toCtx, change.to);
  const entry: TrafficChange = {
    at: nowIso(ctx),
    action: change.action,
    to: change.to.runId,
    ...(change.from ? { from: change.from.runId } : {}),
    by: o.by,
    split: after,
    operationName,
  };
  for (const run of [change.to, change.from]) {
    if (run) await ctx.ledger.update(run.runId, { type: 'trafficChanged', ...entry });
  }
  toCtx.log.info({ ...entry }, `${change.action}: traffic changed`);
  return { outcome: change.action, runId: change.to.runId, detail: { split: after, from: change.from?.runId } };
}

/**
 * `promote <run>`: a HELD run is deployed now despite the gate (recorded as an override; the engine deploys it and
 * the tick finishes it as any other); a DEPLOYED run with less than all the traffic (a canary) is shifted to 100 %.
 */
export async function promote(ctx: StepContext, runId: string, o: OperatorOptions): Promise<StepResult> {
  const run = await ctx.ledger.get(runId);
  if (!run) throw new OperatorError(`no run ${runId}`);
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  if (run.state === 'HELD') {
    const requestedSplit = planDeploySplit(endpoint, ctx.config.trafficPolicy);
    const { record, changed } = await ctx.ledger.update(runId, {
      type: 'overrideHold',
      at: nowIso(ctx),
      by: o.by,
      leaseSeconds: ctx.config.claimLeaseSeconds,
      requestedSplit,
    });
    if (!changed) throw new OperatorError(`run ${runId} changed meanwhile (now ${record.state}); nothing done`);
    forRun(ctx, runId).log.warn({ by: o.by, gate: run.gate }, 'quality gate overridden: deploying a held version');
    const { record: _record, ...result } = await advance(ctx, runId, { source: 'operator', holdsClaim: 'deploy' });
    return result;
  }
  if (run.state !== 'DEPLOYED')
    throw new OperatorError(`run ${runId} is ${run.state}: only a HELD or a DEPLOYED (canary) run can be promoted`);
  const id = run.deploy?.deployedModelId as string;
  if (!endpoint.deployedModels.some((m) => m.id === id))
    throw new OperatorError(`run ${runId}'s deployed model ${id} is no longer on the endpoint`);
  if ((endpoint.trafficSplit[id] ?? 0) === 100) throw new OperatorError(`run ${runId} already takes 100 % of traffic`);
  return underLease(ctx, o, async () => {
    const serving = servingModel(endpoint);
    const from = serving && (await runOfDeployedModel(ctx, serving));
    return shiftTraffic(
      ctx,
      { [id]: 100 },
      { action: 'promote', to: run, ...(from && from.runId !== run.runId ? { from } : {}) },
      o,
    );
  });
}

/**
 * `rollback`: gives 100 % back to the deployed version that served most recently before the one serving now (by the
 * ledger's serving history), in one traffic update. Refused when no such version is still deployed.
 */
export async function rollback(ctx: StepContext, o: OperatorOptions): Promise<StepResult> {
  return underLease(ctx, o, async () => {
    const endpoint = await ctx.ports.endpoint.getEndpoint();
    const serving = servingModel(endpoint);
    if (!serving) throw new OperatorError('nothing serves on the endpoint: nothing to roll back');
    const previous = rollbackTarget(endpoint, servingOrder(await servingHistories(ctx).read()), serving.id);
    if (!previous)
      throw new OperatorError(
        `no version that served before the serving one (model version ${serving.modelVersionId}) is deployed on the endpoint`,
      );
    const to = await runOfDeployedModel(ctx, previous);
    if (!to) throw new OperatorError(`deployed model ${previous.id} has no run in the ledger`);
    const from = await runOfDeployedModel(ctx, serving);
    return shiftTraffic(ctx, { [previous.id]: 100 }, { action: 'rollback', to, ...(from ? { from } : {}) }, o);
  });
}

export interface UndeployResult {
  /** The deployed models removed, with the run each belonged to (none for a model the ledger does not know). */
  undeployed: { deployedModelId: string; runId?: string; operationName: string }[];
  /** The deployed models left on the endpoint (those taking traffic, unless `all`). */
  kept: string[];
  /** Models that could not be undeployed, with why (the others are still undeployed and recorded). */
  failed: { deployedModelId: string; error: string }[];
  /** The endpoint's split afterwards. */
  split: TrafficSplit;
}

/**
 * `undeploy`: removes every deployed model that takes no traffic (the serving version stays), or with `all` first
 * moves all traffic off the endpoint and then removes every deployed model — nothing serves or bills afterwards, the
 * stack stays. One model at a time under the endpoint's lease, each operation waited for; each removed model's run is
 * marked undeployed and queued for the tick, which rewrites its report.
 */
export async function undeploy(ctx: StepContext, o: OperatorOptions & { all?: boolean }): Promise<UndeployResult> {
  return underLease(ctx, o, async () => {
    const endpoint = await ctx.ports.endpoint.getEndpoint();
    let split = endpoint.trafficSplit;
    const serving = (id: string) => (split[id] ?? 0) > 0;
    if (o.all && endpoint.deployedModels.some((m) => serving(m.id))) {
      const { operationName } = await ctx.ports.endpoint.updateTrafficSplit({});
      await waitForOperation(ctx, operationName, o);
      split = (await ctx.ports.endpoint.getEndpoint()).trafficSplit;
      ctx.log.warn(
        { by: o.by, before: endpoint.trafficSplit, split },
        'undeploy --all: traffic moved off the endpoint',
      );
    }
    const result: UndeployResult = { undeployed: [], kept: [], failed: [], split };
    for (const m of endpoint.deployedModels) {
      if (serving(m.id)) {
        result.kept.push(m.id);
        continue;
      }
      const found = await runOfDeployedModel(ctx, m);
      const owner = found?.state === 'DEPLOYED' ? found : undefined;
      // The lines about a model the ledger knows are its run's.
      const ownerCtx = owner ? forRun(ctx, owner.runId) : ctx;
      try {
        split = splitWithout(split, m.id);
        const { operationName } = await ctx.ports.endpoint.undeployModel(m.id, split);
        await waitForOperation(ctx, operationName, o, 'undeploy');
        if (owner)
          await ctx.ledger.update(owner.runId, { type: 'undeployed', at: nowIso(ctx), by: o.by, operationName });
        result.undeployed.push({ deployedModelId: m.id, ...(owner ? { runId: owner.runId } : {}), operationName });
        ownerCtx.log.info({ deployedModelId: m.id, by: o.by, operationName }, 'undeployed');
      } catch (err) {
        result.failed.push({ deployedModelId: m.id, error: (err as Error).message });
        ownerCtx.log.error({ deployedModelId: m.id, by: o.by, err }, 'undeploy failed');
      }
    }
    result.split = (await ctx.ports.endpoint.getEndpoint()).trafficSplit;
    // The undeployed runs changed after they were final: the tick rewrites their reports.
    const owners = result.undeployed.flatMap((u) => (u.runId ? [u.runId] : []));
    if (owners.length > 0) await ctx.ledger.inFlight.add(owners, nowIso(ctx));
    return result;
  });
}
