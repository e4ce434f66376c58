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

const MAX_STEPS = 100;

/**
 * Above this many rows, a Newton step takes the Hessian's off-diagonal shape from an evenly spaced sample of this
 * many rows, and its diagonal and the gradient from every row (d instead of d² work per row). The step is then
 * slightly inexact, so convergence is linear instead of quadratic, to the same optimum (the gradient is exact).
 * The exact diagonal matters: a rare category (a title on 1 row in 1,000) may be missing from the sample, and a
 * sampled curvature of ~0 along it would send the step far off. At or below it (Titanic): exact Newton, as always.
 */
export const HESSIAN_ROWS = 20_000;
/**
 * A sampled fit stops once no coefficient moves by more than this (an exact fit: 1e-9): on standardised features a
 * probability then moves by well under 1e-6, and linear convergence would spend many more passes on the last digits.
 */
const SAMPLED_TOLERANCE = 1e-6;

/**
 * Rescales the sampled Hessian (lower triangle of `h`) so its diagonal is `exact` (its correlations kept), a
 * column missing from the sample keeping only its exact diagonal; then adds the penalty `lambda` (not on the intercept).
 */
function matchDiagonal(h: Float64Array, exact: Float64Array, lambda: number, d: number): void {
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const sampledJ = h[j * d + j] as number;
    scale[j] = sampledJ > 0 ? Math.sqrt((exact[j] as number) / sampledJ) : 0;
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) h[j * d + k] = (h[j * d + k] as number) * (scale[j] as number) * (scale[k] as number);
    h[j * d + j] = (exact[j] as number) + (j > 0 ? lambda : 0);
  }
}

/** log(1 + e^z), without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** The penalised objective Σ logloss + (lambda / 2)·|w|² at `beta` (intercept first). */
function objective(x: Matrix, y: ArrayLike<number>, lambda: number, beta: Float64Array): number {
  let penalty = 0;
  for (let j = 1; j < beta.length; j++) penalty += (beta[j] as number) ** 2;
  let loss = (lambda / 2) * penalty;
  for (let i = 0, o = 0; i < x.rows; i++, o += x.cols) {
    let z = beta[0] as number;
    for (let j = 0; j < x.cols; j++) z += (x.data[o + j] as number) * (beta[j + 1] as number);
    loss += softplus(y[i] === 1 ? -z : z);
  }
  return loss;
}

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
  const row = new Float64Array(d);
  const hessian = new Float64Array(d * d); // row-major; only the lower triangle is filled
  const gradient = new Float64Array(d);
  const trial = new Float64Array(d);
  const sampled = n > HESSIAN_ROWS;
  const every = n / HESSIAN_ROWS;
  const exactDiagonal = new Float64Array(d);
  for (let iteration = 0; iteration < MAX_STEPS; iteration++) {
    hessian.fill(0);
    gradient.fill(0);
    for (let j = 1; j < d; j++) {
      if (!sampled) hessian[j * d + j] = lambda; // matchDiagonal adds it to the sampled Hessian
      gradient[j] = lambda * (beta[j] as number);
    }
    exactDiagonal.fill(0);
    let nextSample = 0;
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      for (let j = 0, o = i * m.cols; j < m.cols; j++) row[j + 1] = data[o + j] as number;
      let z = 0;
      for (let j = 0; j < d; j++) z += (row[j] as number) * (beta[j] as number);
      const p = sigmoid(z);
      const r = p - (y[i] as number);
      const w = Math.max(p * (1 - p), 1e-10);
      if (sampled) {
        for (let j = 0; j < d; j++) {
          const rj = row[j] as number;
          gradient[j] = (gradient[j] as number) + r * rj;
          exactDiagonal[j] = (exactDiagonal[j] as number) + w * rj * rj;
        }
        if (i !== Math.floor(nextSample)) continue;
        nextSample += every;
        for (let j = 0; j < d; j++) {
          const wj = w * (row[j] as number);
          for (let k = 0, h = j * d; k <= j; k++) hessian[h + k] = (hessian[h + k] as number) + wj * (row[k] as number);
        }
        continue;
      }
      for (let j = 0; j < d; j++) {
        const rj = row[j] as number;
        if (rj === 0) continue;
        gradient[j] = (gradient[j] as number) + r * rj;
        const wj = w * rj; // (w * rj) * row[k], the same product in the same order
        for (let k = 0, h = j * d; k <= j; k++) hessian[h + k] = (hessian[h + k] as number) + wj * (row[k] as number);
      }
    }
    if (sampled) matchDiagonal(hessian, exactDiagonal, lambda, d);
    // Only the lower triangle is filled: it is all the Cholesky solve reads.
    const step = solveSpd(hessian, gradient);
    // A full Newton step from far away (a warm start whose rare-feature weights saturate some rows) can overshoot
    // and diverge: halve it until the objective does not rise. Near the optimum the full step always passes, so an
    // exact fit takes exactly the steps it always took.
    let scale = 1;
    let stepSize = 0;
    for (let j = 0; j < d; j++) stepSize = Math.max(stepSize, Math.abs(step[j] as number));
    // (Small steps cannot overshoot far: checked only when a coefficient moves by more than 0.001.)
    const before = stepSize > 1e-3 ? objective(m, y, lambda, beta) : Infinity;
    for (let halving = 0; halving < 40; halving++, scale /= 2) {
      for (let j = 0; j < d; j++) trial[j] = (beta[j] as number) - scale * (step[j] as number);
      if (objective(m, y, lambda, trial) <= before + 1e-9 * Math.abs(before)) break;
    }
    let largest = 0;
    for (let j = 0; j < d; j++) {
      const taken = scale === 1 ? (step[j] as number) : scale * (step[j] as number);
      beta[j] = (beta[j] as number) - taken;
      largest = Math.max(largest, Math.abs(taken));
    }
    if (largest < (sampled ? SAMPLED_TOLERANCE : 1e-9)) break;
  }
  return { intercept: beta[0] as number, weights: Array.from(beta.subarray(1)) };
}

/** p(survived) for one feature vector. */
export function predictLogistic(model: LogisticModel, x: Float64Array): number {
  let z = model.intercept;
  for (let j = 0; j < x.length; j++) z += (model.weights[j] as number) * (x[j] as number);
  return sigmoid(z);
}
