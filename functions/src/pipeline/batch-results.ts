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

/** Refuses a schema whose features would hide the row index. */
export function checkScoringColumns(columns: ScoringColumns): void {
  if (columns.features.includes(ROW_KEY)) throw new Error(`a feature column may not be named ${ROW_KEY}`);
}

/** One instance line: ROW_KEY, then the feature columns the row has (an absent column is left out). */
export function instanceLine(row: InputRow, index: number, features: readonly string[]): string {
  const instance: Record<string, unknown> = { [ROW_KEY]: index };
  for (const f of features) if (row[f] !== undefined) instance[f] = row[f];
  return `${JSON.stringify(instance)}\n`;
}

/** The instance lines of rows held in memory (tests, small files); the scoring run streams instanceLine. */
export function toInstanceLines(rows: readonly InputRow[], columns: ScoringColumns): string {
  checkScoringColumns(columns);
  return rows.map((row, index) => instanceLine(row, index, columns.features)).join('');
}

/** One output file of the job: its name (for messages) and its JSONL text. */
export interface OutputFile {
  name: string;
  text: string;
}

/**
 * The output lines do not give exactly one prediction per input row. Each list names rows (0-based), at most
 * KEPT_ROWS of them; the message gives the counts.
 */
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
/** How many row numbers (and unusable lines) an error keeps: bounded, whatever the file's size. */
export const KEPT_ROWS = 1000;
/** More distinct prediction fields than this across the results are refused (each costs 9 bytes a row). */
export const MAX_PREDICTION_FIELDS = 64;

/** The row index a line names: `key` (key field set) or ROW_KEY inside `instance`. */
function rowOf(line: Record<string, unknown>): number | undefined {
  const raw = line.key ?? (line.instance as Record<string, unknown> | undefined)?.[ROW_KEY];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_ROW ? n : undefined;
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : JSON.stringify(e);
}

/** A CSV cell: quoted when it holds a delimiter, a quote, a line break or edge spaces (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** How the predictions file names row `index`: its number, and its id when the schema has one. */
export function rowName(index: number, columns: ScoringColumns, row: InputRow | undefined): string {
  return columns.id ? `row ${index + 1} (${columns.id} ${cellText(row?.[columns.id])})` : `row ${index + 1}`;
}

/** The first cell of a row of the predictions file: the row's id, or its 1-based number. */
export const idCell = (index: number, columns: ScoringColumns, row: InputRow): string =>
  columns.id ? cellText(row[columns.id]) : String(index + 1);

// Rows are kept in blocks of 2^16 (allocated as lines name them, so a stray huge key costs one block).
const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MAX_ROW = 2 ** 32 - 1;
const PREDICTED = 1;
const FAILED = 2;
const CONFLICT = 4;
const ABSENT = 0;
const NUMBER = 1;
const NULL = 2;
const INTERNED = 3;

/** One prediction field: its values by row (a number, or the code of an interned value), where it first appears. */
interface Field {
  name: string;
  /** The first row whose prediction has it, and its place in that prediction: the header's order. */
  firstRow: number;
  position: number;
  values: (Float64Array | undefined)[];
  kinds: (Uint8Array | undefined)[];
}

/** Distinct values, once each: by JSON text (what "the same prediction" compares), with their cell text. */
class Interned {
  private readonly codes = new Map<string, number>();
  readonly texts: string[] = [];
  code(json: string, text: () => string): number {
    let c = this.codes.get(json);
    if (c === undefined) {
      c = this.texts.length;
      this.codes.set(json, c);
      this.texts.push(text());
    }
    return c;
  }
}

const isRecord = (p: unknown): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p);

/** A prediction as (field, value) pairs: an object's fields, any other value as `prediction`. */
const entriesOf = (p: unknown): [string, unknown][] => (isRecord(p) ? Object.entries(p) : [['prediction', p]]);

/**
 * The job's output lines, keyed by row, in bounded memory per row: one state byte, and per prediction field 8 bytes
 * (a number, or the code of a value kept once: labels, strings, null) plus 1 kind byte. A prediction of two fields
 * (a label and its probability) costs 19 bytes a row (about 0.5 GB for 27 million rows); distinct
 * non-numeric values are kept once each. Lines come in any order and any number of files; `add` each, then read the
 * rows back in input order with `cells`, and `resultsError` says whether every row had exactly one prediction.
 */
export class PredictionTable {
  private readonly states: (Uint8Array | undefined)[] = [];
  private readonly errorCodes: (Uint32Array | undefined)[] = [];
  private readonly fields = new Map<string, Field>();
  private readonly values = new Interned();
  private readonly errors = new Interned();
  private readonly malformed: string[] = [];
  private malformedCount = 0;
  private failedOrConflicting = false;
  private order: Field[] | undefined;

  /** `rowCount`, when known, makes a line naming a row past it unusable at once (else resultsError finds them). */
  constructor(private readonly rowCount?: number) {}

