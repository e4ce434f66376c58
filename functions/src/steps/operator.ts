// Operator commands (`vertex-retrain promote <run>`, `vertex-retrain rollback`): the same ports and ledger as the
// event functions, called from the CLI. Traffic changes are endpoint traffic updates (no redeploy); every change is
// recorded on the runs it moved traffic between, with who asked and when.
import { planDeploySplit, servingModel } from '../pipeline/traffic-split';
import type { RunRecord, TrafficChange } from '../pipeline/run-record';
import type { DeployedModelInfo, TrafficSplit } from '../ports';
import { nowIso, type StepContext, type StepResult } from './context';
import { deploy } from './training-status';

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

async function waitForOperation(ctx: StepContext, name: string, o: OperatorOptions): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  for (;;) {
    const op = await ctx.ports.endpoint.getOperation(name);
    if (op.done) {
      if (op.error) throw new OperatorError(`traffic update ${name} failed: ${op.error}`);
      return;
    }
    if (Date.now() > deadline) throw new OperatorError(`traffic update ${name} did not finish in time`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 1000));
  }
}

const versionOf = (m: DeployedModelInfo): number => Number.parseInt(m.modelVersionId, 10);

/** Sends the split, waits for it, and records the change on the run that gained traffic and the one that lost it. */
async function shiftTraffic(
  ctx: StepContext,
  split: TrafficSplit,
  change: { action: TrafficChange['action']; to: RunRecord; from?: RunRecord },
  o: OperatorOptions,
): Promise<StepResult> {
  const { operationName } = await ctx.ports.endpoint.updateTrafficSplit(split);
  await waitForOperation(ctx, operationName, o);
  const after = (await ctx.ports.endpoint.getEndpoint()).trafficSplit;
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
  ctx.log.info({ runId: change.to.runId, ...entry }, `${change.action}: traffic changed`);
  return { outcome: change.action, runId: change.to.runId, detail: { split: after, from: change.from?.runId } };
}

const runOf = (runs: RunRecord[], deployedModelId: string | undefined) =>
  deployedModelId === undefined ? undefined : runs.find((r) => r.deploy?.deployedModelId === deployedModelId);

/**
 * `promote <run>`: a HELD run is deployed now despite the gate (recorded as an override; the reconciler finishes the
 * deployment as for any other run); a DEPLOYED run with less than all the traffic (a canary) is shifted to 100 %.
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
    ctx.log.warn({ runId, by: o.by, gate: run.gate }, 'quality gate overridden: deploying a held version');
    return deploy(ctx, record);
  }
  if (run.state !== 'DEPLOYED')
    throw new OperatorError(`run ${runId} is ${run.state}: only a HELD or a DEPLOYED (canary) run can be promoted`);
  const id = run.deploy?.deployedModelId as string;
  if (!endpoint.deployedModels.some((m) => m.id === id))
    throw new OperatorError(`run ${runId}'s deployed model ${id} is no longer on the endpoint`);
  if ((endpoint.trafficSplit[id] ?? 0) === 100) throw new OperatorError(`run ${runId} already takes 100 % of traffic`);
  const from = runOf(await ctx.ledger.list(), servingModel(endpoint)?.id);
  return shiftTraffic(ctx, { [id]: 100 }, { action: 'promote', to: run, ...(from && from !== run ? { from } : {}) }, o);
}

/**
 * `rollback`: gives 100 % back to the newest deployed version older than the one serving now, in one traffic update.
 * Refused when no older version is still deployed (keep-K undeployed it, or nothing was ever replaced).
 */
export async function rollback(ctx: StepContext, o: OperatorOptions): Promise<StepResult> {
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const serving = servingModel(endpoint);
  if (!serving) throw new OperatorError('nothing serves on the endpoint: nothing to roll back');
  const previous = endpoint.deployedModels
    .filter((m) => m.id !== serving.id && versionOf(m) < versionOf(serving))
    .sort((a, b) => versionOf(b) - versionOf(a))[0];
  if (!previous)
    throw new OperatorError(
      `no version older than the serving one (model version ${serving.modelVersionId}) is deployed on the endpoint`,
    );
  const runs = await ctx.ledger.list();
  const to = runOf(runs, previous.id);
  if (!to) throw new OperatorError(`deployed model ${previous.id} has no run in the ledger`);
  const from = runOf(runs, serving.id);
  return shiftTraffic(ctx, { [previous.id]: 100 }, { action: 'rollback', to, ...(from ? { from } : {}) }, o);
}
