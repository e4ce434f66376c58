import assert from 'node:assert/strict';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { validateDataset } from '../../../trainer/src/preprocess';
import {
  compileDatasetSchema,
  loadTrainerDatasetSchema,
  type DatasetSchema,
} from '../../../functions/src/contract/dataset-schema';
import {
  describeProblem,
  formatValidation,
  validateDatasetStream,
} from '../../../functions/src/contract/dataset-validator';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/titanic');
const train = readFileSync(path.join(fixtures, 'train.csv'));

/** Splits bytes into chunks of `size` bytes, so chunk edges fall inside characters, CRLFs and quoted fields. */
const chunked = (bytes: Buffer, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)),
  );

describe('contract/dataset-validator', () => {
  let titanic: DatasetSchema;
  before(async () => {
    titanic = await loadTrainerDatasetSchema(path.join(root, 'trainer'));
  });

  describe("reproduces today's check (trainer/src/preprocess validateDataset) on every Titanic fixture", () => {
    const files = readdirSync(fixtures).filter((f) => !f.endsWith('.md'));
    it('covers the fixtures, valid and bad', () => assert.ok(files.length >= 10, files.join()));
    for (const file of files) {
      it(file, async () => {
        const today = validateDataset(readFileSync(path.join(fixtures, file)), { requireLabel: true });
        const now = await validateDatasetStream(createReadStream(path.join(fixtures, file)), titanic);
        assert.equal(now.problemCount === 0, today.problemCount === 0, 'accept/reject');
        assert.equal(now.problemCount, today.problemCount);
        assert.equal(now.rowCount, today.rowCount);
        // The same problems at the same rows and columns; file-level messages word for word, and a cell
        // message names the same bad value.
        assert.deepEqual(
          now.problems.map((p) => [p.row, p.column]),
          today.problems.map((p) => [p.row, p.column]),
        );
        now.problems.forEach((p, i) => {
          const old = today.problems[i] as { row?: number; message: string };
          if (old.row === undefined) assert.equal(p.message, old.message);
          else assert.equal(p.message.split(' ')[0], old.message.split(' ')[0], `${p.message} / ${old.message}`);
        });
      });
    }
  });

  it('gives each cell problem its file line (the header is line 1) and renders it', async () => {
    const v = await validateDatasetStream(createReadStream(path.join(fixtures, 'wrong-types.csv')), titanic);
    const age = v.problems[0];
    assert.deepEqual({ row: age?.row, line: age?.line, column: age?.column }, { row: 3, line: 4, column: 'Age' });
    assert.equal(describeProblem(age as never), 'line 4 (row 3), column Age: "abc" is not a number');
    assert.deepEqual(v.problemsByColumn, { Age: 2, Fare: 2, Survived: 1 });
    assert.match(formatValidation(v), /^invalid dataset: 5 problems\n {2}- line 4 \(row 3\), column Age/);
  });

  for (const size of [1, 7, 4096]) {
    it(`gives the same result when the stream arrives in ${size}-byte chunks`, async () => {
      const whole = await validateDatasetStream(Readable.from([train]), titanic);
      const parts = await validateDatasetStream(chunked(train, size), titanic);
      assert.deepEqual(parts, whole);
      assert.deepEqual(whole.classCounts, { '0': 549, '1': 342 });
    });
  }

  const lines = train.toString('utf8').split('\r\n');
  const csv = (rows: string[]) => Readable.from([Buffer.from(rows.join('\n'))]);
  const cases: { name: string; rows: string[]; expect: [number | undefined, string | undefined, RegExp][] }[] = [
    {
      name: 'out-of-range, non-integer and not-in-enum cells',
      rows: [
        lines[0] as string,
        ...lines
          .slice(1, 30)
          .map((l, i) =>
            i === 0
              ? l.replace(',22,', ',150,')
              : i === 4
                ? l.replace(',0,0,', ',0.5,0,')
                : i === 6
                  ? l.replace(',S', ',X')
                  : l,
          ),
      ],
      expect: [
        [1, 'Age', /^"150" must be <= 120$/],
        [5, 'SibSp', /^"0\.5" is not a whole number$/],
        [7, 'Embarked', /^"X" is not one of "C", "Q", "S", null$/],
      ],
    },
    {
      name: 'a ragged row and a repeated id',
      rows: [lines[0] as string, ...lines.slice(1, 30), 'x,1', lines[1] as string],
      expect: [
        [30, undefined, /^has 2 fields, the header has 12 \(line 31\)$/],
        [31, 'PassengerId', /^1 repeats row 1$/],
      ],
    },
    {
      name: 'an empty required cell',
      rows: [lines[0] as string, ...lines.slice(1, 30).map((l, i) => (i === 0 ? l.replace(',male,', ',,') : l))],
      expect: [[1, 'Sex', /^is empty$/]],
    },
    {
      name: 'too few rows',
      rows: lines.slice(0, 11),
      expect: [[undefined, undefined, /^training needs at least 20 data rows, the file has 10$/]],
    },
    {
      name: 'too few of one class',
      rows: [
        lines[0] as string,
        ...lines
          .slice(1)
          .filter((l) => l.split(',')[1] === '0')
          .slice(0, 30),
        ...lines
          .slice(1)
          .filter((l) => l.split(',')[1] === '1')
          .slice(0, 2),
      ],
      expect: [[undefined, 'Survived', /^training needs at least 5 rows of each class, the file has 30 of 0, 2 of 1$/]],
    },
    {
      name: 'a duplicated header column, with a hint for a misspelled one',
      rows: [(lines[0] as string).replace('Sex', 'sex').replace('Cabin', 'Fare'), ...lines.slice(1, 30)],
      expect: [
        [undefined, 'Fare', /appears more than once/],
        [undefined, 'Sex', /^required column "Sex" is missing \(found "sex"\)$/],
        [undefined, 'Cabin', /^required column "Cabin" is missing$/],
      ],
    },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, async () => {
      const v = await validateDatasetStream(csv(c.rows), titanic);
      assert.equal(v.problemCount, c.expect.length, JSON.stringify(v.problems));
      c.expect.forEach(([row, column, message], i) => {
        const p = v.problems[i];
        assert.equal(p?.row, row);
        assert.equal(p?.column, column);
        assert.match(p?.message ?? '', message);
      });
    });
  }

  it('counts a quoted field with line breaks in the line numbers', async () => {
    const rows = [lines[0] as string, ...lines.slice(1, 25)];
    rows[2] = (rows[2] as string).replace(
      '"Cumings, Mrs. John Bradley (Florence Briggs Thayer)"',
      '"Cumings,\nMrs.\r\nJohn"',
    );
    rows[4] = (rows[4] as string).replace(',35,', ',abc,');
    const v = await validateDatasetStream(csv(rows), titanic);
    assert.deepEqual(
      v.problems.map((p) => [p.row, p.line, p.column]),
      [[4, 7, 'Age']],
    );
  });

  it('refuses UTF-16 and invalid UTF-8 with the line, never echoing the bytes', async () => {
    const utf16 = await validateDatasetStream(
      Readable.from([Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b', 'utf16le')])]),
      titanic,
    );
    assert.match(utf16.problems[0]?.message ?? '', /UTF-16 LE/);
    const latin1 = Buffer.concat([train.subarray(0, 300), Buffer.from([0xe9]), train.subarray(300, 2000)]);
    const bad = await validateDatasetStream(chunked(latin1, 64), titanic);
    assert.equal(bad.problemCount, 1);
    assert.match(bad.problems[0]?.message ?? '', /^the file is not UTF-8 text: invalid byte 0xe9 at line 4 /);
  });

  it('does not require (or read) the label for a scoring file, as today', async () => {
    const file = path.join(fixtures, 'test.csv');
    const today = validateDataset(readFileSync(file), { requireLabel: false });
    const v = await validateDatasetStream(createReadStream(file), titanic, { requireLabel: false });
    assert.deepEqual([v.problemCount, v.rowCount], [today.problemCount, today.rowCount]);
    assert.equal(v.rowCount, 418);
    assert.equal(v.classCounts, undefined);
  });

  it('keeps the first N problems and counts all of them', async () => {
    const rows = [lines[0] as string, ...lines.slice(1).map((l) => l.replace(/,male,|,female,/, ',other,'))];
    const v = await validateDatasetStream(csv(rows), titanic, { keptProblems: 10 });
    assert.equal(v.problems.length, 10);
    assert.equal(v.problemCount, 891);
    assert.match(formatValidation(v), /and 881 more\n {2}per column: Sex 891$/);
  });

  it('validates a whole row with ajv when the schema has row-level keywords', async () => {
    const schema = compileDatasetSchema({
      type: 'object',
      properties: { kind: { enum: ['a', 'b'] }, size: { type: ['number', 'null'] }, y: { type: 'number' } },
      required: ['kind', 'y'],
      if: { properties: { kind: { const: 'b' } } },
      then: { required: ['size'] },
      'x-vertex-retrain': { label: 'y', labelKind: 'continuous', minRows: 1 },
    });
    assert.ok(schema.rowValidate);
    const v = await validateDatasetStream(csv(['kind,size,y', 'a,,1', 'b,,2', 'b,3,4']), schema);
    assert.deepEqual(
      v.problems.map((p) => [p.row, p.message]),
      [[2, "must have required property 'size'"]],
    );
  });

  it('refuses a column the schema does not know when additionalProperties is false', async () => {
    const schema = compileDatasetSchema({
      type: 'object',
      properties: { x: { type: 'number' }, y: { type: 'number' } },
      required: ['x', 'y'],
      additionalProperties: false,
      'x-vertex-retrain': { label: 'y', labelKind: 'continuous' },
    });
    const v = await validateDatasetStream(csv(['x,y,z', '1,2,3']), schema);
    assert.deepEqual(
      v.problems.map((p) => [p.column, p.message]),
      [['z', 'column "z" is not in the dataset schema']],
    );
  });
});
