// Why a run ended where it did, in one phrase: the CLI's runs table and the dashboard's REASON column.
import type { RunRecord } from './run-record';

/** The record fields the phrase reads. */
export type ReasonRun = Pick<RunRecord, 'state' | 'rejection' | 'gate' | 'errors' | 'override'>;

/**
 * The first rejection reason (and how many more), the last error of a failed run, the gate's reason for a held
 * one, who deployed a version despite the gate; '' for a run that is moving or deployed normally.
 */
export function runReason(run: ReasonRun): string {
  if (run.state === 'REJECTED' && run.rejection) {
    const { reasons, problemCount } = run.rejection;
    const more = Math.max(problemCount, reasons.length) - 1;
    return `${reasons[0] ?? 'invalid dataset'}${more > 0 ? ` (+${more} more)` : ''}`;
  }
  const e = run.errors.at(-1);
  if (run.state === 'FAILED') return e ? `${e.reason}: ${e.message}` : '';
  if (run.state === 'HELD') return run.gate?.reason ?? '';
  if (run.override) return `deployed despite the gate by ${run.override.by}`;
  return '';
}
