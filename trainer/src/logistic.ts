// L2-regularised logistic regression fitted by Newton's method (IRLS). Why our own: it is ~60 lines, exact (the
// penalised log-likelihood is strictly convex, so Newton converges to THE optimum in a few steps, independent of
// any learning rate or random start), deterministic to the bit, and takes milliseconds. The npm alternatives
// fit by fixed-step gradient descent and do worse on the same split (trainer/scripts/compare-models.ts prints it).

/** A fitted model: p(survived) = sigmoid(intercept + weights · x). */
export interface LogisticModel {
  intercept: number;
  weights: number[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky; `a` is n×n row-major, lower triangle read). */
function solveSpd(a: Float64Array, b: Float64Array): Float64Array {
  const n = b.length;
  for (let j = 0; j < n; j++) {
    const aj = j * n;
    let d = a[aj + j] as number;
    for (let k = 0; k < j; k++) d -= (a[aj + k] as number) ** 2;
    const root = Math.sqrt(Math.max(d, 1e-12));
    a[aj + j] = root;
    for (let i = j + 1; i < n; i++) {
      const ai = i * n;
      let s = a[ai + j] as number;
      for (let k = 0; k < j; k++) s -= (a[ai + k] as number) * (a[aj + k] as number);
      a[ai + j] = s / root;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * n + k] as number) * (b[k] as number);
    b[i] = s / (a[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (a[k * n + i] as number) * (b[k] as number);
    b[i] = s / (a[i * n + i] as number);
  }
  return b;
}

/** Feature vectors as one matrix: `rows` × `cols`, row-major (one allocation, however many rows). */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Packs row vectors into a Matrix. */
export function matrixOf(x: readonly Float64Array[]): Matrix {
  const cols = x[0]?.length ?? 0;
  const data = new Float64Array(x.length * cols);
  x.forEach((row, i) => data.set(row, i * cols));
  return { data, rows: x.length, cols };
}

/**
 * Above this many rows, each Newton step takes its Hessian from an evenly spaced sample of this many rows (scaled
 * up to all of them) and its gradient from every row. The step is then a slightly inexact Newton step, so it
 * converges linearly instead of quadratically, but to the same optimum (the gradient is exact): a few more cheap
 * steps instead of a d²-per-row Hessian each step. At or below it (Titanic), the fit is exact Newton, as it always was.
 */
export const HESSIAN_ROWS = 4_000;
const MAX_STEPS = 100;

/**
 * Minimises  Σ logloss(y_i, p_i) + (lambda / 2)·|w|²  (the intercept is not penalised). `x` rows are the
 * (standardised) feature vectors, `y` the 0/1 labels.
 */
export function fitLogistic(
  x: readonly Float64Array[] | Matrix,
  y: ArrayLike<number>,
  lambda: number,
  start?: LogisticModel,
): LogisticModel {
  const m = 'data' in x ? x : matrixOf(x);
  const { data, rows: n } = m;
  const d = m.cols + 1; // parameter 0 is the intercept
  const beta = new Float64Array(d);
  // A warm start (the fit for a nearby lambda) saves Newton steps; the optimum is unique, so the result is the same.
  if (start) beta.set([start.intercept, ...start.weights]);
  const sampled = n > HESSIAN_ROWS;
  const every = sampled ? n / HESSIAN_ROWS : 1;
  const row = new Float64Array(d);
  const hessian = new Float64Array(d * d); // row-major; only the lower triangle is filled
  const gradient = new Float64Array(d);
  for (let iteration = 0; iteration < MAX_STEPS; iteration++) {
    hessian.fill(0);
    gradient.fill(0);
    for (let j = 1; j < d; j++) {
      hessian[j * d + j] = lambda;
      gradient[j] = lambda * (beta[j] as number);
    }
    let nextSample = 0;
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      for (let j = 0, o = i * m.cols; j < m.cols; j++) row[j + 1] = data[o + j] as number;
      let z = 0;
      for (let j = 0; j < d; j++) z += (row[j] as number) * (beta[j] as number);
      const p = sigmoid(z);
      const r = p - (y[i] as number);
      const inHessian = !sampled || i === Math.floor(nextSample);
      if (!inHessian) {
        for (let j = 0; j < d; j++) gradient[j] = (gradient[j] as number) + r * (row[j] as number);
        continue;
      }
      nextSample += every;
      // A sampled row stands for `every` rows in the Hessian.
      const w = Math.max(p * (1 - p), 1e-10) * every;
      for (let j = 0; j < d; j++) {
        const rj = row[j] as number;
        if (rj === 0) continue;
        gradient[j] = (gradient[j] as number) + r * rj;
        const wj = w * rj; // (w * rj) * row[k], the same product in the same order
        for (let k = 0, h = j * d; k <= j; k++) hessian[h + k] = (hessian[h + k] as number) + wj * (row[k] as number);
      }
    }
    // Only the lower triangle is filled: it is all the Cholesky solve reads.
    const step = solveSpd(hessian, gradient);
    let largest = 0;
    for (let j = 0; j < d; j++) {
      beta[j] = (beta[j] as number) - (step[j] as number);
      largest = Math.max(largest, Math.abs(step[j] as number));
    }
    if (largest < 1e-9) break;
  }
  return { intercept: beta[0] as number, weights: Array.from(beta.subarray(1)) };
}

/** p(survived) for one feature vector. */
export function predictLogistic(model: LogisticModel, x: Float64Array): number {
  let z = model.intercept;
  for (let j = 0; j < x.length; j++) z += (model.weights[j] as number) * (x[j] as number);
  return sigmoid(z);
}
