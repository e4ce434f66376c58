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
 * Above this many rows the fit runs on the sparse form of the rows (fitLogisticSparse): the same exact Newton
 * method, at a fraction of the work per row. At or below it (Titanic): the dense loop above, bit for bit as always.
 */
export const DENSE_ROWS = 20_000;

/** The rows of a Matrix as offsets from a base row `base`, keeping only the entries that differ from it (CSR). */
export interface SparseRows {
  rows: number;
  cols: number;
  base: Float64Array;
  start: Int32Array;
  column: Uint16Array;
  value: Float64Array;
}

/** How many evenly spaced rows the base row of the sparse form is chosen from. */
export const PROBE_ROWS = 2_000;

/** The most frequent value of each column among (at most) `probe` evenly spaced rows. */
export function baseRow(m: Matrix, probe = PROBE_ROWS): Float64Array {
  const base = new Float64Array(m.cols);
  const step = Math.max(1, Math.floor(m.rows / probe));
  for (let j = 0; j < m.cols; j++) {
    const counts = new Map<number, number>();
    let best = 0;
    let bestCount = 0;
    for (let i = 0; i < m.rows; i += step) {
      const v = m.data[i * m.cols + j] as number;
      const c = (counts.get(v) ?? 0) + 1;
      counts.set(v, c);
      if (c > bestCount) [best, bestCount] = [v, c];
    }
    base[j] = best;
  }
  return base;
}

/** The sparse form of `m`'s rows (what fitLogisticSparse computes on: convert once to fit several times). */
export function sparseRows(m: Matrix): SparseRows {
  const base = baseRow(m);
  const { data, rows: n, cols } = m;
  const start = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0, o = 0; i < n; i++, o += cols) {
    for (let j = 0; j < cols; j++) if (data[o + j] !== base[j]) nnz++;
    start[i + 1] = nnz;
  }
  const column = new Uint16Array(nnz);
  const value = new Float64Array(nnz);
  for (let i = 0, o = 0, e = 0; i < n; i++, o += cols) {
    for (let j = 0; j < cols; j++) {
      const v = data[o + j] as number;
      if (v === base[j]) continue;
      column[e] = j + 1; // parameter index (0 is the intercept)
      value[e++] = v - (base[j] as number);
    }
  }
  return { rows: n, cols, base, start, column, value };
}

const STOP_DECREMENT = 1e-8;

/** Rows `rows` of a sparse form, dense again (the few thousand rows a lambda search or a first step runs on). */
export function denseRows(s: SparseRows, rows: ArrayLike<number>): Matrix {
  const { cols } = s;
  const data = new Float64Array(rows.length * cols);
  for (let r = 0, o = 0; r < rows.length; r++, o += cols) {
    data.set(s.base, o);
    const i = rows[r] as number;
    for (let e = s.start[i] as number; e < (s.start[i + 1] as number); e++) {
      const j = (s.column[e] as number) - 1;
      data[o + j] = (data[o + j] as number) + (s.value[e] as number);
    }
  }
  return { data, rows: rows.length, cols };
}

/**
 * The same minimiser as fitLogistic, for many rows. Each row x is written as base + u, `base` a typical row (the
 * most frequent value per column: 0 of a one-hot column, after scaling) and u sparse (about 7 of 25 entries on the
 * Titanic features). With ũ = (1, u), x̃ = (1, x) = T ũ for T = [[1, 0], [base, I]], so the gradient X̃'r = T (Ũ'r)
 * and the Hessian X̃'WX̃ = T (Ũ'WŨ) T': each pass over the rows touches only the non-zeros of u (nnz² / 2 products
 * per row for the Hessian instead of d² / 2), and the step is the exact Newton step. One pass per step: it also
 * gives the objective at the current point, so a step that raised it is halved on the next pass. Stops when the
 * Newton decrement g'H⁻¹g (twice the predicted gain of the step) falls under 1e-8 of the objective (the step is
 * taken, and Newton converges quadratically: what is left after it is of the order of the square of that), or a
 * coefficient moves by less than 1e-9.
 */
