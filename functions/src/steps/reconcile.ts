// Step 4 — the reconciler tick: walks the in-flight runs and moves them on without ever waiting. A finished training
// is announced on the training-events topic (so one code path, onTrainingStatus, handles it); a finished deployment
// makes the run DEPLOYED and undeploys versions beyond keep-K that carry no traffic; a failed one fails the run.
import { classifyError, errorMessage } from '../pipeline/errors';
import type { RunRecord } from '../pipeline/run-record';
import { claimExpired } from '../pipeline/run-state';
import { planUndeploy, splitWithout } from '../pipeline/traffic-split';
import { BUILD_TAG, deployedModelIdForRun, runBuildTag, type DeployedModelInfo, type EndpointState } from '../ports';
import { buildStatus, FAILED_BUILD_STATUSES } from './build-status';
import { nowIso, type StepContext, type StepResult } from './context';
import { datasetFinalized } from './dataset-drop';
import { finalizeRun, needsFinalizing } from './finalize';
import { failRun } from './side-effect';

type RunOutcome = 'waiting' | 'announced' | 'deployed' | 'failed' | 'retaken';

async function announce(ctx: StepContext, runId: string, trainingName?: string): Promise<RunOutcome> {
  await ctx.ports.publisher.publish(
    ctx.config.trainingEventsTopic,
    { runId, ...(trainingName ? { trainingName } : {}) },
    { runId },
  );
  return 'announced';
}

// A claim whose holder died (or whose release failed) before recording its side effect, after the event that
// carried it was acknowledged as a duplicate: nothing would ever redeliver it, so once the lease has expired the
// reconciler runs the step again from the record (the step checks for the build or training before creating one).
const stalled = (ctx: StepContext, claim: Parameters<typeof claimExpired>[0]): boolean =>
  claimExpired(claim, nowIso(ctx), ctx.config.claimLeaseSeconds);

// A build whose completion message was lost (dead-lettered, dropped as stale) would leave its run BUILDING for
// ever: once the claim is older than the lease, the build is read back and, if it has finished, put through the
// same step its notification would have gone through (buildStatus is idempotent, so a late message is harmless).
async function readBuildBack(ctx: StepContext, run: RunRecord, buildId: string): Promise<RunOutcome> {
  const build = await ctx.ports.builds.getBuild(buildId);
  if (build.status !== 'SUCCESS' && !FAILED_BUILD_STATUSES.has(build.status)) return 'waiting';
  ctx.log.warn(
    { runId: run.runId, buildId, status: build.status },
    'the build finished but its notification never arrived: taking its outcome from the build itself',
  );
  const { outcome } = await buildStatus(ctx, build);
  if (outcome === 'build-failed' || outcome === 'failed') return 'failed';
  return outcome === 'training-started' || outcome === 'training-found' ? 'retaken' : 'waiting';
}

async function retakeDrop(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  const { bucket, name, generation, size, md5Hash } = run.dataset as NonNullable<RunRecord['dataset']>;
  await datasetFinalized(ctx, { bucket, name, generation, size, ...(md5Hash ? { md5Hash } : {}) });
  return 'retaken';
}

// A run still RECEIVED a claim lease after its last change: its finalize event was acknowledged (a permanent error
// that could not even be recorded on the run, or a stale event dropped) before the step claimed the build. Nothing
// would redeliver it, so the step runs again from the record: it builds, rejects, or fails the run with the reason.
async function reconcileReceived(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  if (!run.dataset || run.trigger !== 'dataset-drop' || !stalled(ctx, { at: run.updatedAt, attempt: 0 }))
    return 'waiting';
  return retakeDrop(ctx, run);
}

async function reconcileBuilding(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  if (run.build?.id) return stalled(ctx, run.build.claim) ? readBuildBack(ctx, run, run.build.id) : 'waiting';
  if (!run.dataset || run.trigger !== 'dataset-drop' || !stalled(ctx, run.build?.claim)) return 'waiting';
  return retakeDrop(ctx, run);
}

async function reconcileTraining(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  const name = run.training?.name ?? (await ctx.ports.training.findTrainingForRun(run.runId))?.name;
  if (!name) {
    const b = run.build;
    if (!b?.id || !b.imageUri || !b.imageDigest || !stalled(ctx, run.training?.claim)) return 'waiting';
    await buildStatus(ctx, {
      id: b.id,
      status: 'SUCCESS',
      tags: [BUILD_TAG, ...(run.trigger === 'dataset-drop' ? [runBuildTag(run.runId)] : [])],
      ...(b.logUrl ? { logUrl: b.logUrl } : {}),
      results: { images: [{ name: b.imageUri, digest: b.imageDigest }] },
    });
    return 'retaken';
  }
  const status = await ctx.ports.training.getTraining(name);
  return status.state === 'PENDING' || status.state === 'RUNNING' ? 'waiting' : announce(ctx, run.runId, name);
}

