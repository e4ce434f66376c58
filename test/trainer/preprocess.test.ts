import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DatasetError,
  KEPT_PROBLEMS,
  LISTED_PROBLEMS,
  parseScoringSet,
  parseTrainingSet,
  parseTrainingTable,
  readTrainingTable,
  validateDataset,
} from '../../trainer/src/preprocess';

const fixture = (name: string): Buffer => readFileSync(`test/fixtures/titanic/${name}`);
const HEADER = 'PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked';
/** The first `n` data lines of train.csv (CRLF stripped), for building small variants. */
const trainLines = (n: number): string[] =>
  fixture('train.csv')
    .toString('utf8')
    .split('\r\n')
    .slice(1, n + 1);

function rejection(bytes: Buffer, requireLabel = true): DatasetError {
  const error = (() => {
    try {
      if (requireLabel) parseTrainingSet(bytes);
      else parseScoringSet(bytes);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof DatasetError, 'expected a DatasetError');
  return error;
}

describe('trainer/preprocess', () => {
  describe('the real Kaggle files', () => {
    it('parses train.csv into 891 labelled rows and test.csv (no Survived) into 418 scoring rows', () => {
      const train = parseTrainingSet(fixture('train.csv'));
      assert.equal(train.length, 891);
      assert.equal(train.filter((r) => r.survived === 1).length, 342);
      assert.equal(train.filter((r) => r.age === undefined).length, 177);
      assert.deepEqual(validateDataset(fixture('test.csv'), { requireLabel: false }), {
        rowCount: 418,
        problems: [],
        problemCount: 0,
      });
      const test = parseScoringSet(fixture('test.csv'));
      assert.equal(test.length, 418);
      assert.equal(test.find((r) => r.passengerId === 1044)?.fare, undefined);
      // test.csv is not a training file: it has no label column.
      assert.deepEqual(
        validateDataset(fixture('test.csv')).problems.map((p) => p.column),
        ['Survived'],
      );
    });

    it('reads quoted names with commas and doubled quotes exactly', () => {
      const train = parseTrainingSet(fixture('train.csv'));
      assert.equal(train[0]?.name, 'Braund, Mr. Owen Harris');
      assert.equal(train[0]?.cabin, '');
      assert.equal(train[1]?.embarked, 'C');
      const carrie = train.find((r) => r.name.startsWith('Johnston, Miss. Catherine'));
      assert.equal(carrie?.name, 'Johnston, Miss. Catherine Helen "Carrie"');
      const test = parseScoringSet(fixture('test.csv'));
      assert.ok(test.some((r) => r.name === 'Assaf Khalil, Mrs. Mariana (Miriam")"'));
    });
  });

  describe('the bad-input fixtures', () => {
    it('rejects empty.csv as empty', () => {
      const error = rejection(fixture('empty.csv'));
      assert.match(error.message, /empty/);
    });

    it('rejects header-only.csv: no data rows', () => {
      assert.match(rejection(fixture('header-only.csv')).message, /no data rows/);
      assert.match(rejection(fixture('header-only.csv'), false).message, /no data rows/);
    });

    it('rejects missing-column.csv naming Sex', () => {
      const error = rejection(fixture('missing-column.csv'));
      assert.deepEqual(
        error.problems.map((p) => p.column),
        ['Sex'],
      );
      assert.match(error.message, /"Sex" is missing/);
    });

    it('rejects garbage.bin without echoing its bytes', () => {
      const bytes = fixture('garbage.bin');
      const error = rejection(bytes);
      assert.match(error.message, /binary|UTF-8/);
      assert.ok(error.message.length < 200);
      assert.ok(!error.message.includes(bytes.subarray(0, 8).toString('latin1')));
      // Invalid UTF-8 without NUL bytes is caught too.
      assert.match(rejection(Buffer.from([0x9e, 0x41, 0x2c, 0x42, 0x0a])).message, /not UTF-8/);
    });

    it('reports every bad cell of wrong-types.csv with its row and column', () => {
      const { problems, rowCount } = validateDataset(fixture('wrong-types.csv'));
      assert.equal(rowCount, 20);
      assert.deepEqual(
        problems.map((p) => `${p.row}:${p.column}`),
        ['3:Age', '5:Fare', '7:Age', '9:Survived', '12:Fare'],
      );
      assert.match(rejection(fixture('wrong-types.csv')).message, /row 9, column Survived: "2" is not a valid label/);
    });

    it('rejects semicolon.csv with a delimiter hint', () => {
      assert.match(rejection(fixture('semicolon.csv')).message, /";" as delimiter/);
    });

    it('accepts bom-crlf.csv: 50 rows equal to the first 50 of train.csv, clean first column', () => {
      const rows = parseTrainingSet(fixture('bom-crlf.csv'));
      assert.equal(rows.length, 50);
      assert.deepEqual(rows, parseTrainingSet(fixture('train.csv')).slice(0, 50));
      assert.equal(rows[0]?.passengerId, 1);
      assert.ok(rows.every((r) => !r.embarked?.endsWith('\r') && !r.cabin.endsWith('\r')));
    });
  });

  describe('other shapes', () => {
    it('ignores extra columns', () => {
      const lines = trainLines(25).map((l) => `${l},extra`);
      const rows = parseTrainingSet(Buffer.from([`${HEADER},Comment`, ...lines].join('\n')));
      assert.equal(rows.length, 25);
      assert.equal(rows[3]?.name, 'Futrelle, Mrs. Jacques Heath (Lily May Peel)');
    });

    it('rejects duplicated header names and ragged rows, naming them', () => {
      const dup = rejection(Buffer.from([`${HEADER},Age`, ...trainLines(25).map((l) => `${l},1`)].join('\n')));
      assert.match(dup.message, /column "Age" appears more than once/);
      const lines = trainLines(25);
      lines[4] = '5,0,3';
      const ragged = rejection(Buffer.from([HEADER, ...lines].join('\n')));
      assert.deepEqual(ragged.problems, [{ row: 5, message: 'has 3 fields, the header has 12 (line 6)' }]);
    });

    it('names every repeated PassengerId with the row it first appeared on, in increasing order or not', () => {
      // Ids 1..1500 in order (the Kaggle files' way: none can repeat), then out of order: 7 again, a new 2000, 3000
      // before 2500, and 2000 and 1500 again.
      const lines = trainLines(891);
      const rows = Array.from({ length: 1500 }, (_, i) => (lines[i % 891] as string).replace(/^\d+/, String(i + 1)));
      const withId = (id: number, i: number): string => (lines[i] as string).replace(/^\d+/, String(id));
      rows.push(withId(7, 0), withId(2000, 1), withId(3000, 2), withId(2500, 3), withId(2000, 4), withId(1500, 5));
      const error = rejection(Buffer.from([HEADER, ...rows].join('\n')));
      assert.deepEqual(error.problems, [
        { row: 1501, column: 'PassengerId', message: '7 repeats row 7' },
        { row: 1505, column: 'PassengerId', message: '2000 repeats row 1502' },
        { row: 1506, column: 'PassengerId', message: '1500 repeats row 1500' },
      ]);
    });

    it('needs enough rows and both classes to train', () => {
      assert.match(rejection(Buffer.from([HEADER, ...trainLines(10)].join('\n'))).message, /at least 20 data rows/);
      const died = trainLines(891).filter((l) => /^\d+,0,/.test(l));
      assert.match(rejection(Buffer.from([HEADER, ...died].join('\n'))).message, /0 survivors/);
    });

    it('lists the first problems and counts the rest', () => {
      const lines = trainLines(891).map((l) => l.replace(/,(male|female),/, ',dog,'));
      const error = rejection(Buffer.from([HEADER, ...lines].join('\n')));
      assert.equal(error.problemCount, 891);
      assert.ok(error.problems.length <= KEPT_PROBLEMS);
      assert.match(error.message, new RegExp(`and ${891 - LISTED_PROBLEMS} more`));
    });

    it('reports an unterminated quote as a CSV error with its line', () => {
      const error = rejection(Buffer.from(`${HEADER}\n1,0,3,"Braund, Mr. Owen,male,22,1,0,A/5,7.25,,S\n`));
      assert.match(error.message, /not a valid CSV file/);
    });
  });
});

describe('trainer/preprocess: readTrainingTable (the trainer reads its file as a stream)', () => {
  const CSV = fixture('train.csv').toString('utf8').split('\r\n').slice(0, 31).join('\r\n');
  const latin1 = Buffer.from(CSV.replace('Harris', 'Harrís'), 'latin1');
  const cutAtEnd = Buffer.concat([Buffer.from(CSV), Buffer.from([0xc3])]);
  const variants: [string, Buffer][] = [
    ['train.csv', fixture('train.csv')],
    ['a UTF-8 BOM and CRLF', fixture('bom-crlf.csv')],
    ['accented names (multi-byte characters cut by chunks)', Buffer.from(CSV.replace(/Mr\./g, 'Mr. Ñúñez'))],
    ['CR-only line ends', Buffer.from(CSV.replace(/\r\n/g, '\r'))],
    ['wrong types', fixture('wrong-types.csv')],
    ['a missing column', fixture('missing-column.csv')],
    ['semicolons', fixture('semicolon.csv')],
    ['an empty file', fixture('empty.csv')],
    ['a header only', fixture('header-only.csv')],
    ['a binary file', fixture('garbage.bin')],
    ['Latin-1 text', latin1],
    ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')])],
    ['a character cut at the very end', cutAtEnd],
    ['an unclosed quote', Buffer.from(`${CSV}\n"unclosed`)],
    ['a quote in an unquoted field', Buffer.from(CSV.replace('Braund, Mr. Owen Harris', 'Braund, Mr. "Owen" Harris'))],
    ['a ragged row', Buffer.from(CSV.replace(/\r\n3,/, '\r\n3,1,\r\n3,'))],
    [
      '"" quotes, a quoted line end, blank lines, no final line end',
      Buffer.from(
        `${CSV.replace('(Lily May Peel)', '""Lily"" May\nPeel').replace(/\r\n(5,)/, '\r\n\r\n\n$1')}`.trimEnd(),
      ),
    ],
  ];
  async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  }
  const outcome = async (read: () => Promise<unknown>): Promise<unknown> => {
    try {
      return { table: await read() };
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error;
      return { problems: error.problems, problemCount: error.problemCount };
    }
  };
  for (const [what, bytes] of variants) {
    it(`${what}: the same table or the same problems as parsing the whole file, however it is cut`, async () => {
      const whole = await outcome(async () => parseTrainingTable(bytes));
      for (const size of [1, 2, 7, 4096, bytes.length + 1]) {
        // A stream given as such is read by csv-parse; a stream that can be opened again, by WellFormedCsv first.
        assert.deepEqual(await outcome(() => readTrainingTable(chunked(bytes, size))), whole, `chunks of ${size}`);
        const reopened = await outcome(() => readTrainingTable(() => chunked(bytes, size)));
        assert.deepEqual(reopened, whole, `chunks of ${size}, opened again if needed`);
      }
    });
  }

  it('the table holds the rows parseTrainingSet reads', () => {
    const table = parseTrainingTable(fixture('train.csv'));
    const rows = parseTrainingSet(fixture('train.csv'));
    assert.equal(table.length, 891);
    rows.forEach((row, i) => {
      assert.equal(table.passengerId[i], row.passengerId);
      assert.equal(table.survived[i], row.survived);
      assert.equal(table.tickets[table.ticket[i] as number] ?? '', row.ticket);
      assert.equal(Number.isNaN(table.age[i]) ? undefined : table.age[i], row.age);
    });
  });
});
