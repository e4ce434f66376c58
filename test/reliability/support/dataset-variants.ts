// Bad (and good) variants of trainer/data/train.csv, as a careless user or a broken exporter would produce them,
// generated at test time (nothing large is committed). Each names the outcome validateDataset must give.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../../support/prng';
import { TRAINING_CSV } from './trained-model';

export interface DatasetCase {
  name: string;
  bytes: () => Buffer;
  outcome: 'ACCEPTED' | 'REJECTED';
  /** For ACCEPTED: the data rows; for REJECTED: a substring of the reason (and the row/column where relevant). */
  rows?: number;
  reason?: string;
  /**
   * For REJECTED, when the drop check (the trainer's dataset.schema.json through the contract's streaming validator)
   * words the same fact differently from the trainer's own check: a substring of its reason.
   */
  schemaReason?: string;
  row?: number;
  column?: string;
}

const FIXTURES = join(__dirname, '../../fixtures/titanic');
const train = (): Buffer => readFileSync(TRAINING_CSV);
const text = (): string => train().toString('utf8');
const lines = (): string[] => text().split('\r\n'); // the Kaggle file is CRLF throughout; the last element is ''
const join2 = (ls: string[], eol = '\r\n') => Buffer.from(ls.join(eol));
/** Row r (1-based data row) with `edit` applied. */
const editRow = (r: number, edit: (line: string) => string) => join2(lines().map((l, i) => (i === r ? edit(l) : l)));
const fixture = (file: string) => () => readFileSync(join(FIXTURES, file));

/** A valid file of about `bytes` bytes: the Kaggle rows repeated with fresh PassengerIds. */
export function largeValidCsv(bytes: number): Buffer {
  const [header, ...rows] = lines().filter(Boolean);
  const out = [header as string];
  let size = 0;
  for (let id = 1; size < bytes; id++) {
    const row = (rows[(id - 1) % rows.length] as string).replace(/^\d+/, String(id));
    out.push(row);
    size += row.length + 2;
  }
  return join2([...out, '']);
}

/** Seeded binary content with no NUL byte and no valid UTF-8 (so it fails as "not UTF-8", not as "binary"). */
function binaryNamedCsv(seed: number): Buffer {
  const rng = new Prng(seed);
  return Buffer.from(Array.from({ length: 8192 }, (_, i) => (i === 0 ? 0xff : rng.int(1, 255))));
}

