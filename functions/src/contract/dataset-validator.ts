// The streaming dataset check: reads a CSV from any byte stream (a Cloud Storage object stream, a file stream) in
// bounded memory and checks it against a trainer's dataset schema with no trainer code loaded. Every problem is
// reported with line, row and column (the first KEPT_PROBLEMS kept, all counted, also per column).
// Stages: dataset-decode.ts (bytes → text → records, chunk by chunk, in one reused array) → per-cell coercion and the
// property's ajv check (or the whole-row ajv check, for schemas with row-level keywords) → table rules.
import type { Readable } from 'node:stream';
import type { ErrorObject } from 'ajv';
import { CsvRecords, decodeCsvText, NotCsvText } from './dataset-decode';
import type { ColumnSpec, DatasetSchema } from './dataset-schema';
import { IdTracker } from './id-tracker';

/** One thing wrong with a dataset. `row` is the 1-based data row (header not counted); `line` the file line. */
export interface DatasetProblem {
  row?: number;
  line?: number;
  column?: string;
  message: string;
}

export interface DatasetValidation {
  /** Data rows found (0 when the file could not be read as a table). */
  rowCount: number;
  /** The first KEPT_PROBLEMS problems, in file order. */
  problems: DatasetProblem[];
  /** All problems found. */
  problemCount: number;
  /** Problems per column (all of them, not only the kept ones). */
  problemsByColumn: Record<string, number>;
  /** Rows per label value, for a categorical label. */
  classCounts?: Record<string, number>;
  /** Things not checked in full, said rather than hidden (e.g. id uniqueness past its memory budget). */
  notes: string[];
}

export interface ValidateOptions {
  /** Whether the label column is required (training) or not read (scoring). Default true. */
  requireLabel?: boolean;
  /** How many problems are kept (all are counted). Default KEPT_PROBLEMS. */
  keptProblems?: number;
  /** Memory for the id uniqueness check. */
  idBudgetBytes?: number;
  /**
   * Called with each row that passed its cell checks, typed (column → value, null = missing), in file order: the
   * scoring run reads its rows through the same coercion that validated them.
   */
  onRow?: (row: Record<string, unknown>) => void;
}

/** How many problems a message lists before "and N more". */
export const LISTED_PROBLEMS = 50;
/** How many problems are kept: enough to fix a file, bounded so a huge broken file cannot exhaust memory. */
export const KEPT_PROBLEMS = 1000;

// Plain decimal notation only: "abc", "-", "1,5", "0x10", "Infinity" are not numbers (Number() would accept some).
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * NUMBER.test for a trimmed cell, faster on the usual cells: a cell of digits only (ids, counts, classes) needs no
 * regex. Anything else goes through NUMBER.
 */
function isDecimal(cell: string): boolean {
  const n = cell.length;
  if (n === 0 || n > 15) return NUMBER.test(cell);
  for (let i = 0; i < n; i++) {
    const c = cell.charCodeAt(i);
    if (c < 48 || c > 57) return NUMBER.test(cell);
  }
  return true;
}

