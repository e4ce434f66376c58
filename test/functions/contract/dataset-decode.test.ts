import assert from 'node:assert/strict';
import Papa from 'papaparse';
import { CsvRecords, MAX_RECORD_CHARS, type CsvSyntaxError } from '../../../functions/src/contract/dataset-decode';

/** The records and syntax errors of `text` fed to CsvRecords in `size`-character chunks. */
function records(text: string, size: number): { data: string[][]; errors: CsvSyntaxError[] } {
  const data: string[][] = [];
  const errors: CsvSyntaxError[] = [];
  const r = new CsvRecords(
    ',',
    (fields, count) => data.push(fields.slice(0, count)),
    (e) => errors.push(e),
  );
  for (let i = 0; i < text.length; i += size) r.push(text.slice(i, i + size));
  r.end();
  return { data, errors };
}

/** A small seeded generator (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('contract/dataset-decode CsvRecords', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, and gives each record its line', () => {
    const lines: number[] = [];
    const data: string[][] = [];
    const r = new CsvRecords(
      ',',
      (f, n, line) => (data.push(f.slice(0, n)), lines.push(line)),
      () => assert.fail('no syntax error expected'),
    );
    r.push('a,"b, ""c""\nd" ,e\n');
    r.push('x,y');
    r.end();
    assert.deepEqual(data, [
      ['a', 'b, "c"\nd', 'e'],
      ['x', 'y'],
    ]);
    assert.deepEqual(lines, [1, 3]);
  });

  it('ends with an empty record after a final line end, as papaparse did', () => {
    assert.deepEqual(records('a\n1\n', 100).data, [['a'], ['1'], ['']]);
  });

  it('reports an unterminated and a malformed quote with papaparse wording and the record line', () => {
    assert.deepEqual(records('a\n"x"y,1\n', 100).errors, [
      { line: 2, message: 'Trailing quote on quoted field is malformed' },
      { line: 2, message: 'Quoted field unterminated' },
    ]);
  });

  it('stops, in bounded memory, at a record longer than MAX_RECORD_CHARS (a quote left open)', () => {
    const data: string[][] = [];
    const errors: CsvSyntaxError[] = [];
    const r = new CsvRecords(
      ',',
      (f, n) => data.push(f.slice(0, n)),
      (e) => errors.push(e),
    );
    r.push('a,b\n1,2\n3,"open\n');
    const chunk = 'x'.repeat(1 << 20);
    for (let i = 0; i <= MAX_RECORD_CHARS >> 20; i++) r.push(chunk);
    r.push('"\n4,5\n');
    r.end();
    assert.deepEqual(data, [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 3);
    assert.match(errors[0]?.message ?? '', /^a record longer than 16 M characters \(an unbalanced quote\?\)/);
  });

  // The validator used papaparse until it was replaced by CsvRecords for speed: same records, same errors, for
  // random text over an alphabet dense in quotes, delimiters and line breaks, cut into chunks of any size.
  it('reads every random text as papaparse did, whatever the chunk size', () => {
    const next = random(11);
    const alphabet = ['a', 'b', ',', ',', '\n', '"', '"', ' ', 'x,y', '""', '\n\n'];
    for (let t = 0; t < 3000; t++) {
      let text = '';
      const n = 1 + Math.floor(next() * 40);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const p = Papa.parse<string[]>(text, { delimiter: ',', newline: '\n', skipEmptyLines: false });
      for (const size of [1, 3, 7, 1000]) {
        const mine = records(text, size);
        assert.deepEqual(mine.data, p.data, JSON.stringify(text));
        assert.deepEqual(
          mine.errors.map((e) => e.message),
          p.errors.map((e) => e.message),
          JSON.stringify(text),
        );
      }
    }
  });
});