export const DATASET_CASES: DatasetCase[] = [
  // The committed fixtures (test/fixtures/titanic/README.md says what each must give).
  { name: 'fixture train.csv', bytes: fixture('train.csv'), outcome: 'ACCEPTED', rows: 891 },
  { name: 'fixture bom-crlf.csv (UTF-8 BOM, Excel)', bytes: fixture('bom-crlf.csv'), outcome: 'ACCEPTED', rows: 50 },
  { name: 'fixture empty.csv', bytes: fixture('empty.csv'), outcome: 'REJECTED', reason: 'the file is empty' },
  { name: 'fixture header-only.csv', bytes: fixture('header-only.csv'), outcome: 'REJECTED', reason: 'no data rows' },
  {
    name: 'fixture missing-column.csv',
    bytes: fixture('missing-column.csv'),
    outcome: 'REJECTED',
    reason: 'required column "Sex" is missing',
    column: 'Sex',
  },
  { name: 'fixture garbage.bin', bytes: fixture('garbage.bin'), outcome: 'REJECTED', reason: 'binary' },
  {
    name: 'fixture wrong-types.csv',
    bytes: fixture('wrong-types.csv'),
    outcome: 'REJECTED',
    reason: '"abc" is not a number',
    row: 3,
    column: 'Age',
  },
  {
    name: 'fixture semicolon.csv',
    bytes: fixture('semicolon.csv'),
    outcome: 'REJECTED',
    reason: 'seems to use ";" as delimiter',
  },
  {
    name: 'fixture test.csv (no label)',
    bytes: fixture('test.csv'),
    outcome: 'REJECTED',
    reason: 'required column "Survived" is missing',
    column: 'Survived',
  },
  // Encodings: UTF-8 only (BOM or not). Rejected, not guessed: Latin-1 and Windows-1252 can be told apart only by
  // guessing, and a wrong guess would silently change the names; the reason says which line to look at.
  {
    name: 'UTF-16 LE with BOM',
    bytes: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), 'utf16le')]),
    outcome: 'REJECTED',
    reason: 'UTF-16 LE text',
  },
  {
    name: 'UTF-16 BE with BOM',
    bytes: () => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text(), 'utf16le').swap16()]),
    outcome: 'REJECTED',
    reason: 'UTF-16 BE text',
  },
  {
    name: 'Latin-1 accented name',
    bytes: () => Buffer.from(text().replace('Owen Harris', 'Owen Harrís'), 'latin1'),
    outcome: 'REJECTED',
    reason: 'invalid byte 0xed at line 2',
  },
  {
    name: 'Windows-1252 smart quotes',
    bytes: () =>
      Buffer.concat([
        editRow(3, (l) => l.replace('"Heikkinen, Miss. Laina"', '"Heikkinen, Miss. \u0001Laina\u0002"')),
      ]).map((b) => (b === 1 ? 0x93 : b === 2 ? 0x94 : b)) as Buffer,
    outcome: 'REJECTED',
    reason: 'invalid byte 0x93 at line 4',
  },
  { name: 'binary content named .csv', bytes: () => binaryNamedCsv(7), outcome: 'REJECTED', reason: 'not UTF-8 text' },
  {
    name: 'NUL byte in a text file',
    bytes: () => Buffer.concat([train().subarray(0, 200), Buffer.from([0]), train().subarray(200)]),
    outcome: 'REJECTED',
    reason: 'binary (it has NUL bytes)',
  },
  // Structure.
  {
    name: 'ragged: one row with an extra field',
    bytes: () => editRow(5, (l) => `${l},x`),
    outcome: 'REJECTED',
    reason: 'has 13 fields, the header has 12 (line 6)',
    row: 5,
  },
  {
    name: 'ragged: one row with a missing field',
    bytes: () => editRow(7, (l) => l.slice(0, l.lastIndexOf(','))),
    outcome: 'REJECTED',
    reason: 'has 11 fields, the header has 12 (line 8)',
    row: 7,
  },
  {
    name: 'unclosed quote at the end',
    bytes: () => Buffer.from(`${text()}892,1,3,"Doe, Mr. John,male,22,0,0,A,7,,S\r\n`),
    outcome: 'REJECTED',
    reason: 'Quote Not Closed',
    schemaReason: 'Quoted field unterminated',
  },
  {
    name: 'duplicated header',
    bytes: () => Buffer.from(text().replace('Cabin', 'Fare')),
    outcome: 'REJECTED',
    reason: 'column "Fare" appears more than once',
    column: 'Fare',
  },
  {
    name: 'tabs as delimiter',
    bytes: () => join2(lines().map((l) => l.replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '\t'))),
    outcome: 'REJECTED',
    reason: 'seems to use tab as delimiter',
  },
  // Header spelling: blanks around a name are trimmed (spreadsheet noise, the name is unambiguous); a different
  // case is refused naming the exact expected column, since it is a different exporter's schema, not noise.
  {
    name: 'header with spaces (" Sex ")',
    bytes: () => Buffer.from(text().replace(',Sex,', ', Sex ,')),
    outcome: 'ACCEPTED',
    rows: 891,
  },
  {
    name: 'header in lower case (passengerid)',
    bytes: () => Buffer.from(text().replace('PassengerId', 'passengerid')),
    outcome: 'REJECTED',
    reason: 'required column "PassengerId" is missing (found "passengerid")',
    column: 'PassengerId',
  },
  {
    name: 'extra columns',
    bytes: () => join2(lines().map((l, i) => (l ? `${l},${i === 0 ? 'Note,Score' : 'x,1'}` : l))),
    outcome: 'ACCEPTED',
    rows: 891,
  },
  // Content.
  {
    name: 'one class only',
    bytes: () => join2(lines().filter((l, i) => i === 0 || /^\d+,0,/.test(l) || !l)),
    outcome: 'REJECTED',
    reason: '0 survivors and 549 deaths',
    schemaReason: 'at least 5 rows of each class, the file has 549 of 0, 0 of 1',
    column: 'Survived',
  },
  {
    name: 'formula-injection name (=cmd|...)',
    bytes: () => Buffer.from(text().replace('"Braund, Mr. Owen Harris"', `"=cmd|' /C calc'!A0"`)),
    outcome: 'ACCEPTED',
    rows: 891,
  },
  {
    name: 'a row of empty fields at the end',
    bytes: () => Buffer.from(`${text()},,,,,,,,,,,\r\n`),
    outcome: 'REJECTED',
    reason: 'is empty',
    row: 892,
    column: 'PassengerId',
  },
  // Line ends.
  { name: 'trailing empty lines', bytes: () => Buffer.from(`${text()}\r\n\r\n\n`), outcome: 'ACCEPTED', rows: 891 },
  { name: 'LF line ends (Unix)', bytes: () => join2(lines(), '\n'), outcome: 'ACCEPTED', rows: 891 },
  { name: 'CR-only line ends (old Mac)', bytes: () => join2(lines(), '\r'), outcome: 'ACCEPTED', rows: 891 },
];
