// Preprocessing, step 1: read a Titanic CSV and check it, reporting every problem at once (row and column), so a
// user fixes a file in one round trip. `validateDataset` is what the Cloud Function calls before it spends a build;
// the trainer parses with the same code. Feature engineering (step 2) lives in features.ts and is re-exported here.
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseStream, type Options as CsvOptions } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { WellFormedCsv } from './csv-records';
import { MIN_ROWS_PER_CLASS, MIN_TRAINING_ROWS } from './dataset-rules';
import { titleOf } from './features';
import {
  COLUMNS,
  FieldError,
  NON_EMPTY,
  readers,
  readSurvived,
  rowOf,
  TableBuilder,
  type Column,
  type LabelledPassenger,
  type Passenger,
  type PassengerTable,
} from './fields';
import { openUri, type UriMetadata } from './uri-io';

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
 * Training needs at least this many rows and this many of each class (dataset.schema.json minRows, minRowsPerClass):
 * the evaluation holds out 20 % and runs 5-fold CV, so with fewer rows a fold would have one or two passengers of a
 * class and every figure would be noise.
 */
export { MIN_ROWS_PER_CLASS, MIN_TRAINING_ROWS } from './dataset-rules';

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

const BINARY = 'the file is binary (it has NUL bytes), not CSV text';

/**
 * Checks the bytes of a file as they come (one chunk or many) and decodes them: the problems are the same whichever
 * way the file is cut. Binary, UTF-16 and non-UTF-8 files are reported (what they are, never their bytes).
 */
class TextDecoding {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true }); // also drops a UTF-8 BOM
  private bytes = 0;
  /** 1 + the line feeds before the current chunk. */
  private line = 1;
  /** The bytes of a character cut by the previous chunk's end (at most 3). */
  private tail = Buffer.alloc(0);
  failed = false;
  private pending = '';
  private notUtf8 = false;

  constructor(private readonly problems: Problems) {}

  /** The text of `chunk` (the first chunk must hold 2 bytes unless the file is shorter), undefined once failed. */
  push(chunk: Buffer): string | undefined {
    if (this.failed) {
      // A NUL byte anywhere makes it a binary file, even after a bad UTF-8 byte: the same verdict however it is cut.
      if (this.notUtf8 && chunk.includes(0)) this.pending = BINARY;
      return undefined;
    }
    if (chunk.length === 0) return '';
    if (this.bytes === 0) {
      // UTF-16 (Excel's "Unicode text") is text, but not the encoding asked for: say so rather than call it binary.
      // Rejected, not converted: one encoding, UTF-8, is the whole contract, as for Latin-1 below.
      const bom = chunk.subarray(0, 2).toString('hex');
      if (bom === 'fffe' || bom === 'feff') {
        const order = bom === 'fffe' ? 'LE' : 'BE';
        return this.fail(
          `the file is UTF-16 ${order} text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV`,
        );
      }
    }
    this.bytes += chunk.length;
    if (chunk.includes(0)) return this.fail(BINARY);
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return this.invalid(Buffer.concat([this.tail, chunk]));
    }
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) this.line++;
    this.tail = Buffer.from(chunk.subarray(chunk.length - cutCharacter(chunk)));
    return text;
  }

  /** The text still held (a character cut at the very end is a problem); undefined once failed (then reported). */
  end(): string | undefined {
    if (!this.failed && this.bytes === 0) this.fail('the file is empty: expected a CSV header row');
    if (!this.failed) {
      try {
        return this.decoder.decode();
      } catch {
        this.invalid(this.tail);
      }
    }
    this.problems.add({ message: this.pending });
    return undefined;
  }

  /** Fails with `message`, added to the problems by end(): a later chunk may still show the file is binary. */
  private fail(message: string, notUtf8 = false): undefined {
    [this.failed, this.pending, this.notUtf8] = [true, message, notUtf8];
    return undefined;
  }

  /** `bytes` (the cut character before this chunk, then the chunk) is not UTF-8: name the first bad byte. */
  private invalid(bytes: Buffer): undefined {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), this.line);
    return this.fail(
      `the file is not UTF-8 text: invalid byte 0x${(bytes[at] ?? 0).toString(16)} at line ${line} ` +
        '(Latin-1 or Windows-1252 text, e.g. accented letters or curly quotes?); save it as UTF-8 CSV',
      true,
    );
  }
}

