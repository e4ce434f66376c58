// The run report's input from a run record (and the trainer's metrics.json when it could be read). Pure: the record
// itself is the input; metrics.json is checked against the trainer's manifest.
import type { RunRecord } from '../pipeline/run-record';
import { ContractError } from '../contract/ajv';
import type { TrainerManifest } from '../contract/manifest';
import { parseMetricsFile } from '../contract/metrics-file';
import type { ReportMetrics, RunReportInput } from './report-input';

/** metrics.json (its text, undefined when absent) checked against the trainer's manifest, for the report. */
export function reportMetrics(
  text: string | undefined,
  manifest: Pick<TrainerManifest, 'metrics' | 'task'>,
): ReportMetrics | undefined {
  if (text === undefined) return undefined;
  try {
    return { file: parseMetricsFile(text, manifest), declared: manifest.metrics };
  } catch (err) {
    return { error: err instanceof ContractError ? err.message : String(err) };
  }
}

/** The report's input: the run record itself, with what the record does not hold. */
export function reportInputFromRecord(
  r: RunRecord,
  extra: { generatedAt?: string; endpoint?: string; metrics?: ReportMetrics | undefined } = {},
): RunReportInput {
  // The record's `metrics` are the gate's figures; the report reads metrics.json itself.
  const { metrics: _figures, ...record } = r;
  return {
    ...record,
    ...(extra.generatedAt ? { generatedAt: extra.generatedAt } : {}),
    ...(extra.endpoint ? { endpoint: extra.endpoint } : {}),
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
  };
}
