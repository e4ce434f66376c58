import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import {
  BatchResultsError,
  LISTED_ROWS,
  ROW_KEY,
  batchSummary,
  csvCell,
  mergePredictions,
  predictionsObjectName,
  toInstanceLines,
  type InputRow,
  type OutputFile,
} from '../../../functions/src/pipeline/batch-results';
import { DEFAULT_PRICING, type PricingTable } from '../../../functions/src/pipeline/cost';
import { mulberry32 } from '../../support/prng';

const columns = { id: 'PassengerId', features: ['Pclass', 'Sex', 'Age'] };
const rows: InputRow[] = [
  { PassengerId: 892, Pclass: 3, Sex: 'male', Age: 34.5, Name: 'Kelly, Mr. James' },
  { PassengerId: 893, Pclass: 3, Sex: 'female', Age: null, Name: 'Wilkes' },
  { PassengerId: 894, Pclass: 2, Sex: 'male', Name: 'Myles' },
];

/** The job's output line for a row, as Vertex writes it with a key field. */
const line = (row: number, prediction: unknown) => JSON.stringify({ key: String(row), prediction });
const pred = (row: number) => ({ label: row % 2 ? '1' : '0', probability: 0.1 + row / 10 });
const file = (name: string, lines: string[]): OutputFile => ({ name, text: `${lines.join('\n')}\n` });

