import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { WellFormedCsv } from '../../trainer/src/csv-records';

/** csv-parse's records with the trainer's options (preprocess.ts csvOptions). */
const csvParse = (text: string): string[][] =>
  parse(text, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'], skip_empty_lines: true });

/** WellFormedCsv's records of `text` pushed in pieces of `size` characters; undefined if it gave up. */
function records(text: string, size = text.length || 1): string[][] | undefined {
  const found: string[][] = [];
  const csv = new WellFormedCsv((fields) => found.push(fields));
  for (let at = 0; at < text.length; at += size) if (!csv.push(text.slice(at, at + size))) return undefined;
  return csv.end() ? found : undefined;
}

const WELL_FORMED = [
  'a,b,c\n1,2,3\n',
  'a,b,c\r\n1,2,3\r\n4,5,6',
  'a,b,c\r1,2,3\r4,5,6\r',
  'a,b,c\n1,2,3\r\n4,5,6\r7,8,9\n',
  'a,b,c\n\n\r\n1,2,3\n\n',
  'a,b,c\n1,,\n,,\n',
  'a,b,c\n"1, one","say ""hi""",3\n',
  'a,b,c\n"line\nbreak","cr\r\nlf",""\n',
  'a,b,c\n1,2,""',
  'a,b,c\n1,2,',
  'a,b\n"""",x\n',
  '',
  '\n\n',
  'only\n',
];

const MALFORMED = [
  'a,b,c\n1,2\n',
  'a,b,c\n1,2,3,4\n',
  'a,b,c\n1,"unclosed,3\n',
  'a,b,c\n1,"closed"x,3\n',
  'a,b,c\n1,in"side,3\n',
  'a,b,c\n1, "spaced",3\n',
];

describe('trainer/csv-records: WellFormedCsv', () => {
  it("gives csv-parse's records on well-formed text, however it is cut", () => {
    for (const text of WELL_FORMED) {
      const expected = csvParse(text);
      for (let size = 1; size <= text.length + 1; size++) {
        assert.deepEqual(records(text, size), expected, `${JSON.stringify(text)} in pieces of ${size}`);
      }
    }
  });

  it("gives csv-parse's records on the Kaggle files", () => {
    for (const file of ['trainer/data/train.csv', 'trainer/data/test.csv']) {
      const text = readFileSync(file, 'utf8');
      const expected = csvParse(text);
      assert.ok(expected.length > 400);
      assert.deepEqual(records(text), expected, file);
      assert.deepEqual(records(text, 4096), expected, `${file} in pieces of 4096`);
    }
  });

  it('gives up on a record of another width than the header and on stray or unclosed quotes', () => {
    for (const text of MALFORMED) {
      for (const size of [1, 3, text.length]) assert.equal(records(text, size), undefined, JSON.stringify(text));
    }
  });
});
