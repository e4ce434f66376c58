import assert from 'node:assert/strict';
import {
  DENSE_ROWS,
  fitLogistic,
  fitLogisticSparse,
  type LogisticModel,
  type Matrix,
} from '../../trainer/src/logistic';
import { random } from '../../trainer/src/split';

/** Seeded rows shaped like the Titanic features: standardised one-hot columns (a rare one too) and dense ones. */
function dataset(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const next = random(seed);
  const cols = 10;
  const data = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = -0.4;
    for (let j = 0; j < cols; j++) {
      const share = j === 0 ? 0.002 : 0.1 * j;
      const v = j < 6 ? (next() < share ? 1 : 0) - share : next() * 2 - 1;
      data[i * cols + j] = v;
      z += ((j % 3) - 1) * 1.5 * v;
    }
    y[i] = next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x: { data, rows: n, cols }, y };
}

const largestDifference = (a: LogisticModel, b: LogisticModel): number =>
  Math.max(Math.abs(a.intercept - b.intercept), ...a.weights.map((w, j) => Math.abs(w - (b.weights[j] as number))));

describe('trainer/logistic', () => {
  for (const lambda of [0.3, 3, 30]) {
    it(`the sparse fit (many rows) reaches the dense exact Newton optimum, lambda ${lambda}`, () => {
      const { x, y } = dataset(4_000, 11);
      const dense = fitLogistic(x, y, lambda);
      assert.ok(largestDifference(dense, fitLogisticSparse(x, y, lambda)) < 1e-6);
      // From a far warm start too (the step is halved when it would raise the objective).
      const far = { intercept: 3, weights: dense.weights.map((w) => -4 * w) };
      assert.ok(largestDifference(dense, fitLogisticSparse(x, y, lambda, far)) < 1e-6);
    });
  }

  it(`fits above ${DENSE_ROWS} rows run the sparse path, to the same optimum as the dense loop`, () => {
    const { x, y } = dataset(DENSE_ROWS + 1, 5);
    const fitted = fitLogistic(x, y, 1);
    assert.deepEqual(fitted, fitLogisticSparse(x, y, 1));
    const dense = fitLogistic({ ...x, rows: DENSE_ROWS }, y.subarray(0, DENSE_ROWS), 1);
    assert.ok(largestDifference(fitted, dense) < 0.05); // one row more barely moves the fit
  });
});
