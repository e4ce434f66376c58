// metrics.json v1: what a trainer writes next to its model. Checked against schemas/metrics.schema.json and against
// the manifest (every metric name declared, the task the manifest says). A malformed file fails the run with a
// reason naming the field; a missing optional section is listed by `missingSections` so the report can say so.
import metricsSchema from './schemas/metrics.schema.json';
import { check, ContractError, newAjv } from './ajv';
import type { Task, TrainerManifest } from './manifest';

export const METRICS_CONTRACT = 'vertex-retrain.metrics/v1';

export type MetricValues = Record<string, number | null>;

export interface MetricsFile {
  contract: typeof METRICS_CONTRACT;
  task: Task;
  rows: { total: number; train?: number; holdout?: number };
  holdout?: { description?: string; seed?: number; pinned?: boolean };
  metrics: MetricValues;
  cv?: { folds: number; metrics: MetricValues };
  baseline?: { modelDir?: string; metrics: MetricValues };
  charts?: {
    confusionMatrix?: { labels: string[]; matrix: number[][] };
    roc?: { fpr: number; tpr: number; threshold?: number }[];
    predictedVsActual?: { actual: number; predicted: number }[];
    residuals?: { predicted: number; residual: number }[];
    featureImportance?: { feature: string; importance: number }[];
  };
  labels?: { positive?: string; names?: Record<string, string> };
  extra?: Record<string, unknown>;
}

/** Standard metric names (a manifest may declare others). */
export const STANDARD_METRICS: Record<'classification' | 'regression', readonly string[]> = {
  classification: ['accuracy', 'rocAuc', 'logLoss', 'precision', 'recall', 'f1'],
  regression: ['mae', 'rmse', 'r2', 'mape'],
};

const validate = newAjv().compile(metricsSchema);

/**
 * Parses metrics.json (text or an already-parsed value) and checks it against the manifest.
 * Throws ContractError whose problems name each bad field (`metrics.f1: not declared in trainer.yaml metrics`).
 */
export function parseMetricsFile(
  json: unknown, // the file's text, or the JSON already parsed
  manifest: Pick<TrainerManifest, 'metrics' | 'task'>,
): MetricsFile {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ContractError('metrics.json', [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  const file = check<MetricsFile>(validate, value, 'metrics.json');
  const declared = new Set(manifest.metrics.map((m) => m.name));
  const problems: string[] = [];
  if (file.task !== manifest.task) problems.push(`task: "${file.task}" but trainer.yaml says "${manifest.task}"`);
  const sections: [string, MetricValues | undefined][] = [
    ['metrics', file.metrics],
    ['cv.metrics', file.cv?.metrics],
    ['baseline.metrics', file.baseline?.metrics],
  ];
  for (const [where, values] of sections)
    for (const name of Object.keys(values ?? {}))
      if (!declared.has(name))
        problems.push(`${where}.${name}: not declared in trainer.yaml metrics (${[...declared].join(', ')})`);
  const cm = file.charts?.confusionMatrix;
  if (cm && (cm.matrix.length !== cm.labels.length || cm.matrix.some((r) => r.length !== cm.labels.length)))
    problems.push(
      `charts.confusionMatrix.matrix: must be ${cm.labels.length} x ${cm.labels.length} (one row and column per label)`,
    );
  if (problems.length > 0) throw new ContractError('metrics.json', problems);
  return file;
}

/** An optional part of metrics.json a reader may show, and what it is for. */
export type Section =
  | 'rows.holdout'
  | 'holdout'
  | 'cv'
  | 'baseline'
  | 'charts.confusionMatrix'
  | 'charts.roc'
  | 'charts.predictedVsActual'
  | 'charts.residuals'
  | 'charts.featureImportance';

const CLASSIFICATION_SECTIONS: Section[] = ['charts.confusionMatrix', 'charts.roc'];
const REGRESSION_SECTIONS: Section[] = ['charts.predictedVsActual', 'charts.residuals'];

/**
 * The optional sections that apply to the file's task and are absent, in a stable order, so a report hides each one
 * *and says so* ("no ROC points in metrics.json"). ROC applies to binary classification only.
 */
export function missingSections(file: MetricsFile): Section[] {
  const present: Record<Section, boolean> = {
    'rows.holdout': file.rows.holdout !== undefined,
    holdout: file.holdout !== undefined,
    cv: file.cv !== undefined,
    baseline: file.baseline !== undefined,
    'charts.confusionMatrix': file.charts?.confusionMatrix !== undefined,
    'charts.roc': (file.charts?.roc?.length ?? 0) > 0,
    'charts.predictedVsActual': (file.charts?.predictedVsActual?.length ?? 0) > 0,
    'charts.residuals': (file.charts?.residuals?.length ?? 0) > 0,
    'charts.featureImportance': (file.charts?.featureImportance?.length ?? 0) > 0,
  };
  const byTask =
    file.task === 'regression'
      ? REGRESSION_SECTIONS
      : CLASSIFICATION_SECTIONS.filter((s) => s !== 'charts.roc' || file.task === 'binary-classification');
  const applicable: Section[] = ['rows.holdout', 'holdout', 'cv', 'baseline', ...byTask, 'charts.featureImportance'];
  return applicable.filter((s) => !present[s]);
}
