import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readInstances } from '../../../functions/src/cli/passengers';
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

  it('renders passengers next to their predictions', () => {
    const lines = renderPredictions(
      [{ PassengerId: '7', Name: 'Doe, Mr. John', Sex: 'male', Age: '40', Pclass: '3' }],
      {
        predictions: [{ survived: 0, probability: 0.1234 }],
      },
    );
    assert.match(lines[1] ?? '', /^7\s+Doe, Mr. John\s+male\s+40\s+3\s+does not survive\s+0\.123$/);
  });
});
