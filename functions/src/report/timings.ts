// Per-stage timings from the times a run entered each state: each stage lasts until the next one it reached.
import { TERMINAL_STATES } from '../pipeline/run-record';
import type { ReportStage } from './report-input';

/** Stage order; a run reaches at most one of the terminal states at the end. */
const ORDER: readonly ReportStage[] = [
  'RECEIVED',
  'BUILDING',
  'TRAINING',
  'DEPLOYING',
  'DEPLOYED',
  'HELD',
  'FAILED',
  'REJECTED',
];

export interface StageTiming {
  stage: ReportStage;
  at: string;
  /** Time spent in this stage (until the next recorded stage); undefined for the last one or a bad timestamp. */
  durationMs?: number;
}

export interface Timings {
  rows: StageTiming[];
  /** First to last recorded stage, once the run has ended; undefined while it runs. */
  totalMs?: number;
}

const ms = (at: string): number => Date.parse(at);
const gap = (from: string, to: string): number | undefined => {
  const d = ms(to) - ms(from);
  return Number.isFinite(d) && d >= 0 ? d : undefined;
};

/** A HELD run promoted later went TRAINING → HELD → DEPLOYING: its training ends when it was held. */
const PROMOTED_ORDER: readonly ReportStage[] = [
  'RECEIVED',
  'BUILDING',
  'TRAINING',
  'HELD',
  'DEPLOYING',
  'DEPLOYED',
  'FAILED',
];
const orderOf = (stages: Partial<Record<ReportStage, string>>): readonly ReportStage[] =>
  stages.HELD && stages.DEPLOYING ? PROMOTED_ORDER : ORDER;

/** The stages a run went through, in order, with how long each took. */
export function stageTimings(stages: Partial<Record<ReportStage, string>>): Timings {
  const present = orderOf(stages).flatMap((stage) => {
    const at = stages[stage];
    return at ? [{ stage, at }] : [];
  });
  const rows = present.map((row, i): StageTiming => {
    const next = present[i + 1];
    const durationMs = next ? gap(row.at, next.at) : undefined;
    return durationMs === undefined ? row : { ...row, durationMs };
  });
  const first = present[0];
  const last = present[present.length - 1];
  const ended = last !== undefined && TERMINAL_STATES.has(last.stage) && !(last.stage === 'HELD' && stages.DEPLOYING);
  const totalMs = first && last && ended ? gap(first.at, last.at) : undefined;
  return totalMs === undefined ? { rows } : { rows, totalMs };
}
