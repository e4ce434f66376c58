import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readInstances } from '../../../functions/src/cli/instances';
import { renderPredictions } from '../../../functions/src/cli/predict';

describe('cli/passengers', () => {
  it('reads CSV rows as instances keyed by the header, leaving empty cells out', () => {
    const csv = readFileSync(join(__dirname, '../../../trainer/data/test.csv'), 'utf8');
    const [first, second] = readInstances(csv, 2);
    assert.equal(first?.Name, 'Kelly, Mr. James');
    assert.equal(first?.Age, '34.5');
    assert.equal('Cabin' in (first ?? {}), false);
    assert.equal(second?.Sex, 'female');
    assert.equal(readInstances(csv, 3).length, 3);
  });

  it('reads JSON as a list or as {"instances": [...]}, and refuses anything else', () => {
    assert.deepEqual(readInstances('[{"Sex":"male"}]'), [{ Sex: 'male' }]);
    assert.deepEqual(readInstances('{"instances":[{"Age":3},{"Age":4}]}', 1), [{ Age: 3 }]);
    assert.throws(() => readInstances('{"rows":[]}'), /array of instances/);
    assert.throws(() => readInstances('A,B\n'), /no rows/);
  });

  const TITANIC = { id: 'PassengerId', label: 'Survived', features: ['Pclass', 'Name', 'Sex', 'Age'] };
  const DIABETES = { label: 'target', features: ['age', 'sex', 'bmi'] };

  it('renders the id and feature columns of the schema next to the predicted label and probability', () => {
    const lines = renderPredictions(
      [{ PassengerId: '7', Name: 'Doe, Mr. John', Sex: 'male', Age: '40', Pclass: '3', Ticket: 'A/5' }],
      { predictions: [{ survived: 0, probability: 0.1234 }] },
      TITANIC,
    );
    assert.match(lines[0] ?? '', /^PASSENGERID\s+PCLASS\s+NAME\s+SEX\s+AGE\s+PREDICTED SURVIVED\s+PROBABILITY$/);
    assert.match(lines[1] ?? '', /^7\s+3\s+Doe, Mr. John\s+male\s+40\s+0\s+0\.123$/);
    assert.doesNotMatch(lines.join('\n'), /A\/5/, 'a column the model does not take is not shown');
  });

  it('reads the contract’s prediction items: {label, probability} and {value} (regression, no probability column)', () => {
    const label = renderPredictions([{ Name: 'x' }], { predictions: [{ label: 'yes', probability: 0.9 }] }, TITANIC);
    assert.match(label[1] ?? '', /yes\s+0\.900$/);
    const value = renderPredictions(
      [
        { age: 0.03, sex: 0.05, bmi: 0.06 },
        { age: -0.01, sex: -0.04, bmi: null },
      ],
      { predictions: [{ value: 151.234 }, { value: 80 }] },
      DIABETES,
    );
    assert.equal(value[0], 'AGE    SEX    BMI   PREDICTED TARGET');
    assert.match(value[1] ?? '', /^0\.03\s+0\.05\s+0\.06\s+151\.234$/);
    assert.match(value[2] ?? '', /^-0\.01\s+-0\.04\s+80$/);
  });

  it('an unknown prediction shape shows as its JSON; a missing one says so', () => {
    const lines = renderPredictions([{}, {}], { predictions: [{ score: [1, 2] }] }, DIABETES);
    assert.match(lines[1] ?? '', /\{"score":\[1,2\]\}$/);
    assert.match(lines[2] ?? '', /\(none\)$/);
  });
});
