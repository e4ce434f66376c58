// Preprocessing, step 1: read a Titanic CSV and check it, reporting every problem at once (row and column), so a
// user fixes a file in one round trip. `validateDataset` is what the Cloud Function calls before it spends a build;
// the trainer parses with the same code. Feature engineering (step 2) lives in features.ts and is re-exported here.
import { parse } from 'csv-parse/sync';
import { COLUMNS, FieldError, NON_EMPTY, readers, readSurvived, type Column, type LabelledPassenger } from './fields';
import type { Passenger } from './fields';

export * from './features';

/** One thing wrong with a dataset. `row` is the 1-based data row (the header is not counted). */
export interface DatasetProblem {
  row?: number;
  column?: string;
  message: string;
}

/** How many problems an error message lists before "and N more". */
export const LISTED_PROBLEMS = 50;
/** How many problems are kept at all: enough to fix a file, bounded so a huge broken file cannot exhaust memory. */
export const KEPT_PROBLEMS = 1000;
/**
 * Training needs at least this many rows and this many of each class: the evaluation holds out 20 % and runs 5-fold
 * CV, so with fewer rows a fold would have one or two passengers of a class and every figure would be noise.
 */
export const MIN_TRAINING_ROWS = 20;
export const MIN_ROWS_PER_CLASS = 5;

