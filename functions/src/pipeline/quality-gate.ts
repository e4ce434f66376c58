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

  const better = (a: number, b: number): boolean => (lower ? a <= b : a >= b);
  const relative = usable(serving) ? clean(lower ? serving + policy.tolerance : serving - policy.tolerance) : undefined;
  const threshold =
    relative === undefined ? policy.floor : lower ? Math.min(policy.floor, relative) : Math.max(policy.floor, relative);
  const op = lower ? '<=' : '>=';
  const servingText = usable(serving)
    ? `serving ${serving} ${lower ? '+' : '-'} tolerance ${policy.tolerance} = ${relative}`
    : 'no serving version to compare with';

  if (!better(candidate, policy.floor))
    return {
      ...base,
      promote: false,
      threshold,
      reason: `${policy.metric} ${candidate} fails the floor (${op} ${policy.floor})`,
    };
  if (relative !== undefined && !better(candidate, relative))
    return { ...base, promote: false, threshold, reason: `${policy.metric} ${candidate} is worse than ${servingText}` };
  return {
    ...base,
    promote: true,
    threshold,
    reason: `${policy.metric} ${candidate} ${op} ${threshold} (floor ${policy.floor}; ${servingText})`,
  };
}
