// Step 3 — a training outcome message ({runId, trainingName?}): re-read the training rather than trust the message;
// not finished → retry later; succeeded → gate against the serving version, then either claim the deploy (evaluation,
// deployModel with the planned split; the aliases move once it is live) or hold the version with the comparison;
// failed → fail the run.
import { errorMessage, RetryableError } from '../pipeline/errors';
import { decide, type GateDecision } from '../pipeline/quality-gate';
import type { RunRecord } from '../pipeline/run-record';
import { planDeploySplit } from '../pipeline/traffic-split';
import { deployedModelIdForRun, isAlreadyExists } from '../ports';
import { nowIso, type StepContext, type StepResult } from './context';
import { readRunMetrics, servingRun, toEvaluation } from './metrics';
import { goLive, liveModelOfRun } from './reconcile';
import { failRun, underClaim, UnrecordedEffectError } from './side-effect';

export interface TrainingNotice {
  runId: string;
  trainingName?: string;
}

/** Imports the run's evaluation into the registry and notes it on the run record. */
async function importEvaluation(
  ctx: StepContext,
  runId: string,
  model: { name: string; versionId: string },
  metrics: Record<string, number>,
) {
  const evaluation = toEvaluation(runId, metrics);
  await ctx.ports.registry.importEvaluation(model, evaluation);
  await ctx.ledger.update(runId, { type: 'evaluationImported', at: nowIso(ctx), evaluation });
}

/**
 * Deploys a run holding the deploy claim (after the gate, or an operator's override of a HELD run). Every attempt asks
 * for the same deployed model id, so a deployment already started for the run — even one still in progress, which
 * the endpoint does not list yet — makes deployModel answer ALREADY_EXISTS instead of starting a second one.
 */