/** How many bytes at the end of `chunk` start a UTF-8 character that the chunk does not finish (0 to 3). */
function cutCharacter(chunk: Buffer): number {
  for (let k = 1; k <= Math.min(3, chunk.length); k++) {
    const b = chunk[chunk.length - k] as number;
    if (b < 0x80) return 0;
    if (b >= 0xc0) return (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > k ? k : 0;
  }
  return 0;
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

// Any of the three line ends, even mixed in one file (an editor appending a LF to a CRLF file): csv-parse otherwise
// keeps only the first one it sees and reads a lone LF as data ("has 1 fields"). Each record goes to `on_record`
// and is dropped there (null), so no list of records is ever held: the rows go straight into typed columns.
const csvOptions = (reader: RowReader): CsvOptions => ({
  bom: true,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  skip_empty_lines: true,
  on_record: (record: string[], context: { lines: number }) => (reader.record(record, context.lines), null),
});

/** The problem of a header line using another delimiter than the comma, if it does. */
function delimiterProblem(text: string): DatasetProblem | undefined {
  const delimiter = otherDelimiter(text.slice(0, text.search(/[\r\n]|$/)));
  return delimiter
    ? { message: `the header has no comma: the file seems to use ${delimiter} as delimiter; use "," (comma)` }
    : undefined;
}

function csvProblem(error: unknown): DatasetProblem {
  const { message, lines } = error as { message: string; lines?: number };
  const brief = message.length > 160 ? `${message.slice(0, 157)}...` : message;
  return { message: `not a valid CSV file${lines ? ` (line ${lines})` : ''}: ${brief}` };
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

type Reader<T> = (raw: unknown) => T;

/**
 * The first row of each PassengerId, to report a repeat. Ids usually come in increasing order, where none can
 * repeat: until one does not, they are only appended to typed arrays (a Map of a million ids costs ~0.5 s and
 * tens of MB); then the Map is built from them and used from there on.
 */
class FirstRows {
  private last = -Infinity;
  private ids = new Float64Array(1024);
  private rows = new Int32Array(1024);
  private count = 0;
  private map: Map<number, number> | undefined;

  /** The first row of `id` when seen before; otherwise `row` becomes its first row. */
  firstRow(id: number, row: number): number | undefined {
    if (!this.map) {
      if (id > this.last) {
        if (this.count === this.ids.length) [this.ids, this.rows] = [grow(this.ids), grow(this.rows)];
        this.ids[this.count] = id;
        this.rows[this.count++] = row;
        this.last = id;
        return undefined;
      }
      this.map = new Map();
      for (let i = 0; i < this.count; i++) this.map.set(this.ids[i] as number, this.rows[i] as number);
      [this.ids, this.rows] = [new Float64Array(0), new Int32Array(0)];
    }
    const first = this.map.get(id);
    if (first === undefined) this.map.set(id, row);
    return first;
  }
}

function grow<T extends Float64Array | Int32Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** Reads records one at a time (the header, then data rows) into a TableBuilder, collecting problems. */
class RowReader {
  /** Data records seen, including ragged ones that could not become rows. */
  records = 0;
  survivors = 0;
  died = 0;
  private header: string[] | undefined;
  private width = 0;
  private at: number[] = [];
  private headerFailed = false;
  private readonly firstRows = new FirstRows();

  constructor(
    private readonly requireLabel: boolean,
    readonly problems: Problems,
    readonly builder: TableBuilder | undefined,
  ) {}

  record(fields: string[], line: number): void {
    if (!this.header) return this.readHeader(fields);
    const r = ++this.records;
    if (this.headerFailed) return;
    if (fields.length !== this.width) {
      this.problems.add({
        row: r,
        message: `has ${fields.length} fields, the header has ${this.width} (line ${line})`,
      });
      return;
    }
    const passengerId = this.cell(fields, r, 0, readers.PassengerId);
    const survived = this.requireLabel ? this.cell(fields, r, 1, readSurvived) : undefined;
    if (survived === 1) this.survivors++;
    else if (survived === 0) this.died++;
    const pclass = this.cell(fields, r, 2, readers.Pclass);
    const name = this.cell(fields, r, 3, readers.Name) ?? '';
    const sex = this.cell(fields, r, 4, readers.Sex);
    const age = this.cell(fields, r, 5, readers.Age);
    const sibSp = this.cell(fields, r, 6, readers.SibSp);
    const parch = this.cell(fields, r, 7, readers.Parch);
    const ticket = this.cell(fields, r, 8, readers.Ticket) ?? '';
    const fare = this.cell(fields, r, 9, readers.Fare);
    const cabin = this.cell(fields, r, 10, readers.Cabin) ?? '';
    const embarked = this.cell(fields, r, 11, readers.Embarked);
    if (passengerId !== undefined) {
      const first = this.firstRows.firstRow(passengerId, r);
      if (first !== undefined)
        this.problems.add({ row: r, column: 'PassengerId', message: `${passengerId} repeats row ${first}` });
    }
    // Once the file is known to be rejected, rows are only checked, not kept.
    if (this.problems.count === 0) {
      this.builder?.add(
        passengerId ?? 0,
        survived,
        pclass,
        name,
        sex,
        age,
        sibSp,
        parch,
        ticket,
        fare,
        cabin,
        embarked,
      );
    }
  }

  /** The problems only known at the end (no header, no rows, too few rows); then the problems. */
  finish(): Problems {
    if (!this.header) this.problems.add({ message: 'the file has no header row (it is blank)' });
    else if (this.headerFailed) return this.problems;
    else if (this.records === 0) this.problems.add({ message: 'the file has a header but no data rows' });
    else if (this.requireLabel && this.problems.count === 0) this.checkTrainingSize();
    return this.problems;
  }

  private readHeader(fields: string[]): void {
    const header = fields.map((name) => name.trim());
    this.header = header;
    this.width = fields.length;
    const required = COLUMNS.filter((c) => this.requireLabel || c !== 'Survived');
    const before = this.problems.count;
    const index = checkHeader(header, required, this.problems);
    this.headerFailed = this.problems.count > before;
    // Position of each column in COLUMNS order (Survived is -1 when scoring without it).
    this.at = COLUMNS.map((c) => index.get(c) ?? -1);
  }

  private cell<T>(fields: string[], r: number, c: number, read: Reader<T>): T | undefined {
    const column = COLUMNS[c] as Column;
    const raw = fields[this.at[c] as number] as string;
    if (NON_EMPTY.has(column) && raw.trim() === '') {
      this.problems.add({ row: r, column, message: 'is empty' });
      return undefined;
    }
    try {
      return read(raw);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      this.problems.add({ row: r, column, message: error.message });
      return undefined;
    }
  }

  private checkTrainingSize(): void {
    const { records, survivors, died, problems } = this;
    if (records < MIN_TRAINING_ROWS) {
      problems.add({ message: `training needs at least ${MIN_TRAINING_ROWS} data rows, the file has ${records}` });
    }
    if (survivors < MIN_ROWS_PER_CLASS || died < MIN_ROWS_PER_CLASS) {
      problems.add({
        column: 'Survived',
        message: `training needs at least ${MIN_ROWS_PER_CLASS} rows of each class, the file has ${survivors} survivors and ${died} deaths`,
      });
    }
  }
}

interface Checked {
  /** Data records in the file, including ragged ones that could not become rows. */
  rowCount: number;
  problems: Problems;
  /** The table's builder (when a table was asked for). */
  builder?: TableBuilder;
}

/**
 * Reads the records of `text` into a fresh RowReader: with WellFormedCsv, or, when it gives up (the text is not
 * well-formed CSV), again from the start with csv-parse, whose records and problems are then the ones used.
 */
function readRecords(text: string, newReader: () => RowReader): RowReader {
  const fast = newReader();
  const tokenizer = new WellFormedCsv((fields) => fast.record(fields, 0));
  if (tokenizer.push(text) && tokenizer.end()) {
    fast.finish();
    return fast;
  }
  const reader = newReader();
  try {
    parse(text, csvOptions(reader));
    reader.finish();
  } catch (error) {
    reader.problems.add(csvProblem(error));
  }
  return reader;
}

/** Checks a whole file held in memory (the drop check's path, and the row-object API), filling a table if asked. */
function check(bytes: Buffer, requireLabel: boolean, newTable?: () => TableBuilder): Checked {
  const problems = new Problems();
  const decoding = new TextDecoding(problems);
  const head = decoding.push(bytes);
  const end = decoding.end();
  if (head !== undefined && end !== undefined) {
    const text = head + end;
    const wrongDelimiter = delimiterProblem(text);
    if (wrongDelimiter) problems.add(wrongDelimiter);
    else {
      // Decoded text with a comma header: no problem found yet, so each reading starts from no problems.
      const reader = readRecords(text, () => new RowReader(requireLabel, new Problems(), newTable?.()));
      return { rowCount: reader.records, problems: reader.problems, builder: reader.builder };
    }
  }
  return { rowCount: 0, problems };
}

/** Checks a dataset without training on it: pure (no I/O), never throws for bad content. */
export function validateDataset(bytes: Buffer, opts: ValidateOptions = {}): ValidationResult {
  // The same reader as training, with no table to fill: the check holds no rows.
  const { rowCount, problems } = check(bytes, opts.requireLabel ?? true);
  return { rowCount, problems: problems.list, problemCount: problems.count };
}

const newBuilder = (keepText: boolean): TableBuilder => new TableBuilder(titleOf, keepText);

/** Parses into a table, or throws DatasetError listing every problem. */
function parsed(bytes: Buffer, requireLabel: boolean, keepText: boolean): PassengerTable {
  const { problems, builder } = check(bytes, requireLabel, () => newBuilder(keepText));
  if (problems.count > 0) throw new DatasetError(problems.list, problems.count);
  return (builder as TableBuilder).build();
}

function rowsOf(table: PassengerTable, labelled: boolean): ScoringRow[] {
  return Array.from({ length: table.length }, (_, i) => rowOf(table, i, labelled));
}

/** Parses a training file (label required) into row objects. Throws DatasetError listing every problem. */
export function parseTrainingSet(bytes: Buffer): LabelledPassenger[] {
  return rowsOf(parsed(bytes, true, true), true) as LabelledPassenger[];
}

/** Parses a training file into columns (what training computes on). Throws DatasetError listing every problem. */
export function parseTrainingTable(bytes: Buffer): PassengerTable {
  return parsed(bytes, true, false);
}

/** Parses a file to score (label not required and not read). Throws DatasetError listing every problem. */
export function parseScoringSet(bytes: Buffer): ScoringRow[] {
  return rowsOf(parsed(bytes, false, true), false);
}

/**
 * Reads a training file as a stream of chunks into columns: the file is never held whole, nor its records. The
 * problems are those parseTrainingSet finds on the same bytes. Throws DatasetError listing every problem.
 * `chunks` as a function opens the stream (again): then WellFormedCsv reads it, and only a file that is not
 * well-formed CSV is read a second time, by csv-parse (see csv-records.ts). A stream given as such is read once, by
 * csv-parse.
 */
export async function readTrainingTable(
  chunks: AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>),
  keepText = false,
): Promise<PassengerTable> {
  const reader =
    typeof chunks === 'function'
      ? ((await streamRecords(chunks(), keepText, true)) ?? (await streamRecords(chunks(), keepText, false)))
      : await streamRecords(chunks, keepText, false);
  const { problems, builder } = reader as RowReader;
  if (problems.count > 0) throw new DatasetError(problems.list, problems.count);
  return (builder as TableBuilder).build();
}

/** Reads `chunks` into a fresh RowReader, with WellFormedCsv when `fast` (undefined if it gave up), else csv-parse. */
async function streamRecords(
  chunks: AsyncIterable<Buffer>,
  keepText: boolean,
  fast: boolean,
): Promise<RowReader | undefined> {
  const problems = new Problems();
  const reader = new RowReader(true, problems, newBuilder(keepText));
  const decoding = new TextDecoding(problems);
  let stopped = false; // not text, or not comma-separated: nothing to read as CSV
  async function* text(): AsyncGenerator<string> {
    let start: Buffer | undefined = Buffer.alloc(0); // the first bytes, until there are 2 (the UTF-16 check reads them)
    let head: string | undefined = ''; // the text until the first line end, until the delimiter is checked
    const take = (piece: string | undefined, last: boolean): string | undefined => {
      if (piece === undefined) return ((stopped = true), undefined);
      if (head === undefined) return piece;
      head += piece;
      if (!last && !/[\r\n]/.test(head)) return '';
      const wrong = delimiterProblem(head);
      if (wrong) return ((problems.add(wrong), (stopped = true)), undefined);
      [piece, head] = [head, undefined];
      return piece;
    };
    for await (const chunk of chunks) {
      let bytes: Buffer = chunk;
      if (start) {
        bytes = Buffer.concat([start, chunk]);
        if (bytes.length < 2) {
          start = bytes;
          continue;
        }
        start = undefined;
      }
      const text = decoding.push(bytes);
      if (stopped) {
        if (decoding.failed) continue; // not text: read on only to see whether it is binary
        return;
      }
      const piece = take(text, false);
      if (piece) yield piece;
    }
    const rest = start ? decoding.push(start) : '';
    const end = decoding.end();
    if (stopped) return;
    const piece = take(rest === undefined || end === undefined ? undefined : rest + end, true);
    if (piece) yield piece;
  }
  if (fast) {
    const tokenizer = new WellFormedCsv((fields) => reader.record(fields, 0));
    for await (const piece of text()) if (!tokenizer.push(piece)) return undefined;
    if (!stopped && !tokenizer.end()) return undefined;
    if (!stopped) reader.finish();
    return reader;
  }
  try {
    await pipeline(
      text,
      parseStream(csvOptions(reader)),
      new Writable({ objectMode: true, write: (_record, _encoding, done) => done() }),
    );
    if (!stopped) reader.finish();
  } catch (error) {
    if (!stopped) problems.add(csvProblem(error));
  }
  return reader;
}

/** A training file read from a URI (local or gs://) as a stream: its table, and what was read. */
export interface TrainingFile {
  table: PassengerTable;
  sha256: string;
  bytes: number;
  metadata: UriMetadata;
}

/**
 * Streams a training file from `uri` into columns, hashing the bytes on the way. Throws DatasetError if invalid.
 * `keepText` keeps names and cabins too, for rows that must become row objects again (scoring a baseline model).
 */
export async function readTrainingFile(uri: string, keepText = false): Promise<TrainingFile> {
  // Each opening hashes what it reads; the last one read the whole file (a second reading starts again).
  type Read = { hash: Hash; bytes: number; metadata?: UriMetadata };
  let read: Read = { hash: createHash('sha256'), bytes: 0 };
  async function* hashed(): AsyncGenerator<Buffer> {
    const state: Read = (read = { hash: createHash('sha256'), bytes: 0 });
    const { stream, metadata } = await openUri(uri);
    state.metadata = metadata;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      state.hash.update(chunk);
      state.bytes += chunk.length;
      yield chunk;
    }
  }
  const table = await readTrainingTable(hashed, keepText);
  return { table, sha256: read.hash.digest('hex'), bytes: read.bytes, metadata: read.metadata as UriMetadata };
}
