import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FieldError, NON_EMPTY, readers, readSurvived } from '../../trainer/src/fields';
import { MIN_ROWS_PER_CLASS, MIN_TRAINING_ROWS } from '../../trainer/src/preprocess';

// The schema file itself, read as the pipeline's drop check reads it: the trainer must accept and refuse the same.
const schema = JSON.parse(readFileSync('trainer/dataset.schema.json', 'utf8'));
const property = (c: string) => schema.properties[c];
const read = (column: string, raw: unknown) =>
  column === 'Survived' ? readSurvived(raw) : (readers as Record<string, (r: unknown) => unknown>)[column]?.(raw);

describe('trainer/dataset-rules: the trainer reads its rules from dataset.schema.json', () => {
  for (const column of ['PassengerId', 'Age', 'SibSp', 'Parch', 'Fare']) {
    it(`${column}: the schema's bounds and integer-ness, no more, no less`, () => {
      const { minimum, maximum, type } = property(column);
      assert.equal(read(column, String(minimum)), minimum);
      assert.equal(read(column, String(maximum)), maximum);
      assert.throws(() => read(column, String(maximum + 1)), FieldError);
      assert.throws(() => read(column, String(minimum - 1)), FieldError);
      const integer = (Array.isArray(type) ? type : [type]).includes('integer');
      if (integer) assert.throws(() => read(column, String(minimum + 0.5)), /not a whole number/);
      else assert.equal(read(column, String(minimum + 0.5)), minimum + 0.5);
    });
  }

  for (const column of ['Survived', 'Pclass', 'Sex', 'Embarked']) {
    it(`${column}: exactly the schema's enum`, () => {
      const allowed = (property(column).enum as unknown[]).filter((v) => v !== null);
      for (const value of allowed) assert.equal(read(column, String(value)), value);
      for (const other of ['4', 'x', '2.5', 'unknown']) {
        if (!allowed.map(String).includes(other)) assert.throws(() => read(column, other), FieldError);
      }
    });
  }

  it('a row may leave empty exactly the nullable columns; the row minimums are the schema’s', () => {
    const nonNullable = schema.required.filter((c: string) => {
      const t = property(c).type;
      return !(Array.isArray(t) ? t : [t]).includes('null');
    });
    assert.deepEqual([...NON_EMPTY].sort(), [...nonNullable].sort());
    assert.equal(MIN_TRAINING_ROWS, schema['x-vertex-retrain'].minRows);
    assert.equal(MIN_ROWS_PER_CLASS, schema['x-vertex-retrain'].minRowsPerClass);
  });
});
