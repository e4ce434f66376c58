// How a claimed side effect runs: the claim is held, the action is tried; a transient error releases the claim (so the
// redelivery retakes it at once, checking before creating) and is rethrown for a retry; a permanent error fails the
// run with its reason and is acknowledged. Once the side effect itself was issued, a failure to record it keeps the
// claim: only the lease's expiry lets anyone retake it, since "check before create" cannot see everything at once
// (a Vertex deployment is not listed on its endpoint until it is done, 10–20 minutes later).
import { classifyError, errorMessage, errorReason, RetryableError } from '../pipeline/errors';
import type { RunState, Stage } from '../pipeline/run-record';
import { nowIso, type StepContext, type StepResult } from './context';

const STATE_OF: Record<Stage, RunState> = {
  build: 'BUILDING',
  training: 'TRAINING',
  deploy: 'DEPLOYING',
  scoring: 'SCORING',
};

/**
 * The side effect was issued but recording it failed: retried like any transient error, but the claim is kept, so a
 * redelivery is a duplicate and the stage is only retaken once the lease expires.
 */
export class UnrecordedEffectError extends RetryableError {
  override name = 'UnrecordedEffectError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs `action` under the run's `stage` claim. */
export async function underClaim(
  ctx: StepContext,
  runId: string,
  stage: Stage,
  action: () => Promise<StepResult>,
): Promise<StepResult> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof UnrecordedEffectError) {
      ctx.log.warn({ stage, err }, `claim kept until its lease expires: ${err.message}`);
      throw err;
    }
    if (classifyError(err) === 'transient') {
      await ctx.ledger.update(runId, { type: 'releaseClaim', at: nowIso(ctx), stage });
      throw err;
    }
    await failRun(ctx, runId, [STATE_OF[stage]], errorReason(err), errorMessage(err));
    return { outcome: 'failed', runId, detail: { reason: errorReason(err), message: errorMessage(err) } };
  }
}

/**
 * Runs the part of a step between "the run exists" and "the step holds its claim". A permanent error there (the
 * store refusing to read the dataset, the publisher or the ledger rejecting a write) would otherwise be acknowledged
 * with the run left in `from` forever; instead the same step fails the run with the reason. Transient errors are
 * rethrown for a redelivery. If recording the failure itself fails, that error propagates (a transient one is retried;
 * the reconciler retakes a run left RECEIVED past the claim lease).
 */
export async function failOnPermanent(
  ctx: StepContext,
  runId: string,
  from: RunState[],
  action: () => Promise<StepResult>,
): Promise<StepResult> {
  try {
    return await action();
  } catch (err) {
    if (classifyError(err) === 'transient') throw err;
    await failRun(ctx, runId, from, errorReason(err), errorMessage(err));
    return { outcome: 'failed', runId, detail: { reason: errorReason(err), message: errorMessage(err) } };
  }
}

/** Records a permanent failure on the run (only while it is in one of `from`) and logs it. */
export async function failRun(
  ctx: StepContext,
  runId: string,
  from: RunState[],
  reason: string,
  message: string,
): Promise<void> {
  const { changed } = await ctx.ledger.update(runId, { type: 'fail', at: nowIso(ctx), from, reason, message });
  if (changed) ctx.log.error({ reason }, `run failed: ${message}`);
}