  /** One output line (`where` names it in messages: `<file> line <n>`). */
  add(text: string, where: string): void {
    if (text.trim() === '') return;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      return this.unusable(`${where}: not JSON`);
    }
    const row = isRecord(line) ? rowOf(line) : undefined;
    if (!isRecord(line) || row === undefined || (this.rowCount !== undefined && row >= this.rowCount))
      return this.unusable(`${where}: names no input row`);
    const state = this.stateOf(row);
    if (!('prediction' in line)) {
      // A prediction after an error for the same row wins; an error after a prediction is a retried shard's.
      if (state & PREDICTED) return;
      this.setState(row, FAILED);
      this.failedOrConflicting = true;
      this.errorBlock(row)[row & (BLOCK - 1)] = this.errors.code(
        'error' in line ? errorText(line.error) : 'no prediction',
        () => ('error' in line ? errorText(line.error) : 'no prediction'),
      );
      return;
    }
    const entries = entriesOf(line.prediction);
    if (state & PREDICTED) {
      // A replica retried after writing part of its shard repeats lines: the same prediction twice is one. Two
      // different predictions for one row are a conflict (the first is kept, the run fails).
      if (!this.same(row, entries)) {
        this.setState(row, state | CONFLICT);
        this.failedOrConflicting = true;
      }
      return;
    }
    if (entries.some(([k]) => !this.fields.has(k)) && this.fieldsWith(entries) > MAX_PREDICTION_FIELDS)
      return this.unusable(`${where}: the predictions have more than ${MAX_PREDICTION_FIELDS} fields`);
    entries.forEach(([name, value], position) => {
      const f = this.field(name, row, position);
      const b = row >>> BLOCK_BITS;
      const at = row & (BLOCK - 1);
      const kinds = (f.kinds[b] ??= new Uint8Array(BLOCK));
      const values = (f.values[b] ??= new Float64Array(BLOCK));
      const [kind, v] = this.encode(value);
      kinds[at] = kind;
      values[at] = v;
    });
    this.setState(row, PREDICTED);
  }

  /** Some rows already cannot be merged (unusable lines, failed or conflicting rows), whatever the input holds. */
  get knownIncomplete(): boolean {
    return this.malformedCount > 0 || this.failedOrConflicting;
  }

  /** Whether row `index` has exactly one prediction (not missing, failed or conflicting). */
  covers(index: number): boolean {
    return this.stateOf(index) === PREDICTED;
  }

  /** The prediction columns: the fields in the order rows (in input order) first name them. */
  header(columns: ScoringColumns): string[] {
    const idHeader = columns.id ?? 'row';
    return [idHeader, ...this.ordered().map((f) => (f.name === idHeader ? `prediction_${f.name}` : f.name))];
  }

  /** Row `index`'s prediction cells, in header order ('' for a field its prediction lacks, or null). */
  cells(index: number): string[] {
    const b = index >>> BLOCK_BITS;
    const at = index & (BLOCK - 1);
    return this.ordered().map((f) => {
      const kind = f.kinds[b]?.[at] ?? ABSENT;
      const v = f.values[b]?.[at] ?? 0;
      return kind === NUMBER ? String(v) : kind === INTERNED ? (this.values.texts[v] as string) : '';
    });
  }

  /**
   * The problems once the input's `rowCount` rows are known: rows without a prediction, failed, conflicting, lines
   * naming no row; undefined when every row has exactly one prediction. `names` gives the listed rows' names
   * (rowName), collected while reading the input: the first LISTED_ROWS rows of each kind that `covers` refused.
   */
  resultsError(rowCount: number, names: ReadonlyMap<number, string>): BatchResultsError | undefined {
    const missing: number[] = [];
    const failed: number[] = [];
    const conflicting: number[] = [];
    let missingCount = 0;
    let failedCount = 0;
    let conflictCount = 0;
    const keep = (list: number[], i: number) => void (list.length < KEPT_ROWS && list.push(i));
    for (let i = 0; i < rowCount; i++) {
      const state = this.stateOf(i);
      if (state === PREDICTED) continue;
      if (state === 0) {
        missingCount++;
        keep(missing, i);
      } else if (state & CONFLICT) {
        conflictCount++;
        keep(conflicting, i);
      } else if (state & FAILED && !(state & PREDICTED)) {
        failedCount++;
        keep(failed, i);
      }
    }
    // Rows past the input (when the table was built without the count): each row's lines are unusable.
    this.states.forEach((block, b) => {
      if (this.rowCount !== undefined || !block || (b + 1) * BLOCK <= rowCount) return;
      for (let at = 0; at < BLOCK; at++) {
        const row = b * BLOCK + at;
        if (row >= rowCount && block[at]) this.unusable(`key ${row}: names no input row`);
      }
    });
    const name = (i: number) => names.get(i) ?? `row ${i + 1}`;
    const reasons: string[] = [];
    const list = (what: string, idx: number[], total: number, detail?: (i: number) => string) => {
      if (total === 0) return;
      const shown = idx.slice(0, LISTED_ROWS).map((i) => (detail ? `${name(i)}: ${detail(i)}` : name(i)));
      const more = total > LISTED_ROWS ? `, and ${total - LISTED_ROWS} more` : '';
      reasons.push(`${what} for ${total} of ${rowCount} rows: ${shown.join('; ')}${more}`);
    };
    list('no prediction', missing, missingCount);
    list('prediction failed', failed, failedCount, (i) => this.errorOf(i));
    list('different predictions', conflicting, conflictCount);
    if (this.malformedCount > 0) {
      const more = this.malformedCount > LISTED_ROWS ? `, and ${this.malformedCount - LISTED_ROWS} more` : '';
      reasons.push(
        `${this.malformedCount} output lines unusable: ${this.malformed.slice(0, LISTED_ROWS).join('; ')}${more}`,
      );
    }
    if (reasons.length === 0) return undefined;
    return new BatchResultsError(
      `the batch job's results do not cover the input: ${reasons.join('. ')}`,
      missing,
      failed,
      conflicting,
      [...this.malformed],
    );
  }

  /** Whether a row refused by `covers` is one resultsError lists by name (the first LISTED_ROWS of its kind). */
  listed(index: number, seen: { missing: number; failed: number; conflicting: number }): boolean {
    const state = this.stateOf(index);
    const kind = state === 0 ? 'missing' : state & CONFLICT ? 'conflicting' : 'failed';
    return seen[kind]++ < LISTED_ROWS;
  }

  private unusable(what: string): void {
    this.malformedCount++;
    if (this.malformed.length < KEPT_ROWS) this.malformed.push(what);
  }

  private stateOf(row: number): number {
    return this.states[row >>> BLOCK_BITS]?.[row & (BLOCK - 1)] ?? 0;
  }

  private setState(row: number, state: number): void {
    (this.states[row >>> BLOCK_BITS] ??= new Uint8Array(BLOCK))[row & (BLOCK - 1)] = state;
  }

  private errorBlock(row: number): Uint32Array {
    return (this.errorCodes[row >>> BLOCK_BITS] ??= new Uint32Array(BLOCK));
  }

  private errorOf(row: number): string {
    return this.errors.texts[this.errorBlock(row)[row & (BLOCK - 1)] as number] as string;
  }

  private encode(value: unknown): [kind: number, value: number] {
    if (typeof value === 'number') return [NUMBER, value];
    if (value === null) return [NULL, 0];
    return [INTERNED, this.values.code(JSON.stringify(value), () => cellText(value))];
  }

  private fieldsWith(entries: [string, unknown][]): number {
    return this.fields.size + entries.filter(([k]) => !this.fields.has(k)).length;
  }

  private field(name: string, row: number, position: number): Field {
    let f = this.fields.get(name);
    if (!f) {
      f = { name, firstRow: row, position, values: [], kinds: [] };
      this.fields.set(name, f);
      this.order = undefined;
    } else if (row < f.firstRow || (row === f.firstRow && position < f.position)) {
      f.firstRow = row;
      f.position = position;
      this.order = undefined;
    }
    return f;
  }

  /** Whether row's stored prediction has exactly these fields and values. */
  private same(row: number, entries: [string, unknown][]): boolean {
    const b = row >>> BLOCK_BITS;
    const at = row & (BLOCK - 1);
    const given = new Map(entries);
    if (entries.some(([k]) => !this.fields.has(k))) return false;
    for (const f of this.fields.values()) {
      const storedKind = f.kinds[b]?.[at] ?? ABSENT;
      if (!given.has(f.name)) {
        if (storedKind !== ABSENT) return false;
        continue;
      }
      const [kind, v] = this.encode(given.get(f.name));
      if (kind !== storedKind || (kind !== NULL && !Object.is(v, f.values[b]?.[at]))) return false;
    }
    return true;
  }

  private ordered(): Field[] {
    return (this.order ??= [...this.fields.values()].sort(
      (a, b) => a.firstRow - b.firstRow || a.position - b.position,
    ));
  }
}

