// Batch scoring, pure: a validated scoring CSV's rows → the JSONL instances a BatchPredictionJob reads, and the job's
// output lines → the rows of `<name>.predictions.csv`, in input order, plus a summary (rows, model version,
// duration, cost). The job's output order is not guaranteed (many replicas, many files), so every instance carries
// its row index under ROW_KEY; the job is told it is the key field (InstanceConfig.key_field), so the model never
// sees it and each output line names its row as `key`.
import { DEFAULT_PRICING, type PricingTable, roundUsd } from './cost';

/** The instance field holding the row index (0-based); the job's key field. */
export const ROW_KEY = 'vertex_retrain_row';

/** The dataset schema's columns that matter for scoring (the contract's TableRules has these fields). */
export interface ScoringColumns {
  /** The id column, copied to the output; absent = the output names rows by number. */
  id?: string;
  /** The model's inputs, in the order instances list them. */
  features: readonly string[];
}

/** One validated row: column → cell value (typed by the validator; null = missing). */
export type InputRow = Readonly<Record<string, unknown>>;

/** How a predictions file's name ends (the drop handler leaves these alone). */
export const PREDICTIONS_SUFFIX = '.predictions.csv';

/** `score/test.csv` → `score/test.predictions.csv` (next to the input). */
export function predictionsObjectName(inputName: string): string {
  return `${inputName.replace(/\.csv$/i, '')}${PREDICTIONS_SUFFIX}`;
}

/** One JSON object per line: ROW_KEY, then the feature columns the row has (an absent column is left out). */
export function toInstanceLines(rows: readonly InputRow[], columns: ScoringColumns): string {
  if (columns.features.includes(ROW_KEY)) throw new Error(`a feature column may not be named ${ROW_KEY}`);
  let out = '';
  rows.forEach((row, index) => {
    const instance: Record<string, unknown> = { [ROW_KEY]: index };
    for (const f of columns.features) if (row[f] !== undefined) instance[f] = row[f];
    out += `${JSON.stringify(instance)}\n`;
  });
  return out;
}

/** One output file of the job: its name (for messages) and its JSONL text. */
export interface OutputFile {
  name: string;
  text: string;
}

/** The output lines do not give exactly one prediction per input row; each list names the rows. */
export class BatchResultsError extends Error {
  constructor(
    message: string,
    readonly missing: number[],
    readonly failed: number[],
    readonly conflicting: number[],
    readonly malformed: string[],
  ) {
    super(message);
    this.name = 'BatchResultsError';
  }
}

export interface MergedPredictions {
  /** The id column (or `row`), then the prediction's columns. */
  header: string[];
  /** One per input row, in input order. */
  records: string[][];
  /** header + records as CSV text. */
  csv: string;
}

/** How many rows an error message lists before "and N more". */
export const LISTED_ROWS = 20;

type Outcome = { prediction: unknown; text: string } | { error: string };

/** The row index a line names: `key` (key field set) or ROW_KEY inside `instance`. */
function rowOf(line: Record<string, unknown>): number | undefined {
  const raw = line.key ?? (line.instance as Record<string, unknown> | undefined)?.[ROW_KEY];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : JSON.stringify(e);
}

/** Reads every output line into row index → outcome, collecting lines that name no row and rows told twice. */
function collect(outputs: readonly OutputFile[], rowCount: number) {
  const byRow = new Map<number, Outcome>();
  const conflicting = new Set<number>();
  const malformed: string[] = [];
  for (const file of outputs) {
    file.text.split(/\r?\n/).forEach((text, i) => {
      if (text.trim() === '') return;
      const where = `${file.name} line ${i + 1}`;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return void malformed.push(`${where}: not JSON`);
      }
      const row = typeof line === 'object' && line !== null ? rowOf(line) : undefined;
      if (row === undefined || row >= rowCount) return void malformed.push(`${where}: names no input row`);
      const outcome: Outcome =
        'prediction' in line
          ? { prediction: line.prediction, text: JSON.stringify(line.prediction) }
          : { error: 'error' in line ? errorText(line.error) : 'no prediction' };
      const seen = byRow.get(row);
      // A replica retried after writing part of its shard repeats lines: the same prediction twice is one, and a
      // prediction after an error for the same row wins. Two different predictions for one row are a conflict.
      if (seen && 'text' in seen && 'text' in outcome && seen.text !== outcome.text) conflicting.add(row);
      if (!seen || 'error' in seen) byRow.set(row, outcome);
    });
  }
  return { byRow, conflicting, malformed };
}

/** A CSV cell: quoted when it holds a delimiter, a quote, a line break or edge spaces (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Merges the job's output lines into one record per input row, in input order: the row's id (or its 1-based
 * number), then the prediction: an object's fields as columns (e.g. `label, probability` or `value`), any other
 * value as `prediction`. Throws BatchResultsError naming every row without exactly one prediction.
 */
