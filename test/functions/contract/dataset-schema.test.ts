import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ContractError } from '../../../functions/src/contract/ajv';
import { compileDatasetSchema } from '../../../functions/src/contract/dataset-schema';
import { validateDatasetStream } from '../../../functions/src/contract/dataset-validator';
import { IdTracker } from '../../../functions/src/contract/id-tracker';

const base = {
  type: 'object',
  properties: { id: { type: 'integer' }, x: { type: ['number', 'null'] }, y: { enum: ['a', 'b'] } },
  required: ['id', 'x', 'y'],
  'x-vertex-retrain': { label: 'y', labelKind: 'categorical', id: 'id' },
};

function problems(schema: unknown): string[] {
  try {
    compileDatasetSchema(schema);
  } catch (error) {
    assert.ok(error instanceof ContractError, String(error));
    return error.problems;
  }
  assert.fail('the schema was accepted');
}

describe('contract/dataset-schema', () => {
  it('compiles columns with their cell type, nullability and the table rules (defaults filled in)', () => {
    const s = compileDatasetSchema(base);
    assert.deepEqual(
      s.columns.map((c) => [c.name, c.type, c.nullable, c.required]),
      [
        ['id', 'integer', false, true],
        ['x', 'number', true, true],
        ['y', 'string', false, true],
      ],
    );
    assert.deepEqual(s.table.features, ['x']);
    assert.deepEqual(
      [s.table.minRows, s.table.minRowsPerClass, s.table.nullValues, s.table.delimiter],
      [1, 0, [''], ','],
    );
    assert.equal(s.rowValidate, undefined);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no table keyword', { ...base, 'x-vertex-retrain': undefined }, /^x-vertex-retrain: is required$/],
    [
      'a label that is not a property',
      { ...base, 'x-vertex-retrain': { label: 'z', labelKind: 'continuous' } },
      /^x-vertex-retrain\.label: "z" is not a property$/,
    ],
    [
      'an unknown label kind',
      { ...base, 'x-vertex-retrain': { label: 'y', labelKind: 'ordinal' } },
      /^x-vertex-retrain\.labelKind: must be one of/,
    ],
    ['a required name that is not a property', { ...base, required: ['id', 'w'] }, /^required: "w" is not a property$/],
    [
      'a feature that is not a property',
      { ...base, 'x-vertex-retrain': { label: 'y', labelKind: 'categorical', features: ['q'] } },
      /^x-vertex-retrain\.features: "q" is not a property$/,
    ],
    [
      'an object-typed column',
      { ...base, properties: { ...base.properties, x: { type: 'object' } } },
      /^properties\.x\.type: "object" cannot come from a CSV cell/,
    ],
    [
      'a misspelled table keyword',
      { ...base, 'x-vertex-retrain': { label: 'y', labelKind: 'categorical', minRow: 3 } },
      /^x-vertex-retrain\.minRow: is not a known field$/,
    ],
  ];
  for (const [what, schema, expected] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      const found = problems(schema);
      assert.ok(
        found.some((p) => expected.test(p)),
        found.join('\n'),
      );
    });
  }

  // The precompiled per-cell check replaces the ajv call for the usual keywords: it must give ajv's verdict.
  const fastCases: [string, Record<string, unknown>, unknown[]][] = [
    ['number bounds', { type: 'number', minimum: 0, maximum: 120 }, [-1, -0, 0, 0.5, 120, 120.01, 1e9]],
    ['exclusive bounds', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, [0, 1e-9, 0.5, 1, 2]],
    ['integer enum', { type: 'integer', enum: [0, 1] }, [0, 1, 2, -1]],
    ['string enum with null', { type: ['string', 'null'], enum: ['C', 'Q', 'S', null] }, ['C', 'S', 'X', 'c', '']],
    ['const', { type: 'string', const: 'yes' }, ['yes', 'no', 'Yes']],
    ['boolean const', { type: 'boolean', const: true }, [true, false]],
    [
      'pattern (unanchored, unicode)',
      { type: 'string', pattern: '^[A-Z]\\d{2}$|é' },
      ['A12', 'a12', 'A123', 'café', ''],
    ],
    ['bounds on a string column are ignored', { type: 'string', minimum: 5 }, ['1', '9']],
  ];
  for (const [name, prop, values] of fastCases)
    it(`checks ${name} without ajv, with ajv's verdict`, () => {
      const schema = compileDatasetSchema({
        ...base,
        properties: { ...base.properties, c: prop },
      });
      const spec = schema.byName.get('c');
      assert.ok(spec && spec.check !== spec.validate, 'a precompiled check');
      const verdicts = values.map((v) => [v, spec.check(v)]);
      assert.deepEqual(
        verdicts,
        values.map((v) => [v, spec.validate(v)]),
      );
      assert.ok(verdicts.some(([, ok]) => ok) && (name.includes('ignored') || verdicts.some(([, ok]) => !ok)));
    });

  it('leaves any other keyword to ajv', () => {
    const schema = compileDatasetSchema({
      ...base,
      properties: { ...base.properties, c: { type: 'string', minLength: 2 } },
    });
    const spec = schema.byName.get('c');
    assert.equal(spec?.check, spec?.validate);
    assert.deepEqual([spec?.check('a'), spec?.check('ab')], [false, true]);
  });

  it('says when the id check ran out of memory instead of pretending it checked every row', async () => {
    const schema = compileDatasetSchema(base);
    const csv = ['id,x,y', ...Array.from({ length: 50 }, (_, i) => `${i * 100_000},1,${i % 2 ? 'a' : 'b'}`), '0,1,a'];
    const full = await validateDatasetStream(Readable.from([csv.join('\n')]), schema);
    assert.deepEqual([full.problemCount, full.notes], [1, []]);
    assert.match(full.problems[0]?.message ?? '', /^0 repeats row 1$/);
    const tight = await validateDatasetStream(Readable.from([csv.join('\n')]), schema, { idBudgetBytes: 200_000 });
    assert.equal(tight.problemCount, 1, 'ids seen before the budget ran out are still checked');
    assert.match(tight.notes[0] ?? '', /id uniqueness was checked for the first rows only/);
  });

  it('tracks whole-number ids in pages and other ids in a map', () => {
    const t = new IdTracker();
    assert.equal(t.see(7, 1), undefined);
    assert.equal(t.see('A-7', 2), undefined);
    assert.equal(t.see(7, 3), 1);
    assert.equal(t.see('A-7', 4), 2);
    assert.equal(t.see(7.5, 5), undefined);
    assert.equal(t.see(7.5, 6), 5);
    assert.ok(t.complete);
  });
});
