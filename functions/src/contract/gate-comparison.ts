// The like-for-like quality gate, pure. The candidate is promoted only if its hold-out metric clears the floor and
// is no worse than the serving version's by more than the tolerance (today's rule, pipeline/quality-gate.ts). What
// changed is which serving figure it compares with: the serving model scored by the trainer on the candidate's own
// hold-out (metrics.json `baseline`) when there is one; otherwise the figure recorded when the serving version was
// trained, on other data, and the decision says "not like-for-like".
import { gateRule } from '../pipeline/quality-gate';
import { ContractError } from './ajv';
import { metricDirection, type Direction, type TrainerManifest } from './manifest';
import type { MetricsFile } from './metrics-file';

export interface GatePolicy {
  metric: string;
  direction: Direction;
  /** Lowest acceptable value (highest, when lower is better). */
  floor: number;
  /** How much worse than the serving version the candidate may be. */
  tolerance: number;
}

/** What the configuration may override of the manifest's gate (GATE_METRIC, GATE_FLOOR, GATE_TOLERANCE). */
export type GateOverrides = Partial<Pick<GatePolicy, 'metric' | 'floor' | 'tolerance'>>;

/**
 * The gate of a trainer: the manifest's `gate` with the configuration's overrides. The metric must be one the manifest
 * declares (its direction comes from there). A GATE_METRIC override without GATE_FLOOR keeps the manifest's floor only
 * when the metric is the manifest's own: a floor means nothing for another metric. Throws ContractError naming the
 * variable.
 */
export function gatePolicy(
  manifest: Pick<TrainerManifest, 'metrics' | 'gate'>,
  overrides: GateOverrides = {},
): GatePolicy {
  const metric = overrides.metric ?? manifest.gate.metric;
  const direction = metricDirection(manifest, metric);
  const declared = manifest.metrics.map((m) => m.name).join(', ');
  const problems: string[] = [];
  if (!direction) problems.push(`GATE_METRIC: "${metric}" is not one of the trainer's declared metrics (${declared})`);
  const floor = overrides.floor ?? (metric === manifest.gate.metric ? manifest.gate.floor : undefined);
  if (floor === undefined)
    problems.push(
      `GATE_FLOOR: required when GATE_METRIC (${metric}) is not the manifest's gate metric (${manifest.gate.metric})`,
    );
  if (problems.length > 0 || !direction || floor === undefined) throw new ContractError('gate', problems);
  return { metric, direction, floor, tolerance: overrides.tolerance ?? manifest.gate.tolerance ?? 0 };
}

/**
 * Which serving figure the candidate was compared with:
 * - `like-for-like`: the serving model scored on the candidate's hold-out rows (metrics.json `baseline`);
 * - `recorded`: the serving version's own hold-out figure from its run, measured on other data (not like-for-like);
 * - `none`: nothing to compare with (first run, or no usable serving figure): the floor alone decides.
 */
export type Comparison = 'like-for-like' | 'recorded' | 'none';

export interface GateInputs {
  candidate: Pick<MetricsFile, 'metrics'> & Partial<Pick<MetricsFile, 'baseline' | 'rows' | 'holdout'>>;
  /** The serving version's recorded metrics (from its run), when a version serves. */
  servingRecorded?: Record<string, number | null | undefined>;
  /** The run whose model the trainer scored as its baseline, when that run no longer serves (its figures unused). */
  staleBaseline?: string;
}

export interface GateDecision {
  promote: boolean;
  metric: string;
  direction: Direction;
  candidate: number | null;
  serving: number | null;
  /** Absent on run records written before the like-for-like gate. */
  comparison?: Comparison;
  /** Words for the record and report: which rows the two figures were measured on (absent on older records). */
  rows?: string;
  floor: number;
  tolerance: number;
  /** The value the candidate had to reach: the stricter of the floor and serving ∓ tolerance. */
  threshold: number | null;
  reason: string;
}

const usable = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function servingFigure(policy: GatePolicy, inputs: GateInputs): { value: number | undefined; comparison: Comparison } {
  const scored = inputs.candidate.baseline?.metrics[policy.metric];
  if (usable(scored)) return { value: scored, comparison: 'like-for-like' };
  const recorded = inputs.servingRecorded?.[policy.metric];
  if (usable(recorded)) return { value: recorded, comparison: 'recorded' };
  return { value: undefined, comparison: 'none' };
}

function rowsText(inputs: GateInputs, comparison: Comparison): string {
  const stale = inputs.staleBaseline
    ? `; the baseline the trainer scored (run ${inputs.staleBaseline}) no longer serves`
    : '';
  return comparisonText(inputs, comparison) + stale;
}

function comparisonText(inputs: GateInputs, comparison: Comparison): string {
  const n = inputs.candidate.rows?.holdout;
  const holdout = `${n === undefined ? 'the' : `${n}`} hold-out rows${inputs.candidate.holdout?.description ? ` (${inputs.candidate.holdout.description})` : ''}`;
  if (comparison === 'like-for-like') return `both scored on the candidate's ${holdout}`;
  if (comparison === 'recorded')
    return `not like-for-like: candidate on its ${holdout}, serving version on its own hold-out from its run`;
  return `candidate on its ${holdout}; no serving figure to compare with`;
}

/** Decides whether the candidate is promoted. Never throws; a missing or NaN candidate metric holds the run. */
export function decideGate(policy: GatePolicy, inputs: GateInputs): GateDecision {
  const lower = policy.direction === 'lower';
  const candidate = inputs.candidate.metrics[policy.metric];
  const { value: serving, comparison } = servingFigure(policy, inputs);
  const base = {
    metric: policy.metric,
    direction: policy.direction,
    candidate: usable(candidate) ? candidate : null,
    serving: usable(serving) ? serving : null,
    comparison,
    rows: rowsText(inputs, comparison),
    floor: policy.floor,
    tolerance: policy.tolerance,
  };
  if (!usable(candidate))
    return {
      ...base,
      promote: false,
      threshold: null,
      reason: `candidate has no usable ${policy.metric} (${candidate === undefined ? 'missing from metrics.json' : String(candidate)})`,
    };

  const note = comparison === 'recorded' ? ', not like-for-like' : ', like-for-like';
  return { ...base, ...gateRule({ ...policy, lower }, candidate, usable(serving) ? serving : undefined, note) };
}
