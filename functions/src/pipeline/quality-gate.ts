// The quality gate: a new version is promoted only if its hold-out metric clears the floor and is no worse than the
// serving version's by more than the tolerance. Pure; the decision carries the comparison so the run record explains
// itself.

export const GATE_METRICS = ['accuracy', 'rocAuc', 'logLoss'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];

export interface GatePolicy {
  metric: GateMetric;
  /** Lowest acceptable value (highest, for logLoss). */
  floor: number;
  /** How much worse than the serving version the candidate may be. */
  tolerance: number;
}

export interface GateDecision {
  promote: boolean;
  metric: GateMetric;
  /** 'higher' or 'lower' is better. */
  direction: 'higher' | 'lower';
  candidate: number | null;
  serving: number | null;
  floor: number;
  tolerance: number;
  /** The value the candidate had to reach: the stricter of the floor and serving ∓ tolerance. */
  threshold: number | null;
  reason: string;
}

const LOWER_IS_BETTER: ReadonlySet<GateMetric> = new Set(['logLoss']);

const usable = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
/** Rounds away float noise (0.8 - 0.01 = 0.7900000000000001) so equal-looking figures compare equal. */
const clean = (v: number): number => Math.round(v * 1e9) / 1e9;

/**
 * Decides whether the candidate is promoted.
 * @param candidate the new version's hold-out metric (undefined or NaN when missing)
 * @param serving the serving version's metric; undefined when nothing serves yet or its metrics are unknown
 */
export function decide(policy: GatePolicy, candidate: number | undefined, serving: number | undefined): GateDecision {
  const lower = LOWER_IS_BETTER.has(policy.metric);
  const base = {
    metric: policy.metric,
    direction: lower ? ('lower' as const) : ('higher' as const),
    candidate: usable(candidate) ? candidate : null,
    serving: usable(serving) ? serving : null,
    floor: policy.floor,
    tolerance: policy.tolerance,
  };
  if (!usable(candidate))
    return {
      ...base,
      promote: false,
      threshold: null,
      reason: `candidate has no usable ${policy.metric} (${candidate})`,
    };

  return { ...base, ...gateRule({ ...policy, lower }, candidate, usable(serving) ? serving : undefined) };
}

/** The rule both gates share, for a usable candidate figure (the callers word the unusable case themselves). */
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