describe('pipeline/batch-results', () => {
  it('writes one instance per row: the row index, then the features only (absent left out, null kept)', () => {
    const text = toInstanceLines(rows, columns);
    assert.deepEqual(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      [
        { [ROW_KEY]: 0, Pclass: 3, Sex: 'male', Age: 34.5 },
        { [ROW_KEY]: 1, Pclass: 3, Sex: 'female', Age: null },
        { [ROW_KEY]: 2, Pclass: 2, Sex: 'male' },
      ],
    );
    assert.ok(text.endsWith('\n'));
    assert.throws(() => toInstanceLines(rows, { features: [ROW_KEY] }), /may not be named vertex_retrain_row/);
  });

  it('names the predictions file next to the input', () => {
    for (const [input, output] of [
      ['score/test.csv', 'score/test.predictions.csv'],
      ['score/a/b.CSV', 'score/a/b.predictions.csv'],
      ['score/noext', 'score/noext.predictions.csv'],
    ]) {
      assert.equal(predictionsObjectName(input!), output);
    }
  });

  const merges: { name: string; outputs: OutputFile[]; header: string[]; records: string[][] }[] = [
    {
      name: 'in order, one file',
      outputs: [file('prediction.results-00000-of-00001', [line(0, pred(0)), line(1, pred(1)), line(2, pred(2))])],
      header: ['PassengerId', 'label', 'probability'],
      records: [
        ['892', '0', '0.1'],
        ['893', '1', '0.2'],
        ['894', '0', '0.30000000000000004'],
      ],
    },
    {
      name: 'shuffled across two files, numeric keys, CRLF',
      outputs: [
        { name: 'prediction.results-00001-of-00002', text: `${JSON.stringify({ key: 2, prediction: pred(2) })}\r\n` },
        file('prediction.results-00000-of-00002', [line(1, pred(1)), line(0, pred(0))]),
      ],
      header: ['PassengerId', 'label', 'probability'],
      records: [
        ['892', '0', '0.1'],
        ['893', '1', '0.2'],
        ['894', '0', '0.30000000000000004'],
      ],
    },
    {
      name: 'the same prediction twice (a retried shard), and a prediction after an error line',
      outputs: [
        file('a', [line(0, pred(0)), line(1, pred(1)), line(0, pred(0))]),
        file('b', [JSON.stringify({ key: '2', error: { message: 'overloaded' } }), line(2, pred(2))]),
      ],
      header: ['PassengerId', 'label', 'probability'],
      records: [
        ['892', '0', '0.1'],
        ['893', '1', '0.2'],
        ['894', '0', '0.30000000000000004'],
      ],
    },
    {
      name: 'regression values; the instance form (no key field) is read too',
      outputs: [
        file('x', [
          JSON.stringify({ instance: { [ROW_KEY]: 1, Pclass: 3 }, prediction: { value: 2.5 } }),
          line(0, { value: 151.2 }),
          line(2, { value: -1 }),
        ]),
      ],
      header: ['PassengerId', 'value'],
      records: [
        ['892', '151.2'],
        ['893', '2.5'],
        ['894', '-1'],
      ],
    },
    {
      name: 'bare values and the Titanic shape; fields missing in some predictions are empty',
      outputs: [file('x', [line(0, 0.7), line(1, { survived: 1, probability: 0.9 }), line(2, 'yes')])],
      header: ['PassengerId', 'prediction', 'survived', 'probability'],
      records: [
        ['892', '0.7', '', ''],
        ['893', '', '1', '0.9'],
        ['894', 'yes', '', ''],
      ],
    },
  ];
  for (const c of merges) {
    it(`merges in input order: ${c.name}`, () => {
      const merged = mergePredictions(rows, columns, c.outputs);
      assert.deepEqual(merged.header, c.header);
      assert.deepEqual(merged.records, c.records);
      assert.deepEqual(parse(merged.csv), [c.header, ...c.records]);
    });
  }

  it('names rows by number without an id column, and keeps a prediction field named like it apart', () => {
    const merged = mergePredictions(rows, { features: ['Sex'] }, [
      file('x', [line(2, { row: 'r' }), line(0, { row: 'p' }), line(1, { row: 'q' })]),
    ]);
    assert.deepEqual(merged.header, ['row', 'prediction_row']);
    assert.deepEqual(merged.records, [
      ['1', 'p'],
      ['2', 'q'],
      ['3', 'r'],
    ]);
  });

  const failures: {
    name: string;
    outputs: OutputFile[];
    message: RegExp;
    field: keyof BatchResultsError;
    rows: unknown;
  }[] = [
    {
      name: 'a missing output names the row and its id',
      outputs: [file('x', [line(0, pred(0)), line(2, pred(2))])],
      message: /no prediction for 1 of 3 rows: row 2 \(PassengerId 893\)/,
      field: 'missing',
      rows: [1],
    },
    {
      name: 'an error line names the row and the error',
      outputs: [
        file('x', [
          line(0, pred(0)),
          JSON.stringify({ key: '1', error: { message: 'Sex: bad value' } }),
          line(2, pred(2)),
        ]),
      ],
      message: /prediction failed for 1 of 3 rows: row 2 \(PassengerId 893\): Sex: bad value/,
      field: 'failed',
      rows: [1],
    },
    {
      name: 'two different predictions for one row',
      outputs: [file('x', [line(0, pred(0)), line(1, pred(1)), line(2, pred(2)), line(1, pred(0))])],
      message: /different predictions for 1 of 3 rows: row 2 \(PassengerId 893\)/,
      field: 'conflicting',
      rows: [1],
    },
    {
      name: 'lines that are not JSON or name no input row',
      outputs: [file('f', [line(0, pred(0)), line(1, pred(1)), line(2, pred(2)), '{oops', line(3, pred(3))])],
      message: /2 output lines unusable: f line 4: not JSON; f line 5: names no input row/,
      field: 'malformed',
      rows: ['f line 4: not JSON', 'f line 5: names no input row'],
    },
  ];
  for (const c of failures) {
    it(`refuses results that do not cover the input: ${c.name}`, () => {
      assert.throws(
        () => mergePredictions(rows, columns, c.outputs),
        (err: unknown) => {
          assert.ok(err instanceof BatchResultsError);
          assert.match(err.message, c.message);
          assert.deepEqual(err[c.field], c.rows);
          return true;
        },
      );
    });
  }

  it('lists at most LISTED_ROWS missing rows, then how many more', () => {
    const many: InputRow[] = Array.from({ length: 100 }, (_, i) => ({ PassengerId: 1000 + i }));
    assert.throws(
      () => mergePredictions(many, columns, [file('x', [line(0, 1)])]),
      (err: BatchResultsError) => {
        assert.equal(err.missing.length, 99);
        assert.match(err.message, /no prediction for 99 of 100 rows: row 2 \(PassengerId 1001\);/);
        assert.match(
          err.message,
          new RegExp(`row ${LISTED_ROWS + 1} \\(PassengerId ${1000 + LISTED_ROWS}\\), and 79 more`),
        );
        return true;
      },
    );
  });

  it('any shuffle of any split into files gives the same CSV (seeded)', () => {
    const random = mulberry32(7);
    const big: InputRow[] = Array.from({ length: 300 }, (_, i) => ({ PassengerId: i + 1, Pclass: 1 + (i % 3) }));
    const lines = big.map((_, i) => line(i, { label: String(i % 2), probability: i / 300 }));
    const expected = mergePredictions(big, columns, [file('all', lines)]).csv;
    for (let trial = 0; trial < 20; trial++) {
      const shuffled = [...lines];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const cut = Math.floor(random() * shuffled.length);
      const merged = mergePredictions(big, columns, [
        file('b', shuffled.slice(cut)),
        file('a', shuffled.slice(0, cut)),
      ]);
      assert.equal(merged.csv, expected);
    }
    assert.equal((parse(expected, { columns: true }) as Record<string, string>[])[123]?.PassengerId, '124');
  });

  it('quotes CSV cells only when needed', () => {
    for (const [cell, out] of [
      ['plain', 'plain'],
      ['a,b', '"a,b"'],
      ['say "hi"', '"say ""hi"""'],
      ['two\nlines', '"two\nlines"'],
      [' edge', '" edge"'],
      ['', ''],
    ]) {
      assert.equal(csvCell(cell!), out);
    }
  });

  describe('batchSummary', () => {
    const table: PricingTable = { ...DEFAULT_PRICING, predictionNodePerHour: { 'n1-standard-2': 0.1, 'e2-x': null } };
    const base = {
      rows: 418,
      modelVersion: 'projects/p/locations/r/models/titanic@3',
      startTime: '2026-12-02T10:00:00.000Z',
      endTime: '2026-12-02T10:30:00.000Z',
      replicaCount: 2,
      machineType: 'n1-standard-2',
    };
    const cases: {
      name: string;
      input: Partial<typeof base> & { replicaHours?: number };
      duration: number | null;
      hours: number | null;
      usd: number | null;
      note?: RegExp;
    }[] = [
      { name: 'reported replica-hours', input: { replicaHours: 0.75 }, duration: 1800, hours: 0.75, usd: 0.075 },
      { name: 'duration × replicas', input: {}, duration: 1800, hours: 1, usd: 0.1, note: /estimated as duration/ },
      {
        name: 'no times',
        input: { endTime: undefined },
        duration: null,
        hours: null,
        usd: null,
        note: /no replica-hours/,
      },
      {
        name: 'unpriced machine',
        input: { machineType: 'n2-x' },
        duration: 1800,
        hours: 1,
        usd: null,
        note: /no price for machine type "n2-x"/,
      },
      {
        name: 'price not confirmed',
        input: { machineType: 'e2-x' },
        duration: 1800,
        hours: 1,
        usd: null,
        note: /not confirmed/,
      },
      {
        name: 'end before start',
        input: { endTime: '2026-12-02T09:00:00.000Z' },
        duration: null,
        hours: null,
        usd: null,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const s = batchSummary({ ...base, ...c.input }, table);
        assert.equal(s.rows, 418);
        assert.equal(s.modelVersion, base.modelVersion);
        assert.equal(s.durationSeconds, c.duration);
        assert.equal(s.cost.replicaHours, c.hours);
        assert.equal(s.cost.usd, c.usd);
        assert.equal(s.cost.source, table.source);
        if (c.note)
          assert.ok(
            s.cost.notes.some((n) => c.note!.test(n)),
            s.cost.notes.join(' | '),
          );
      });
    }

    it('uses the default table, whose n1-standard-2 prediction price is not confirmed', () => {
      const s = batchSummary(base);
      assert.equal(s.cost.usd, null);
      assert.equal(s.cost.retrieved, DEFAULT_PRICING.retrieved);
    });
  });
});