async function cleanUp(ctx: StepContext, runId: string, liveId: string): Promise<void> {
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const undeployed: { deployedModelId: string; operationName?: string; error?: string }[] = [];
  for (const id of planUndeploy(endpoint, liveId, ctx.config.keepDeployedVersions)) {
    try {
      const { operationName } = await ctx.ports.endpoint.undeployModel(id, splitWithout(endpoint.trafficSplit, id));
      undeployed.push({ deployedModelId: id, operationName });
    } catch (err) {
      // Not retried here: the next deployment's clean-up plans from the endpoint again and will pick it up.
      undeployed.push({ deployedModelId: id, error: errorMessage(err) });
      ctx.log.error({ runId, deployedModelId: id, err }, 'undeploy failed');
    }
  }
  if (undeployed.length > 0) await ctx.ledger.update(runId, { type: 'undeployRecorded', at: nowIso(ctx), undeployed });
}

/** The run's deployed model on the endpoint: by the id its deployments ask for, or (older runs) by display name. */
export function liveModelOfRun(endpoint: EndpointState, runId: string): DeployedModelInfo | undefined {
  const id = deployedModelIdForRun(runId);
  return (
    endpoint.deployedModels.find((m) => m.id === id) ??
    endpoint.deployedModels.find((m) => m.displayName?.includes(runId))
  );
}

/**
 * Moves `default` (and adds `v<N>`) to the run's version once it serves, so a failed deployment never leaves
 * `default` on a version that does not. Idempotent; a transient error is rethrown (the run stays DEPLOYING and the
 * next tick tries again), a permanent one is logged and does not hold back the run.
 */
async function pointAliases(ctx: StepContext, run: RunRecord): Promise<void> {
  const model = run.training?.model;
  if (!model) return;
  const aliases = ['default', `v${run.training?.endpointVersion}`];
  try {
    await ctx.ports.registry.setVersionAliases(model, aliases);
  } catch (err) {
    if (classifyError(err) === 'transient') throw err;
    ctx.log.error({ runId: run.runId, model, aliases, err }, `could not set the version aliases: ${errorMessage(err)}`);
  }
}

/** A deployment of `run` is live as `liveId`: aliases, the DEPLOYED record, then keep-K clean-up. */
export async function goLive(
  ctx: StepContext,
  run: RunRecord,
  liveId: string,
  endpoint: EndpointState,
): Promise<'deployed' | 'waiting'> {
  const { runId } = run;
  await pointAliases(ctx, run);
  const { changed } = await ctx.ledger.update(runId, {
    type: 'deployed',
    at: nowIso(ctx),
    deployedModelId: liveId,
    traffic: endpoint.trafficSplit,
  });
  if (!changed) return 'waiting';
  ctx.log.info({ runId, deployedModelId: liveId, traffic: endpoint.trafficSplit }, 'run deployed');
  await cleanUp(ctx, runId, liveId);
  return 'deployed';
}

async function reconcileDeploy(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  const { runId } = run;
  const opName = run.deploy?.operationName;
  if (!opName) {
    // Either not started, or started with the record lost: the run's deployed model shows up once it is live.
    const endpoint = await ctx.ports.endpoint.getEndpoint();
    const live = liveModelOfRun(endpoint, runId);
    if (live) return goLive(ctx, run, live.id, endpoint);
    // A stalled claim goes back to onTrainingStatus, whose deployModel answers ALREADY_EXISTS while one is running.
    return stalled(ctx, run.deploy?.claim) ? announce(ctx, runId, run.training?.name) : 'waiting';
  }
  const op = await ctx.ports.endpoint.getOperation(opName);
  if (!op.done) return 'waiting';
  if (op.error) {
    await failRun(ctx, runId, ['DEPLOYING'], 'DeployFailed', `deployment ${opName} failed: ${op.error}`);
    return 'failed';
  }
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const liveId = op.deployedModelId ?? liveModelOfRun(endpoint, runId)?.id;
  if (!liveId) {
    await failRun(
      ctx,
      runId,
      ['DEPLOYING'],
      'DeployedModelMissing',
      `deployment ${opName} finished but no deployed model names run ${runId}`,
    );
    return 'failed';
  }
  return goLive(ctx, run, liveId, endpoint);
}

/** One reconciler pass over every in-flight run. A run's error is logged and does not stop the others. */
export async function reconcile(ctx: StepContext): Promise<StepResult> {
  const counts: Record<string, number> = {
    waiting: 0,
    announced: 0,
    deployed: 0,
    failed: 0,
    retaken: 0,
    reports: 0,
    errors: 0,
  };
  const byState = {
    RECEIVED: reconcileReceived,
    BUILDING: reconcileBuilding,
    TRAINING: reconcileTraining,
    DEPLOYING: reconcileDeploy,
  } as const;
  for (const run of await ctx.ledger.list()) {
    if (needsFinalizing(run)) {
      try {
        if (await finalizeRun(ctx, run)) counts.reports = (counts.reports ?? 0) + 1;
      } catch (err) {
        counts.errors = (counts.errors ?? 0) + 1;
        ctx.log.error({ runId: run.runId, err }, `could not write the run report: ${errorMessage(err)}`);
      }
      continue;
    }
    if (!(run.state in byState)) continue;
    try {
      const outcome = await byState[run.state as keyof typeof byState](ctx, run);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    } catch (err) {
      counts.errors = (counts.errors ?? 0) + 1;
      ctx.log.error({ runId: run.runId, err }, `reconcile failed for this run: ${errorMessage(err)}`);
    }
  }
  return { outcome: 'reconciled', detail: counts };
}
