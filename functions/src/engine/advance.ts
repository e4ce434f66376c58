// advance(run) = observe → plan → act, again while the action changed the record (a claim taken is acted on at once;
// a deployment gone live is cleaned up at once). Handlers name the run and call this; the tick calls it for every run
// of the ledger's in-flight index.
import { classifyError, errorMessage, errorReason } from '../pipeline/errors';
import { needsFinalizing, plan, undeploysPending } from '../pipeline/plan';
import type { RunRecord } from '../pipeline/run-record';
import { isTerminal } from '../pipeline/run-state';
import { inRun, type StepContext, type StepResult } from './context';
import { act } from './act';
import { observe, type Known } from './observe';
import { failRun } from './side-effect';

/** More than any run needs in one go (claim → effect → … → go live → clean up → report). */
const MAX_ACTIONS = 12;

/** Whether the tick has nothing left to do for the run. */
export const settled = (r: RunRecord): boolean =>
  isTerminal(r.state) &&
  !needsFinalizing(r) &&
  !undeploysPending(r) &&
  (r.state !== 'DEPLOYED' || r.deploy?.undeployed !== undefined || r.deploy?.undeployedAt !== undefined);

export interface Advanced extends StepResult {
  record?: RunRecord;
}

/** Moves the run on as far as it can go now, every line it logs naming the run. Throws only transient errors. */
export const advance = (ctx: StepContext, runId: string, known: Known): Promise<Advanced> =>
  inRun(ctx, runId, (runCtx) => advanceRun(runCtx, runId, known));

async function advanceRun(ctx: StepContext, runId: string, known: Known): Promise<Advanced> {
  let record = await ctx.ledger.get(runId);
  if (!record) return { outcome: 'unknown-run', runId };
  const outcomes: string[] = [];
  let changedAny = false;
  let holdsClaim: Known['holdsClaim'];
  for (let i = 0; i < MAX_ACTIONS; i++) {
    const current: RunRecord = record;
    let acted;
    try {
      const o = await observe(ctx, current, { ...known, ...(holdsClaim ? { holdsClaim } : {}) });
      const action = plan(current, o, ctx.config);
      // Reports are the tick's: an event (or its redelivery) for a final run changes nothing.
      if (action.kind === 'finalize' && known.source !== 'tick') break;
      if (action.kind === 'wait' && action.retry && i > 0) break;
      acted = await act(ctx, current, action);
    } catch (err) {
      const retake = current.state === 'RECEIVED' || (current.state === 'BUILDING' && !current.build?.id);
      if (classifyError(err) === 'transient' || isTerminal(current.state) || (known.source === 'tick' && !retake))
        throw err;
      // A permanent error before any claim guards the step: fail the run with the reason rather than leave it.
      await failRun(ctx, runId, [current.state], errorReason(err), errorMessage(err));
      return { outcome: 'failed', runId, detail: { reason: errorReason(err), message: errorMessage(err) } };
    }
    outcomes.push(acted.outcome);
    record = acted.record;
    holdsClaim = acted.claimed;
    if (!acted.changed) break;
    changedAny = true;
  }
  // An event that moved nothing: another delivery did (or is doing) it.
  if (!changedAny && known.source !== 'tick' && known.source !== 'operator')
    return { outcome: 'duplicate', runId, record, detail: { state: record.state, steps: outcomes } };
  const last = outcomes.filter((o) => o !== 'waiting' && o !== 'done').at(-1) ?? outcomes.at(-1) ?? 'waiting';
  return { outcome: last, runId, record, detail: { state: record.state, steps: outcomes } };
}
