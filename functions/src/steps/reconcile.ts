// Step 4 — the reconciler tick: walks the in-flight runs and moves them on without ever waiting. A finished training
// is announced on the training-events topic (so one code path, onTrainingStatus, handles it); a finished deployment
// makes the run DEPLOYED and undeploys versions beyond keep-K that carry no traffic; a failed one fails the run.
import { errorMessage } from '../pipeline/errors';
import type { RunRecord } from '../pipeline/run-record';
import { claimExpired } from '../pipeline/run-state';
import { planUndeploy, splitWithout } from '../pipeline/traffic-split';
import { BUILD_TAG, runBuildTag } from '../ports';
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

async function reconcileBuilding(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  if (run.build?.id) return stalled(ctx, run.build.claim) ? readBuildBack(ctx, run, run.build.id) : 'waiting';
  const ds = run.dataset;
  if (!ds || run.trigger !== 'dataset-drop' || !stalled(ctx, run.build?.claim)) return 'waiting';
  const { bucket, name, generation, size, md5Hash } = ds;
  await datasetFinalized(ctx, { bucket, name, generation, size, ...(md5Hash ? { md5Hash } : {}) });
  return 'retaken';
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

async function reconcileDeploy(ctx: StepContext, run: RunRecord): Promise<RunOutcome> {
  const { runId } = run;
  const opName = run.deploy?.operationName;
  if (!opName) {
    // The deploy claim's holder died before starting the deployment: hand the run back to onTrainingStatus.
    return claimExpired(run.deploy?.claim, nowIso(ctx), ctx.config.claimLeaseSeconds)
      ? announce(ctx, runId, run.training?.name)
      : 'waiting';
  }
  const op = await ctx.ports.endpoint.getOperation(opName);
  if (!op.done) return 'waiting';
  if (op.error) {
    await failRun(ctx, runId, ['DEPLOYING'], 'DeployFailed', `deployment ${opName} failed: ${op.error}`);
    return 'failed';
  }
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const liveId = op.deployedModelId ?? endpoint.deployedModels.find((m) => m.displayName?.includes(runId))?.id;
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
  const byState = { BUILDING: reconcileBuilding, TRAINING: reconcileTraining, DEPLOYING: reconcileDeploy } as const;
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
    if (run.state !== 'BUILDING' && run.state !== 'TRAINING' && run.state !== 'DEPLOYING') continue;
    try {
      const outcome = await byState[run.state](ctx, run);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    } catch (err) {
      counts.errors = (counts.errors ?? 0) + 1;
      ctx.log.error({ runId: run.runId, err }, `reconcile failed for this run: ${errorMessage(err)}`);
    }
  }
  return { outcome: 'reconciled', detail: counts };
}