export function mergePredictions(
  rows: readonly InputRow[],
  columns: ScoringColumns,
  outputs: readonly OutputFile[],
): MergedPredictions {
  const { byRow, conflicting, malformed } = collect(outputs, rows.length);
  const name = (i: number) =>
    columns.id ? `row ${i + 1} (${columns.id} ${cellText(rows[i]?.[columns.id])})` : `row ${i + 1}`;
  const missing: number[] = [];
  const failed: number[] = [];
  const reasons: string[] = [];
  rows.forEach((_, i) => {
    const o = byRow.get(i);
    if (!o) missing.push(i);
    else if ('error' in o) failed.push(i);
  });
  const list = (what: string, idx: number[], detail?: (i: number) => string) => {
    if (idx.length === 0) return;
    const shown = idx.slice(0, LISTED_ROWS).map((i) => (detail ? `${name(i)}: ${detail(i)}` : name(i)));
    const more = idx.length > LISTED_ROWS ? `, and ${idx.length - LISTED_ROWS} more` : '';
    reasons.push(`${what} for ${idx.length} of ${rows.length} rows: ${shown.join('; ')}${more}`);
  };
  list('no prediction', missing);
  list('prediction failed', failed, (i) => (byRow.get(i) as { error: string }).error);
  list(
    'different predictions',
    [...conflicting].sort((a, b) => a - b),
  );
  if (malformed.length > 0) {
    const more = malformed.length > LISTED_ROWS ? `, and ${malformed.length - LISTED_ROWS} more` : '';
    reasons.push(`${malformed.length} output lines unusable: ${malformed.slice(0, LISTED_ROWS).join('; ')}${more}`);
  }
  if (reasons.length > 0) {
    throw new BatchResultsError(
      `the batch job's results do not cover the input: ${reasons.join('. ')}`,
      missing,
      failed,
      [...conflicting].sort((a, b) => a - b),
      malformed,
    );
  }

  const predictions = rows.map((_, i) => (byRow.get(i) as { prediction: unknown }).prediction);
  const isRecord = (p: unknown): p is Record<string, unknown> =>
    typeof p === 'object' && p !== null && !Array.isArray(p);
  const keys: string[] = [];
  for (const p of predictions) {
    for (const k of isRecord(p) ? Object.keys(p) : ['prediction']) if (!keys.includes(k)) keys.push(k);
  }
  const idHeader = columns.id ?? 'row';
  const header = [idHeader, ...keys.map((k) => (k === idHeader ? `prediction_${k}` : k))];
  const records = predictions.map((p, i) => [
    columns.id ? cellText(rows[i]?.[columns.id]) : String(i + 1),
    ...keys.map((k) => cellText(isRecord(p) ? p[k] : k === 'prediction' ? p : undefined)),
  ]);
  const csv = [header, ...records].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  return { header, records, csv };
}

/** What the job did, as the pipeline recorded it. */
export interface BatchSummaryInput {
  rows: number;
  /** The version that scored (`projects/…/models/<id>@<version>` or the version id). */
  modelVersion: string;
  /** RFC 3339 job start and end. */
  startTime?: string;
  endTime?: string;
  /** The job's billed replica-hours when the service reports them; else duration × replicas. */
  replicaHours?: number;
  replicaCount: number;
  machineType: string;
}

export interface BatchSummary {
  rows: number;
  modelVersion: string;
  /** null when a time is missing. */
  durationSeconds: number | null;
  cost: {
    usd: number | null;
    replicaHours: number | null;
    machineType: string;
    currency: 'USD';
    region: string;
    source: string;
    retrieved: string;
    notes: string[];
  };
}

/**
 * The summary written with the predictions. Batch prediction of a custom-trained model is priced per node-hour like
 * online prediction, so the cost is replica-hours × the table's prediction node-hour price (null with a note when the
 * table has no confirmed price).
 */
export function batchSummary(input: BatchSummaryInput, table: PricingTable = DEFAULT_PRICING): BatchSummary {
  const start = input.startTime ? Date.parse(input.startTime) : NaN;
  const end = input.endTime ? Date.parse(input.endTime) : NaN;
  const durationSeconds = Number.isFinite(start) && Number.isFinite(end) && end >= start ? (end - start) / 1000 : null;
  const replicaHours =
    input.replicaHours ?? (durationSeconds === null ? null : (durationSeconds / 3600) * input.replicaCount);
  const notes: string[] = [];
  const rate = Object.hasOwn(table.predictionNodePerHour, input.machineType)
    ? table.predictionNodePerHour[input.machineType]
    : undefined;
  let usd: number | null = null;
  if (replicaHours === null) notes.push('batch: no replica-hours and no start/end time recorded');
  else if (rate === undefined) notes.push(`batch: no price for machine type "${input.machineType}" in the table`);
  else if (rate === null) notes.push(`batch: the node-hour price of "${input.machineType}" is not confirmed (null)`);
  else usd = roundUsd(replicaHours * rate);
  if (input.replicaHours === undefined && replicaHours !== null) {
    notes.push('batch: replica-hours estimated as duration × replicas (the job reported none)');
  }
  return {
    rows: input.rows,
    modelVersion: input.modelVersion,
    durationSeconds,
    cost: {
      usd,
      replicaHours,
      machineType: input.machineType,
      currency: table.currency,
      region: table.region,
      source: table.source,
      retrieved: table.retrieved,
      notes,
    },
  };
}