/** Formats problems as one readable block: a header line, then up to LISTED_PROBLEMS lines. */
export function formatProblems(problems: readonly DatasetProblem[], total = problems.length): string {
  const lines = problems.slice(0, LISTED_PROBLEMS).map((p) => {
    const where = [p.row === undefined ? '' : `row ${p.row}`, p.column === undefined ? '' : `column ${p.column}`]
      .filter(Boolean)
      .join(', ');
    return `  - ${where ? `${where}: ` : ''}${p.message}`;
  });
  if (total > lines.length) lines.push(`  - and ${total - lines.length} more`);
  return `invalid dataset: ${total} problem${total === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

/** The dataset cannot be used; `problems` lists what is wrong (capped at KEPT_PROBLEMS; `problemCount` is the total). */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    readonly problems: DatasetProblem[],
    readonly problemCount = problems.length,
  ) {
    super(formatProblems(problems, problemCount));
  }
}

export interface ValidationResult {
  /** Data rows found (0 when the file could not be read as a table). */
  rowCount: number;
  problems: DatasetProblem[];
  problemCount: number;
}

export interface ValidateOptions {
  /** Whether `Survived` is required (training) or not (scoring). Default true. */
  requireLabel?: boolean;
}

/** A scoring row: a passenger with its id, and its label when the file has one. */
export type ScoringRow = Passenger & { passengerId: number; survived?: 0 | 1 };

class Problems {
  readonly list: DatasetProblem[] = [];
  count = 0;
  add(problem: DatasetProblem): void {
    this.count++;
    if (this.list.length < KEPT_PROBLEMS) this.list.push(problem);
  }
}

function decode(bytes: Buffer, problems: Problems): string | undefined {
  if (bytes.length === 0) return (problems.add({ message: 'the file is empty: expected a CSV header row' }), undefined);
  // UTF-16 (Excel's "Unicode text") is text, but not the encoding asked for: say so rather than call it binary.
  // Rejected, not converted: one encoding, UTF-8, is the whole contract, as for Latin-1 below.
  const bom = bytes.subarray(0, 2).toString('hex');
  if (bom === 'fffe' || bom === 'feff') {
    const order = bom === 'fffe' ? 'LE' : 'BE';
    problems.add({
      message: `the file is UTF-16 ${order} text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV`,
    });
    return undefined;
  }
  // Binary files: report what they are, never their bytes.
  if (bytes.includes(0))
    return (problems.add({ message: 'the file is binary (it has NUL bytes), not CSV text' }), undefined);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes); // also drops a UTF-8 BOM
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
    problems.add({
      message:
        `the file is not UTF-8 text: invalid byte 0x${(bytes[at] ?? 0).toString(16)} at line ${line} ` +
        '(Latin-1 or Windows-1252 text, e.g. accented letters or curly quotes?); save it as UTF-8 CSV',
    });
    return undefined;
  }
}

/** The offset of the first byte that makes the text invalid UTF-8 (binary search on prefixes; errors only). */
function firstInvalidUtf8(bytes: Buffer): number {
  // `stream: true` tolerates a prefix that ends inside a character, so a prefix fails only if it holds a bad byte.
  const valid = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let [lo, hi] = [0, bytes.length]; // valid(lo) holds; valid(hi) does not, or hi is the end (truncated at the end)
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (valid(mid)) lo = mid;
    else hi = mid;
  }
  // bytes[lo] is where decoding failed; a lead byte just before it (0xED in Latin-1 "í") started the bad sequence.
  let start = lo;
  while (start > 0 && lo - start < 3 && (bytes[start - 1] as number) >= 0x80) {
    start--;
    if ((bytes[start] as number) >= 0xc0) break;
  }
  return start;
}

/** A header line with no comma but another usual delimiter means the file was written with that delimiter. */
function otherDelimiter(firstLine: string): string | undefined {
  if (firstLine.includes(',')) return undefined;
  const found = [';', '\t', '|'].find((d) => firstLine.includes(d));
  return found === '\t' ? 'tab' : found && `"${found}"`;
}

function readRecords(text: string, problems: Problems): { fields: string[]; line: number }[] | undefined {
  const delimiter = otherDelimiter(text.slice(0, text.search(/[\r\n]|$/)));
  if (delimiter) {
    problems.add({
      message: `the header has no comma: the file seems to use ${delimiter} as delimiter; use "," (comma)`,
    });
    return undefined;
  }
  try {
    // With `info`, each record comes back as { record, info } (the typings only know the plain string[][] shape).
    const records = parse(text, {
      bom: true,
      relax_column_count: true,
      // Any of the three line ends, even mixed in one file (an editor appending a LF to a CRLF file): csv-parse
      // otherwise keeps only the first one it sees and reads a lone LF as data ("has 1 fields").
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      info: true,
    }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return records.map((r) => ({ fields: r.record, line: r.info.lines }));
  } catch (error) {
    const { message, lines } = error as { message: string; lines?: number };
    const brief = message.length > 160 ? `${message.slice(0, 157)}...` : message;
    problems.add({ message: `not a valid CSV file${lines ? ` (line ${lines})` : ''}: ${brief}` });
    return undefined;
  }
}

function checkHeader(header: string[], required: readonly Column[], problems: Problems): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (index.has(name))
      problems.add({ column: name, message: `column "${name}" appears more than once in the header` });
    else index.set(name, i);
  });
  const missing = required.filter((c) => !index.has(c));
  for (const column of missing) {
    const near = header.find((h) => h.toLowerCase() === column.toLowerCase());
    problems.add({ column, message: `required column "${column}" is missing${near ? ` (found "${near}")` : ''}` });
  }
  return index;
}

function readRows(
  records: { fields: string[]; line: number }[],
  index: Map<string, number>,
  requireLabel: boolean,
  problems: Problems,
): ScoringRow[] {
  const width = records[0]?.fields.length ?? 0;
  const seenIds = new Map<number, number>();
  const rows: ScoringRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r] as { fields: string[]; line: number };
    if (fields.length !== width) {
      problems.add({ row: r, message: `has ${fields.length} fields, the header has ${width} (line ${line})` });
      continue;
    }
    const cell = <T>(column: Column, read: (raw: unknown) => T): T | undefined => {
      const raw = fields[index.get(column) as number] as string;
      if (raw.trim() === '' && NON_EMPTY.has(column)) {
        problems.add({ row: r, column, message: 'is empty' });
        return undefined;
      }
      try {
        return read(raw);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        problems.add({ row: r, column, message: error.message });
        return undefined;
      }
    };
    const passengerId = cell('PassengerId', readers.PassengerId);
    const survived = requireLabel ? cell('Survived', readSurvived) : undefined;
    const row: ScoringRow = {
      passengerId: passengerId ?? 0,
      pclass: cell('Pclass', readers.Pclass),
      name: cell('Name', readers.Name) ?? '',
      sex: cell('Sex', readers.Sex),
      age: cell('Age', readers.Age),
      sibSp: cell('SibSp', readers.SibSp),
      parch: cell('Parch', readers.Parch),
      ticket: cell('Ticket', readers.Ticket) ?? '',
      fare: cell('Fare', readers.Fare),
      cabin: cell('Cabin', readers.Cabin) ?? '',
      embarked: cell('Embarked', readers.Embarked),
    };
    if (survived !== undefined) row.survived = survived;
    if (passengerId !== undefined) {
      const first = seenIds.get(passengerId);
      if (first !== undefined)
        problems.add({ row: r, column: 'PassengerId', message: `${passengerId} repeats row ${first}` });
      else seenIds.set(passengerId, r);
    }
    rows.push(row);
  }
  return rows;
}

function checkTrainingSize(rows: ScoringRow[], problems: Problems): void {
  if (rows.length < MIN_TRAINING_ROWS) {
    problems.add({ message: `training needs at least ${MIN_TRAINING_ROWS} data rows, the file has ${rows.length}` });
  }
  const survivors = rows.filter((row) => row.survived === 1).length;
  const died = rows.filter((row) => row.survived === 0).length;
  if (survivors < MIN_ROWS_PER_CLASS || died < MIN_ROWS_PER_CLASS) {
    problems.add({
      column: 'Survived',
      message: `training needs at least ${MIN_ROWS_PER_CLASS} rows of each class, the file has ${survivors} survivors and ${died} deaths`,
    });
  }
}

interface Checked {
  rows: ScoringRow[];
  /** Data records in the file, including ragged ones that could not become rows. */
  rowCount: number;
  problems: Problems;
}

function check(bytes: Buffer, requireLabel: boolean): Checked {
  const problems = new Problems();
  const text = decode(bytes, problems);
  const records = text === undefined ? undefined : readRecords(text, problems);
  if (!records) return { rows: [], rowCount: 0, problems };
  if (records.length === 0) {
    problems.add({ message: 'the file has no header row (it is blank)' });
    return { rows: [], rowCount: 0, problems };
  }
  const header = (records[0] as { fields: string[] }).fields.map((name) => name.trim());
  const required = COLUMNS.filter((c) => requireLabel || c !== 'Survived');
  const index = checkHeader(header, required, problems);
  if (problems.count > 0) return { rows: [], rowCount: records.length - 1, problems };
  const rows = readRows(records, index, requireLabel, problems);
  if (rows.length === 0 && records.length === 1) problems.add({ message: 'the file has a header but no data rows' });
  else if (requireLabel && problems.count === 0) checkTrainingSize(rows, problems);
  return { rows, rowCount: records.length - 1, problems };
}

/** Checks a dataset without training on it: pure (no I/O), never throws for bad content. */
export function validateDataset(bytes: Buffer, opts: ValidateOptions = {}): ValidationResult {
  const requireLabel = opts.requireLabel ?? true;
  const { rowCount, problems } = check(bytes, requireLabel);
  return { rowCount, problems: problems.list, problemCount: problems.count };
}

/** Parses a training file (label required). Throws DatasetError listing every problem. */
export function parseTrainingSet(bytes: Buffer): LabelledPassenger[] {
  const { rows, problems } = check(bytes, true);
  if (problems.count > 0) throw new DatasetError(problems.list, problems.count);
  return rows as LabelledPassenger[];
}

/** Parses a file to score (label not required and not read). Throws DatasetError listing every problem. */
export function parseScoringSet(bytes: Buffer): ScoringRow[] {
  const { rows, problems } = check(bytes, false);
  if (problems.count > 0) throw new DatasetError(problems.list, problems.count);
  return rows;
}