/**
 * Merges output files held in memory into one record per input row, in input order (tests and small files; the
 * scoring run streams the same table): the row's id (or its 1-based number), then the prediction: an object's fields
 * as columns (e.g. `label, probability` or `value`), any other value as `prediction`. Throws BatchResultsError naming
 * every row without exactly one prediction.
 */
export function mergePredictions(
  rows: readonly InputRow[],
  columns: ScoringColumns,
  outputs: readonly OutputFile[],
): MergedPredictions {
  const table = new PredictionTable(rows.length);
  for (const file of outputs)
    file.text.split(/\r?\n/).forEach((text, i) => table.add(text, `${file.name} line ${i + 1}`));
  const names = new Map<number, string>();
  const seen = { missing: 0, failed: 0, conflicting: 0 };
  rows.forEach((row, i) => {
    if (!table.covers(i) && table.listed(i, seen)) names.set(i, rowName(i, columns, row));
  });
  const error = table.resultsError(rows.length, names);
  if (error) throw error;
  const header = table.header(columns);
  const records = rows.map((row, i) => [idCell(i, columns, row), ...table.cells(i)]);
  const csv = [header, ...records].map((r) => predictionsLine(r)).join('');
  return { header, records, csv };
}

/** One line of the predictions file. */
export const predictionsLine = (cells: readonly string[]): string => `${cells.map(csvCell).join(',')}\n`;

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
