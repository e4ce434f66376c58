import assert from 'node:assert/strict';
import { rocAuc } from '../../trainer/src/metrics';

describe('trainer/metrics: rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 1);
    assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
    assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.5);
  });

  it('counts a tie between a survivor and a non-survivor as one half', () => {
    // Pairs (survivor, non-survivor): (0.9, 0.4) win, (0.9, 0.6) win, (0.6, 0.4) win, (0.6, 0.6) tie → 3.5 / 4.
    assert.equal(rocAuc([0.9, 0.6, 0.6, 0.4], [1, 1, 0, 0]), 0.875);
  });

  it('is NaN, and returns, when a score is NaN or infinite or a class is missing', () => {
    assert.ok(Number.isNaN(rocAuc([0.3, NaN], [0, 1]))); // the former loop never ended here
    assert.ok(Number.isNaN(rocAuc([NaN, NaN, NaN], [0, 1, 1])));
    assert.ok(Number.isNaN(rocAuc([0.3, Infinity], [0, 1])));
    assert.ok(Number.isNaN(rocAuc([0.3, 0.4], [1, 1])));
  });
});
