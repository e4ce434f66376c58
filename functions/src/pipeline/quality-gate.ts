// The quality gate's rule: a new version is promoted only if its hold-out metric clears the floor and is no worse than
// the serving version's by more than the tolerance. Pure. Which figures it compares (the trainer's metrics.json, the
// serving version scored on the same rows or as recorded) is contract/gate-comparison.ts; the metric, its direction
// and the floor come from the trainer's manifest (contract/manifest.ts) and the GATE_* overrides.

/** Rounds away float noise (0.8 - 0.01 = 0.7900000000000001) so equal-looking figures compare equal. */
const clean = (v: number): number => Math.round(v * 1e9) / 1e9;

/** The rule, for a usable candidate figure (the caller words the unusable case itself). */
export interface GateRule {
  metric: string;
  lower: boolean;
  floor: number;
  tolerance: number;
}

/**
 * Applies the floor and the serving ∓ tolerance rule. `servingNote` is appended to the serving figure's wording
 * (e.g. which rows it was measured on).
 */
export function gateRule(
  rule: GateRule,
  candidate: number,
  serving: number | undefined,
  servingNote = '',
): { promote: boolean; threshold: number; reason: string } {
  const { lower, metric, floor, tolerance } = rule;
  const better = (a: number, b: number): boolean => (lower ? a <= b : a >= b);
  const relative = serving === undefined ? undefined : clean(lower ? serving + tolerance : serving - tolerance);
  const threshold = relative === undefined ? floor : lower ? Math.min(floor, relative) : Math.max(floor, relative);
  const op = lower ? '<=' : '>=';
  const servingText =
    serving === undefined
      ? 'no serving version to compare with'
      : `serving ${serving} ${lower ? '+' : '-'} tolerance ${tolerance} = ${relative}${servingNote}`;
  if (!better(candidate, floor))
    return { promote: false, threshold, reason: `${metric} ${candidate} fails the floor (${op} ${floor})` };
  if (relative !== undefined && !better(candidate, relative))
    return { promote: false, threshold, reason: `${metric} ${candidate} is worse than ${servingText}` };
  return {
    promote: true,
    threshold,
    reason: `${metric} ${candidate} ${op} ${threshold} (floor ${floor}; ${servingText})`,
  };
}
