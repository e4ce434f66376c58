// Endpoint changes, always under the endpoint's lease in the ledger (ledger/endpoint-lease.ts): which run's model is
// which deployed model, the aliases that follow traffic, the serving history traffic moves append to, and keep-K
// clean-up by that history. Nothing here lists the ledger (but the one-time build of a missing history document).
import { EndpointLeases } from '../ledger/endpoint-lease';
import { ServingHistories } from '../ledger/serving-history';
import { classifyError, errorMessage } from '../pipeline/errors';
import { needsEndpoint } from '../pipeline/plan';
import type { RunRecord } from '../pipeline/run-record';
import { isTerminal } from '../pipeline/run-state';
import { historyFromRecords, servingOrder, trafficMoveOf } from '../pipeline/serving-history';
import { planUndeploy, splitWithout } from '../pipeline/traffic-split';
import { deployedModelIdForRun, runIdOfDeployedModel, type DeployedModelInfo, type EndpointState } from '../ports';
import { nowIso, type StepContext } from './context';

/** Backstop only: a holder that still needs the lease keeps it (a Vertex deployment can take 20 minutes and more). */
export const ENDPOINT_LEASE_SECONDS = 2 * 3600;

export const endpointLeases = (ctx: StepContext): EndpointLeases =>
  new EndpointLeases(ctx.ports.store, ctx.config.artifactsBucket, ctx.config.endpointId, ENDPOINT_LEASE_SECONDS);

/**
 * A run holds the lease from its deploy until its clean-up's undeploy operations are done (pipeline/plan.ts
 * needsEndpoint); an operator's lease is held for one call.
 */
async function stillNeeded(ctx: StepContext, holder: string): Promise<boolean> {
  const run = await ctx.ledger.get(holder);
  if (!run) return holder.startsWith('operator:');
  return needsEndpoint(run);
}

/** Takes (or keeps) the endpoint's lease for `holder`; false when another run is changing the endpoint. */
export function acquireEndpoint(ctx: StepContext, holder: string): Promise<boolean> {
  return endpointLeases(ctx).acquire(holder, nowIso(ctx), (lease) => stillNeeded(ctx, lease.holder));
}

export const releaseEndpoint = (ctx: StepContext, holder: string): Promise<void> => endpointLeases(ctx).release(holder);

/** The run's deployed model on the endpoint: by the id its deployments ask for, or (older runs) by display name. */
export function liveModelOfRun(endpoint: EndpointState, runId: string): DeployedModelInfo | undefined {
  const id = deployedModelIdForRun(runId);
  return (
    endpoint.deployedModels.find((m) => m.id === id) ??
    endpoint.deployedModels.find((m) => m.displayName?.includes(runId))
  );
}

/**
 * Moves `default` (and adds `v<N>`) to the run's version: at go-live, promote and rollback, so `default` is always the
 * version taking traffic. A transient error is rethrown; a permanent one is logged and does not hold back the run.
 */
export async function pointAliases(ctx: StepContext, run: RunRecord): Promise<void> {
  const model = run.training?.model;
  if (!model) return;
  const aliases = ['default', `v${run.training?.endpointVersion}`];
  try {
    await ctx.ports.registry.setVersionAliases(model, aliases);
  } catch (err) {
    if (classifyError(err) === 'transient') throw err;
    ctx.log.error({ model, aliases, err }, `could not set the version aliases: ${errorMessage(err)}`);
  }
}

/** The endpoint's serving history; a ledger without the document yet has it built once from its run records. */
export const servingHistories = (ctx: StepContext): ServingHistories =>
  new ServingHistories(ctx.ports.store, ctx.config.artifactsBucket, ctx.config.endpointId, async () =>
    historyFromRecords(await ctx.ledger.list(), nowIso(ctx)),
  );

/** Appends a traffic move to the serving history: `to` took traffic, `endpoint` is the endpoint after the move. */
export async function recordTrafficMove(ctx: StepContext, to: string, endpoint: EndpointState): Promise<void> {
  await servingHistories(ctx).record(trafficMoveOf(endpoint, to, nowIso(ctx)));
}

/** The run a deployed model was deployed for: named by its display name, read directly (no listing of the ledger). */
export async function runOfDeployedModel(
  ctx: StepContext,
  model: Pick<DeployedModelInfo, 'id' | 'displayName'>,
): Promise<RunRecord | undefined> {
  const runId = runIdOfDeployedModel(model);
  const run = runId === undefined ? undefined : await ctx.ledger.get(runId);
  return run?.deploy?.deployedModelId === model.id ? run : undefined;
}

/**
 * Keep-K after `run` went live: keeps every model with traffic, then the most recently serving others (by the
 * serving history) up to KEEP_DEPLOYED_VERSIONS, undeploys the rest and marks their runs undeployed. The undeploy
 * operations are recorded as pending: the run keeps the endpoint's lease until they are done (finishUndeploys).
 */
export async function cleanUp(ctx: StepContext, run: RunRecord): Promise<{ owners: string[]; pending: string[] }> {
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const history = servingOrder(await servingHistories(ctx).read());
  const undeployed: { deployedModelId: string; operationName?: string; error?: string }[] = [];
  const owners: string[] = [];
  let split = endpoint.trafficSplit;
  for (const id of planUndeploy(endpoint, history, ctx.config.keepDeployedVersions)) {
    try {
      split = splitWithout(split, id);
      const { operationName } = await ctx.ports.endpoint.undeployModel(id, split);
      undeployed.push({ deployedModelId: id, operationName });
      const model = endpoint.deployedModels.find((m) => m.id === id);
      const owner = model && (await runOfDeployedModel(ctx, model));
      if (owner && isTerminal(owner.state)) {
        owners.push(owner.runId);
        await ctx.ledger.update(owner.runId, { type: 'undeployed', at: nowIso(ctx), by: run.runId, operationName });
      }
    } catch (err) {
      if (classifyError(err) === 'transient') throw err;
      undeployed.push({ deployedModelId: id, error: errorMessage(err) });
      ctx.log.error({ deployedModelId: id, err }, 'undeploy failed');
    }
  }
  const pending = undeployed.flatMap((u) => (u.operationName ? [u.operationName] : []));
  await ctx.ledger.update(run.runId, { type: 'undeployRecorded', at: nowIso(ctx), undeployed, pending });
  return { owners, pending };
}