export function fitLogisticSparse(
  m: Matrix | SparseRows,
  y: ArrayLike<number>,
  lambda: number,
  start?: LogisticModel,
): LogisticModel {
  const s = 'data' in m ? sparseRows(m) : m;
  const { base, column, value } = s;
  const rowStart = s.start;
  const n = s.rows;
  const d = s.cols + 1;
  const beta = new Float64Array(d);
  if (start) beta.set([start.intercept, ...start.weights]);
  const previous = new Float64Array(d);
  const step = new Float64Array(d);
  const hs = new Float64Array(d * d); // Ũ'WŨ, lower triangle
  const gs = new Float64Array(d); // Ũ'r
  const hessian = new Float64Array(d * d);
  const gradient = new Float64Array(d);
  let accepted = Infinity; // the objective at `previous`
  let scale = 1;
  for (let pass = 0; pass < 4 * MAX_STEPS; pass++) {
    // γ = T'β: the coefficients on ũ.
    let g0 = beta[0] as number;
    for (let j = 1; j < d; j++) g0 += (base[j - 1] as number) * (beta[j] as number);
    hs.fill(0);
    gs.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const e0 = rowStart[i] as number;
      const e1 = rowStart[i + 1] as number;
      let z = g0;
      for (let e = e0; e < e1; e++) z += (value[e] as number) * (beta[column[e] as number] as number);
      const t = Math.exp(-Math.abs(z));
      const l = Math.log1p(t);
      const p = z >= 0 ? 1 / (1 + t) : t / (1 + t);
      const yi = y[i] as number;
      loss += yi === 1 ? (z >= 0 ? l : l - z) : z >= 0 ? z + l : l;
      const r = p - yi;
      const w = Math.max(p * (1 - p), 1e-10);
      gs[0] = (gs[0] as number) + r;
      hs[0] = (hs[0] as number) + w;
      for (let e = e0; e < e1; e++) {
        const j = column[e] as number;
        const uj = value[e] as number;
        const wj = w * uj;
        gs[j] = (gs[j] as number) + r * uj;
        const h = j * d;
        hs[h] = (hs[h] as number) + wj;
        for (let f = e0; f <= e; f++)
          hs[h + (column[f] as number)] = (hs[h + (column[f] as number)] as number) + wj * (value[f] as number);
      }
    }
    let penalty = 0;
    for (let j = 1; j < d; j++) penalty += (beta[j] as number) ** 2;
    loss += (lambda / 2) * penalty;
    if (loss > accepted + 1e-12 * Math.abs(accepted)) {
      // The step raised the objective: halve it (from the accepted point) and look again.
      scale /= 2;
      for (let j = 0; j < d; j++) beta[j] = (previous[j] as number) - scale * (step[j] as number);
      if (scale < 1e-12) {
        beta.set(previous);
        break;
      }
      continue;
    }
    // H = T H̃ T' and g = T g̃ (+ the penalty), lower triangles.
    const h00 = hs[0] as number;
    hessian[0] = h00;
    gradient[0] = gs[0] as number;
    for (let j = 1; j < d; j++) {
      const bj = base[j - 1] as number;
      const hj0 = hs[j * d] as number;
      gradient[j] = (gs[j] as number) + bj * (gs[0] as number) + lambda * (beta[j] as number);
      hessian[j * d] = hj0 + bj * h00;
      for (let k = 1; k <= j; k++) {
        const bk = base[k - 1] as number;
        hessian[j * d + k] =
          (hs[j * d + k] as number) + bj * (hs[k * d] as number) + bk * hj0 + bj * bk * h00 + (j === k ? lambda : 0);
      }
    }
    previous.set(beta);
    accepted = loss;
    scale = 1;
    step.set(gradient);
    solveSpd(hessian, step);
    let decrement = 0;
    let largest = 0;
    for (let j = 0; j < d; j++) {
      decrement += (gradient[j] as number) * (step[j] as number);
      largest = Math.max(largest, Math.abs(step[j] as number));
      beta[j] = (beta[j] as number) - (step[j] as number);
    }
    if (decrement < STOP_DECREMENT * Math.abs(loss) || largest < 1e-9) break;
  }
  return { intercept: beta[0] as number, weights: Array.from(beta.subarray(1)) };
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
  if (m.rows > DENSE_ROWS) return fitLogisticSparse(m, y, lambda, start);
  const { data, rows: n } = m;
  const d = m.cols + 1; // parameter 0 is the intercept
  const beta = new Float64Array(d);
  // A warm start (the fit for a nearby lambda) saves Newton steps; the optimum is unique, so the result is the same.
  if (start) beta.set([start.intercept, ...start.weights]);
  const row = new Float64Array(d);
  const hessian = new Float64Array(d * d); // row-major; only the lower triangle is filled
  const gradient = new Float64Array(d);
  const trial = new Float64Array(d);
  for (let iteration = 0; iteration < MAX_STEPS; iteration++) {
    hessian.fill(0);
    gradient.fill(0);
    for (let j = 1; j < d; j++) {
      hessian[j * d + j] = lambda;
      gradient[j] = lambda * (beta[j] as number);
    }
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      for (let j = 0, o = i * m.cols; j < m.cols; j++) row[j + 1] = data[o + j] as number;
      let z = 0;
      for (let j = 0; j < d; j++) z += (row[j] as number) * (beta[j] as number);
      const p = sigmoid(z);
      const r = p - (y[i] as number);
      const w = Math.max(p * (1 - p), 1e-10);
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
