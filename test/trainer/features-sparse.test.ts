import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allRows, fitTableFeatures, fitTableFeaturesSparse } from '../../trainer/src/features';
import { denseRows } from '../../trainer/src/logistic';
import { parseTrainingTable } from '../../trainer/src/preprocess';
import { stratifiedHoldout } from '../../trainer/src/split';

const table = parseTrainingTable(readFileSync('trainer/data/train.csv'));

/** The largest |a - b| over two equally long lists. */
function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs((a[i] as number) - (b[i] as number)));
  return largest;
}

describe('features: fitTableFeaturesSparse (the many-rows build)', () => {
  for (const [what, rows] of [
    ['every row', allRows(table.length)],
    ["the hold-out split's training rows", stratifiedHoldout(table.survived, 0.2, 42).train],
  ] as const) {
    it(`learns the statistics and values of the dense build on ${what}`, () => {
      const dense = fitTableFeatures(table, rows);
      const sparse = fitTableFeaturesSparse(table, rows);
      const { min, max, mean, std, ...imputation } = dense.stats;
      const { min: sMin, max: sMax, mean: sMean, std: sStd, ...sImputation } = sparse.stats;
      assert.deepEqual(sImputation, imputation);
      assert.deepEqual(sMin, min);
      assert.deepEqual(sMax, max);
      assert.ok(largestDifference(sMean, mean) < 1e-9, 'mean');
      assert.ok(largestDifference(sStd, std) < 1e-9, 'std');
      assert.equal(sparse.x.rows, rows.length);
      assert.equal(sparse.x.cols, dense.x.cols);
      // Fewer entries than the dense matrix has cells: only what differs from the base row is kept.
      assert.ok(sparse.x.value.length < (rows.length * dense.x.cols) / 2, `${sparse.x.value.length} entries`);
      assert.ok(largestDifference(denseRows(sparse.x, allRows(rows.length)).data, dense.x.data) < 1e-9, 'values');
      // Other rows are encoded under the statistics learned, as the dense build encodes them.
      const other = allRows(table.length).filter((i) => !Array.from(rows).includes(i));
      if (other.length > 0) {
        assert.ok(largestDifference(sparse.encodeRows(other).data, dense.encodeRows(other).data) < 1e-9);
      }
    });
  }

  it('denseRows reads the rows asked for, in that order', () => {
    const { x } = fitTableFeaturesSparse(table);
    const all = denseRows(x, allRows(table.length));
    const picked = denseRows(x, [5, 0, 5]);
    assert.equal(picked.rows, 3);
    assert.deepEqual(picked.data.subarray(0, x.cols), all.data.subarray(5 * x.cols, 6 * x.cols));
    assert.deepEqual(picked.data.subarray(x.cols, 2 * x.cols), all.data.subarray(0, x.cols));
    assert.deepEqual(picked.data.subarray(2 * x.cols), all.data.subarray(5 * x.cols, 6 * x.cols));
  });
});