/** A short, printable rendering of a bad value (bounded, so a huge field is not echoed). */
export function show(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A problem as one line: `line 4 (row 3), column Age: "abc" is not a number`. */
export function describeProblem(p: DatasetProblem): string {
  const at =
    p.line !== undefined
      ? `line ${p.line}${p.row === undefined ? '' : ` (row ${p.row})`}`
      : p.row !== undefined
        ? `row ${p.row}`
        : '';
  const where = [at, p.column === undefined ? '' : `column ${p.column}`].filter(Boolean).join(', ');
  return where ? `${where}: ${p.message}` : p.message;
}

/** The problems as one readable block: a header line, up to LISTED_PROBLEMS lines, and the counts per column. */
export function formatValidation(v: Pick<DatasetValidation, 'problems' | 'problemCount' | 'problemsByColumn'>): string {
  const lines = v.problems.slice(0, LISTED_PROBLEMS).map((p) => `  - ${describeProblem(p)}`);
  if (v.problemCount > lines.length) lines.push(`  - and ${v.problemCount - lines.length} more`);
  const perColumn = Object.entries(v.problemsByColumn);
  if (v.problemCount > lines.length && perColumn.length > 0)
    lines.push(`  per column: ${perColumn.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return `invalid dataset: ${v.problemCount} problem${v.problemCount === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

class Problems {
  readonly list: DatasetProblem[] = [];
  readonly byColumn: Record<string, number> = {};
  count = 0;
  constructor(private readonly kept: number) {}
  add(problem: DatasetProblem): void {
    this.count++;
    if (problem.column !== undefined) this.byColumn[problem.column] = (this.byColumn[problem.column] ?? 0) + 1;
    if (this.list.length < this.kept) this.list.push(problem);
  }
}

/** An ajv error of one cell as words about the value: `150 must be <= 120`, `"x" is not one of "C", "Q", "S"`. */
function cellMessage(value: unknown, e: ErrorObject | undefined): string {
  if (!e) return `${show(value)} is not valid`;
  if (e.keyword === 'enum' || e.keyword === 'const') {
    const allowed = (e.params.allowedValues as unknown[] | undefined) ?? [e.params.allowedValue];
    return `${show(value)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  }
  if (e.keyword === 'type' && e.params.type === 'integer') return `${show(value)} is not a whole number`;
  return `${show(value)} ${e.message ?? `fails ${e.keyword}`}`;
}

const enum Kind {
  Number,
  Integer,
  Boolean,
  String,
}
const KINDS: Record<ColumnSpec['type'], Kind> = {
  number: Kind.Number,
  integer: Kind.Integer,
  boolean: Kind.Boolean,
  string: Kind.String,
};

const isSpace = (c: number) => c === 32 || c === 9;
const trim = (s: string) =>
  s.length > 0 && (isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(s.length - 1))) ? s.trim() : s;

/** Checks a dataset stream against a schema. Never throws for bad content; rejects only if the stream errors. */
export async function validateDatasetStream(
  input: Readable | AsyncIterable<Buffer | Uint8Array | string>,
  schema: DatasetSchema,
  opts: ValidateOptions = {},
): Promise<DatasetValidation> {
  const requireLabel = opts.requireLabel ?? true;
  const { table } = schema;
  const problems = new Problems(opts.keptProblems ?? KEPT_PROBLEMS);
  const nulls = new Set(table.nullValues);
  const nullLength = Math.max(...table.nullValues.map((n) => n.length));
  const ids = table.id ? new IdTracker(opts.idBudgetBytes) : undefined;
  const classes = table.labelKind === 'categorical' && requireLabel ? new Map<unknown, number>() : undefined;
  const checked = schema.columns.filter((c) => requireLabel || c.name !== table.label);

  let header: string[] | undefined;
  let headerBad = false;
  let width = 0;
  let rowCount = 0;
  // Per present column, in schema order: its index in the record, spec, kind, and role.
  let idx: Int32Array = new Int32Array(0);
  let specs: ColumnSpec[] = [];
  let kinds: Kind[] = [];
  let labelAt = -1;
  let idAt = -1;

  const readHeader = (fields: string[], line: number): void => {
    header = fields.map((f) => f.trim());
    width = header.length;
    const index = new Map<string, number>();
    header.forEach((name, i) => {
      if (index.has(name))
        problems.add({ line, column: name, message: `column "${name}" appears more than once in the header` });
      else index.set(name, i);
    });
    for (const c of checked) {
      const mustHave = c.required || (c.name === table.label && requireLabel);
      if (!mustHave || index.has(c.name)) continue;
      const near = header.find((h) => h.toLowerCase() === c.name.toLowerCase());
      problems.add({
        column: c.name,
        message: `required column "${c.name}" is missing${near ? ` (found "${near}")` : ''}`,
      });
    }
    if (schema.closed)
      for (const name of header)
        if (!schema.byName.has(name))
          problems.add({ line, column: name, message: `column "${name}" is not in the dataset schema` });
    headerBad = problems.count > 0;
    const present = checked.filter((c) => index.has(c.name));
    idx = Int32Array.from(present.map((c) => index.get(c.name) as number));
    specs = present;
    kinds = present.map((c) => KINDS[c.type]);
    labelAt = present.findIndex((c) => c.name === table.label);
    idAt = present.findIndex((c) => c.name === table.id);
  };

  const values: unknown[] = [];
  const checkRow = (fields: string[], count: number, row: number, at: number): void => {
    if (count !== width) {
      problems.add({ row, line: at, message: `has ${count} fields, the header has ${width} (line ${at})` });
      return;
    }
    let rowOk = true;
    for (let k = 0; k < idx.length; k++) {
      const spec = specs[k] as ColumnSpec;
      const raw = fields[idx[k] as number] as string;
      const cell = trim(raw);
      values[k] = undefined;
      if (cell.length <= nullLength && nulls.has(cell)) {
        values[k] = null;
        if (!spec.nullable) {
          problems.add({ row, line: at, column: spec.name, message: 'is empty' });
          rowOk = false;
        }
        continue;
      }
      let value: unknown;
      const kind = kinds[k] as Kind;
      if (kind === Kind.String) value = cell;
      else if (kind === Kind.Boolean) {
        const lower = cell.toLowerCase();
        value = lower === 'true' ? true : lower === 'false' ? false : undefined;
        if (value === undefined) {
          problems.add({ row, line: at, column: spec.name, message: `${show(raw)} is not true or false` });
          rowOk = false;
          continue;
        }
      } else {
        if (!isDecimal(cell)) {
          problems.add({ row, line: at, column: spec.name, message: `${show(raw)} is not a number` });
          rowOk = false;
          continue;
        }
        value = Number(cell);
        if (kind === Kind.Integer && !Number.isInteger(value)) {
          problems.add({ row, line: at, column: spec.name, message: `${show(raw)} is not a whole number` });
          rowOk = false;
          continue;
        }
      }
      if (!spec.typeOnly && !spec.check(value)) {
        spec.validate(value); // for ajv's words about it
        problems.add({
          row,
          line: at,
          column: spec.name,
          message: cellMessage(raw, spec.validate.errors?.[0] ?? undefined),
        });
        rowOk = false;
        continue;
      }
      values[k] = value;
    }
    if (rowOk && schema.rowValidate) {
      const object: Record<string, unknown> = {};
      for (let k = 0; k < specs.length; k++) if (values[k] !== null) object[(specs[k] as ColumnSpec).name] = values[k];
      if (!schema.rowValidate(object)) {
        rowOk = false;
        for (const e of (schema.rowValidate.errors ?? []).filter((x) => x.keyword !== 'if')) {
          const column = e.instancePath.split('/')[1];
          problems.add({
            row,
            line: at,
            ...(column ? { column } : {}),
            message: column ? cellMessage(object[column], e) : (e.message ?? e.keyword),
          });
        }
      }
    }
    if (rowOk && opts.onRow) {
      const typed: Record<string, unknown> = {};
      for (let k = 0; k < specs.length; k++) typed[(specs[k] as ColumnSpec).name] = values[k];
      opts.onRow(typed);
    }
    if (ids && idAt >= 0) {
      const id = values[idAt];
      if (id !== undefined && id !== null) {
        const first = ids.see(id as string | number, row);
        if (first !== undefined)
          problems.add({ row, line: at, column: table.id, message: `${String(id)} repeats row ${first}` });
      }
    }
    if (classes && labelAt >= 0) {
      const label = values[labelAt];
      if (label !== undefined && label !== null) classes.set(label, (classes.get(label) ?? 0) + 1);
    }
  };

  const onRecord = (fields: string[], count: number, at: number): void => {
    if (count === 1 && fields[0] === '' && width !== 1) return; // a blank line
    if (!header) {
      readHeader(fields.slice(0, count), at);
      return;
    }
    rowCount++;
    if (!headerBad) checkRow(fields, count, rowCount, at);
  };
  const records = new CsvRecords(table.delimiter, onRecord, (e) =>
    problems.add({ line: e.line, message: `not a valid CSV file: ${e.message}` }),
  );
  try {
    for await (const text of decodeCsvText(input as AsyncIterable<Buffer>, table.delimiter)) records.push(text);
    records.end();
  } catch (error) {
    if (!(error instanceof NotCsvText)) throw error;
    problems.add({ message: error.message });
    return finish(0);
  }

  if (!header) problems.add({ message: 'the file has no header row (it is blank)' });
  else if (!headerBad && rowCount === 0) problems.add({ message: 'the file has a header but no data rows' });
  else if (!headerBad && requireLabel && problems.count === 0) checkTableSize();
  return finish(rowCount);

  function checkTableSize(): void {
    if (rowCount < table.minRows)
      problems.add({ message: `training needs at least ${table.minRows} data rows, the file has ${rowCount}` });
    if (!classes) return;
    const label = schema.byName.get(table.label);
    const names = label?.values?.filter((v) => v !== null) ?? [...classes.keys()];
    if (names.length < 2)
      problems.add({
        column: table.label,
        message: `a categorical label needs at least 2 classes, the file has ${names.length}`,
      });
    else if (names.some((n) => (classes.get(n) ?? 0) < table.minRowsPerClass))
      problems.add({
        column: table.label,
        message: `training needs at least ${table.minRowsPerClass} rows of each class, the file has ${names.map((n) => `${classes.get(n) ?? 0} of ${String(n)}`).join(', ')}`,
      });
  }

  function finish(rows: number): DatasetValidation {
    return {
      rowCount: rows,
      problems: problems.list,
      problemCount: problems.count,
      problemsByColumn: problems.byColumn,
      ...(classes ? { classCounts: Object.fromEntries([...classes].map(([k, n]) => [String(k), n])) } : {}),
      notes:
        ids && !ids.complete
          ? [`${table.id} uniqueness was checked for the first rows only (its memory budget ran out)`]
          : [],
    };
  }
}