export async function deploy(ctx: StepContext, run: RunRecord): Promise<StepResult> {
  const { runId } = run;
  const model = run.training?.model as { name: string; versionId: string };
  const endpointVersion = run.training?.endpointVersion as number;
  const deployedModelId = deployedModelIdForRun(runId);
  return underClaim(ctx, runId, 'deploy', async () => {
    if ((run.deploy?.claim?.attempt ?? 1) > 1) {
      const endpoint = await ctx.ports.endpoint.getEndpoint();
      const live = liveModelOfRun(endpoint, runId);
      if (live) {
        await goLive(ctx, run, live.id, endpoint);
        return { outcome: 'deploy-found', runId, detail: { deployedModelId: live.id } };
      }
    }
    // Best effort: the evaluation is for people reading the registry, not a reason to hold back a better model.
    if (!run.evaluation) {
      await importEvaluation(ctx, runId, model, run.metrics ?? {}).catch((err: unknown) =>
        ctx.log.error({ runId, err }, `could not import the evaluation; deploying anyway: ${errorMessage(err)}`),
      );
    }
    const trafficSplit = run.deploy?.requestedSplit ?? { '0': 100 };
    let operationName: string;
    try {
      ({ operationName } = await ctx.ports.endpoint.deployModel({
        runId,
        model,
        endpointVersion,
        trafficSplit,
        deployedModelId,
      }));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Started by an earlier attempt whose record was lost. The claim is kept: the reconciler records the run once
      // the deployed model is on the endpoint, or retakes after the lease (a failed deployment frees the id again).
      ctx.log.warn({ runId, deployedModelId }, 'a deployment of this run is already in progress; waiting for it');
      return { outcome: 'deploy-in-progress', runId, detail: { deployedModelId } };
    }
    try {
      await ctx.ledger.update(runId, { type: 'deployStarted', at: nowIso(ctx), operationName });
    } catch (err) {
      throw new UnrecordedEffectError(`deployment ${operationName} started but not recorded: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    ctx.log.info({ runId, operationName, deployedModelId, trafficSplit, model }, 'deployment started');
    return { outcome: 'deploy-started', runId, detail: { operationName, trafficSplit } };
  });
}

/** Handles one training outcome message. Throws only transient errors (including "not finished yet"). */
export async function trainingStatus(ctx: StepContext, notice: TrainingNotice): Promise<StepResult> {
  const { runId } = notice;
  const run = await ctx.ledger.get(runId);
  if (!run) return { outcome: 'unknown-run', runId };
  const at = nowIso(ctx);
  const lease = ctx.config.claimLeaseSeconds;
  if (run.state === 'DEPLOYING') {
    // Only a deploy whose holder gave up or died is picked up again here.
    const retake = await ctx.ledger.update(runId, {
      type: 'claimDeploy',
      at,
      leaseSeconds: lease,
      model: run.training?.model as { name: string; versionId: string },
      metrics: run.metrics ?? {},
      gate: run.gate as GateDecision,
      requestedSplit: run.deploy?.requestedSplit ?? { '0': 100 },
    });
    return retake.changed ? deploy(ctx, retake.record) : { outcome: 'duplicate', runId };
  }
  if (run.state !== 'TRAINING') return { outcome: 'duplicate', runId, detail: { state: run.state } };

  const name = run.training?.name ?? notice.trainingName ?? (await ctx.ports.training.findTrainingForRun(runId))?.name;
  if (!name) throw new RetryableError(`run ${runId}: training not submitted yet`);
  const status = await ctx.ports.training.getTraining(name);
  if (status.runId !== undefined && status.runId !== runId) {
    // The message named another run's training: acting on it would deploy someone else's model under this run.
    ctx.log.error(
      { runId, trainingName: name, trainingRunId: status.runId },
      'training belongs to another run; ignored',
    );
    return { outcome: 'ignored', runId, detail: { trainingName: name, trainingRunId: status.runId } };
  }
  if (status.state === 'PENDING' || status.state === 'RUNNING')
    throw new RetryableError(`run ${runId}: training ${name} is ${status.state}`);
  if (status.state !== 'SUCCEEDED' || !status.model) {
    const why =
      status.state === 'SUCCEEDED' ? 'succeeded without an uploaded model' : (status.error ?? 'no error given');
    await failRun(ctx, runId, ['TRAINING'], `Training${status.state}`, `training ${name} ${status.state}: ${why}`);
    return { outcome: 'training-failed', runId, detail: { state: status.state } };
  }

  const model = status.model;
  let metrics: Record<string, number>;
  try {
    metrics = await readRunMetrics(
      ctx,
      run.training?.baseOutputDir ?? `gs://${ctx.config.artifactsBucket}/runs/${runId}/`,
    );
  } catch (err) {
    if ((err as Error).name !== 'MetricsError') throw err;
    await failRun(ctx, runId, ['TRAINING'], 'MetricsMissing', (err as Error).message);
    return { outcome: 'failed', runId };
  }
  const endpoint = await ctx.ports.endpoint.getEndpoint();
  const serving = servingRun(endpoint, await ctx.ledger.list());
  const gate = decide(ctx.config.gate, metrics[ctx.config.gate.metric], serving?.metrics?.[ctx.config.gate.metric]);

  if (!gate.promote) {
    const { changed } = await ctx.ledger.update(runId, { type: 'hold', at, model, metrics, gate });
    if (!changed) return { outcome: 'duplicate', runId };
    ctx.log.warn({ runId, gate }, `version held by the quality gate: ${gate.reason}`);
    // Best effort: the evaluation is for people reading the registry; the run is already final.
    await importEvaluation(ctx, runId, model, metrics).catch((err: unknown) =>
      ctx.log.error({ runId, err }, 'could not import the evaluation of a held version'),
    );
    return { outcome: 'held', runId, detail: { reason: gate.reason } };
  }
  const requestedSplit = planDeploySplit(endpoint, ctx.config.trafficPolicy);
  const claim = await ctx.ledger.update(runId, {
    type: 'claimDeploy',
    at,
    leaseSeconds: lease,
    model,
    metrics,
    gate,
    requestedSplit,
  });
  if (!claim.changed) return { outcome: 'duplicate', runId };
  ctx.log.info({ runId, gate, servingRun: serving?.runId }, `quality gate passed: ${gate.reason}`);
  return deploy(ctx, claim.record);
}
