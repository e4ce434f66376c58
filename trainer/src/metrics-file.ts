// metrics.json v1 (docs/trainer-contract.md, "metrics.json"): what the gate, the registry evaluation, the report and
// the CLI read. Built here from the evaluation, as plain data; main.ts writes it. The trainer never imports
// functions/: the shape follows the contract document, and test/trainer/metrics-file.test.ts validates it against
// the contract's JSON Schema.
import { round, type Confusion, type RocPoint } from './metrics';

export const METRICS_CONTRACT = 'vertex-retrain.metrics/v1';
export const TASK = 'binary-classification';

/** Metric values by name; null where a metric is undefined (NaN: e.g. ROC AUC with one class). */
export type MetricValues = Record<string, number | null>;

export interface MetricsV1 {
  contract: typeof METRICS_CONTRACT;
  task: typeof TASK;
  rows: { total: number; train?: number; holdout?: number };
  holdout?: { description: string; seed: number };
  metrics: MetricValues;
  cv?: { folds: number; metrics: MetricValues };
  baseline?: { modelDir: string; metrics: MetricValues };
  charts?: {
    confusionMatrix?: { labels: string[]; matrix: number[][] };
    roc?: RocPoint[];
    featureImportance?: { feature: string; importance: number }[];
  };
  labels?: { positive: string; names: Record<string, string> };
  extra?: Record<string, unknown>;
}

/** The metrics this trainer writes (trainer.yaml declares the same names, with their direction). */
export interface Figures {
  accuracy: number;
  rocAuc: number;
  logLoss: number;
}

/** The figures under their contract names; a NaN or infinite one is null (JSON has no NaN). */
export function metricValues(f: Figures): MetricValues {
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return { accuracy: finite(f.accuracy), rocAuc: finite(f.rocAuc), logLoss: finite(f.logLoss) };
}

/** Rows are the actual class, columns the predicted one, in label order ["0", "1"]. */
export function confusionMatrix(c: Confusion): { labels: string[]; matrix: number[][] } {
  return {
    labels: ['0', '1'],
    matrix: [
      [c.trueNegative, c.falsePositive],
      [c.falseNegative, c.truePositive],
    ],
  };
}

/**
 * Importance of each feature in the final model: the absolute weight of the standardised feature (every feature is
 * scaled to mean 0, std 1 before the fit, so weights compare), as a share of the sum; largest first.
 */
export function featureImportance(
  names: readonly string[],
  weights: readonly number[],
): { feature: string; importance: number }[] {
  const total = weights.reduce((s, w) => s + Math.abs(w), 0);
  if (!(total > 0)) return [];
  return names
    .map((feature, j) => ({ feature, importance: round(Math.abs(weights[j] ?? 0) / total) }))
    .sort((a, b) => b.importance - a.importance || (a.feature < b.feature ? -1 : 1));
}

export interface MetricsInput {
  seed: number;
  rows: { total: number; train: number; holdout: number };
  holdout: Figures & { confusion: Confusion; roc: RocPoint[] };
  cv: { folds: number; mean: Figures };
  features: { names: readonly string[]; weights: readonly number[] };
  baseline?: { modelDir: string; figures: Figures };
  extra?: Record<string, unknown>;
}

/** The metrics.json v1 document of one training run. */
export function metricsDocument(input: MetricsInput): MetricsV1 {
  const { seed, rows, holdout, cv, features, baseline, extra } = input;
  const importance = featureImportance(features.names, features.weights);
  return {
    contract: METRICS_CONTRACT,
    task: TASK,
    rows,
    holdout: {
      description: `rows whose hash of '${seed}:<PassengerId>' falls in the lowest 20% (the same ids every run)`,
      seed,
    },
    metrics: metricValues(holdout),
    cv: { folds: cv.folds, metrics: metricValues(cv.mean) },
    ...(baseline ? { baseline: { modelDir: baseline.modelDir, metrics: metricValues(baseline.figures) } } : {}),
    charts: {
      confusionMatrix: confusionMatrix(holdout.confusion),
      roc: holdout.roc,
      ...(importance.length ? { featureImportance: importance } : {}),
    },
    labels: { positive: '1', names: { '0': 'died', '1': 'survived' } },
    ...(extra ? { extra } : {}),
  };
}
