// Training: fit the features and a regularised logistic regression on the training rows of a seeded hold-out split,
// evaluate honestly, and ship that model: the hold-out figures are the served model's own, so a later run can score
// it like for like on that run's hold-out (docs/trainer-contract.md section 7) — a model refitted on every row would
// have seen those rows and score too well on them. "Honestly" means every statistic a model uses (feature statistics, the regularisation strength) is
// learned from the rows it trains on, never from the rows it is scored on: the hold-out and each CV fold refit all.
// Everything runs on columns (PassengerTable) and matrices; the row-object API converts once at the door.
import type { LabelledPassenger, PassengerTable } from './fields';
import {
  allRows,
  encodeTable,
  featureNames,
  fitTableFeatures,
  fitTableFeaturesSparse,
  tableOf,
  type FeatureStats,
} from './features';
import {
  denseRows,
  DENSE_ROWS,
  fitLogistic,
  fitLogisticSparse,
  matrixOf,
  sigmoid,
  sparseRows,
  type LogisticModel,
  type Matrix,
} from './logistic';
import { rocCurve, round, score, type RocPoint, type Scores } from './metrics';
import { foldSplits, holdoutById, stratifiedFolds, stratifiedSample, type Split } from './split';

/** Candidate L2 strengths; the one with the lowest CV log loss on the training rows wins. */
export const LAMBDA_GRID = [0.3, 1, 3, 10, 30] as const;
export const DEFAULT_SEED = 42;
export const FOLDS = 5;
export const HOLDOUT_FRACTION = 0.2;
/**
 * The lambda search (5 folds × 5 candidates) runs on at most this many training rows, a seeded stratified sample
 * when there are more: past a few thousand rows an L2 strength of 0.3-30 barely moves the fit, and the search would
 * otherwise cost 25 fits of the whole set. Titanic (891 rows) is searched on every row, as before.
 */
export const SEARCH_ROWS = 2_000;
/**
 * A fit on more than 20× this many rows with no warm start (the hold-out's, the first of a run) first fits a seeded
 * stratified sample of this size from the search's start: a start from 1.6k rows is far enough that the full fit
 * spends ~5 extra passes over every row getting close; 20k rows cost a fraction of one pass.
 */
export const STEP_ROWS = 20_000;

/** Everything needed to score a passenger: the feature statistics and the model on top of them. */
export interface FittedModel {
  features: FeatureStats;
  featureNames: string[];
  lambda: number;
  model: LogisticModel;
}

/** Training rows: columns, or row objects (converted to columns once). */
export type TrainingRows = PassengerTable | readonly LabelledPassenger[];

const isTable = (rows: TrainingRows): rows is PassengerTable => !Array.isArray(rows);
export const asTable = (rows: TrainingRows): PassengerTable => (isTable(rows) ? rows : tableOf(rows));

/** `values[rows[r]]` for each r. */
function pick(values: ArrayLike<number>, rows: ArrayLike<number>): Float64Array {
  const picked = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) picked[r] = values[rows[r] as number] as number;
  return picked;
}

const labelsOf = (table: PassengerTable, rows: ArrayLike<number>): Float64Array => pick(table.survived, rows);

/** Rows `rows` of a matrix, copied. */
function matrixRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows.length * x.cols);
  for (let r = 0; r < rows.length; r++) {
    const o = (rows[r] as number) * x.cols;
    data.set(x.data.subarray(o, o + x.cols), r * x.cols);
  }
  return { data, rows: rows.length, cols: x.cols };
}

/** p(survived) of every row of `x`. */
function predictMatrix(model: LogisticModel, x: Matrix, rows: ArrayLike<number> = allRows(x.rows)): Float64Array {
  const p = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const o = (rows[r] as number) * x.cols;
    let z = model.intercept;
    for (let j = 0; j < x.cols; j++) z += (model.weights[j] as number) * (x.data[o + j] as number);
    p[r] = sigmoid(z);
  }
  return p;
}

interface Search {
  lambda: number;
  /** The last fold's fit at that lambda: a warm start for the full fit when the search ran on a sample. */
  start?: LogisticModel;
}

/** The rows the lambda search runs on: every row up to SEARCH_ROWS, else a seeded stratified sample of that size. */
const searchRows = (y: ArrayLike<number>, seed: number): Int32Array | undefined =>
  y.length > SEARCH_ROWS ? stratifiedSample(y, SEARCH_ROWS / y.length, seed) : undefined;

/** The search over LAMBDA_GRID on `xs` (all the rows, or the sample of searchRows when `sampled`). */
function searchLambda(xs: Matrix, ys: ArrayLike<number>, seed: number, sampled: boolean): Search {
  const splits = foldSplits(stratifiedFolds(ys, FOLDS, seed), FOLDS);
  const loss = LAMBDA_GRID.map(() => 0);
  const last: LogisticModel[] = [];
  for (const { train, test } of splits) {
    const xTrain = matrixRows(xs, train);
    // A sample (a large set's search) is fitted in sparse form, converted once for the five candidates: the same
    // optima as the dense loop, at a fraction of the work. Titanic-sized sets run the dense loop, as always.
    const sparse = sampled ? sparseRows(xTrain) : undefined;
    const yTrain = train.map((i) => ys[i] as number);
    const yTest = test.map((i) => ys[i] as number);
    let model: LogisticModel | undefined;
    // Strongest penalty first, each fit warm-started from the previous one.
    for (let g = LAMBDA_GRID.length - 1; g >= 0; g--) {
      const lambda = LAMBDA_GRID[g] as number;
      model = sparse ? fitLogisticSparse(sparse, yTrain, lambda, model) : fitLogistic(xTrain, yTrain, lambda, model);
      last[g] = model;
      loss[g] = (loss[g] as number) + score(predictMatrix(model, xs, test), yTest).logLoss * test.length;
    }
  }
  let best = 0;
  for (let g = 1; g < loss.length; g++) if ((loss[g] as number) <= (loss[best] as number)) best = g;
  return { lambda: LAMBDA_GRID[best] as number, start: sampled ? last[best] : undefined };
}

/** searchLambda on the rows of `x` searchRows picks. */
function searchMatrix(x: Matrix, y: ArrayLike<number>, seed: number): Search {
  const sample = searchRows(y, seed);
  if (!sample) return searchLambda(x, y, seed, false);
  return searchLambda(matrixRows(x, sample), pick(y, sample), seed, true);
}

/** The L2 strength with the lowest mean log loss over stratified CV folds of `x` (ties go to the stronger one). */
export function chooseLambda(x: Matrix | readonly Float64Array[], y: ArrayLike<number>, seed: number): number {
  return searchMatrix('data' in x ? x : matrixOf(x), y, seed).lambda;
}

/**
 * A warm start for a fit on many rows: a model fitted on other rows of the same table (the hold-out's fit, for each
 * CV fold and the final fit), matched to the fit's features by name. The optimum is unique, so only the number of
 * Newton steps changes. Titanic-sized fits (searched on every row) never take one.
 */
type WarmStart = FittedModel | undefined;

/**
 * `warm`'s model as a start for a fit on features `names`, weights matched by feature name: the title columns come
 * most frequent first, so two fits on other rows can list the same rare titles in another order (or not at all).
 * A feature `warm` does not have starts at 0.
 */
function alignedStart(warm: FittedModel, names: readonly string[]): LogisticModel {
  const weightOf = new Map(warm.featureNames.map((name, j) => [name, warm.model.weights[j] as number]));
  return { intercept: warm.model.intercept, weights: names.map((name) => weightOf.get(name) ?? 0) };
}

/** Fits features and model on rows `rows` of `table` only; `encodeRows` encodes other rows of `table` under them. */
function fitRows(
  table: PassengerTable,
  rows: ArrayLike<number>,
  seed: number,
  warm?: WarmStart,
): { fitted: FittedModel; encodeRows: (rows: ArrayLike<number>) => Matrix } {
  const y = labelsOf(table, rows);
  if (rows.length > DENSE_ROWS) return fitManyRows(table, rows, y, seed, warm);
  // Titanic-sized: the dense matrix, searched on every row, fitted from zero (bit for bit as always).
  const { stats: features, x, encodeRows } = fitTableFeatures(table, rows);
  const search = searchMatrix(x, y, seed);
  const names = featureNames(features.titles);
  // Only fits whose search ran on a sample take a start (Titanic-sized fits start from zero, as always).
  const start = search.start && (warm ? alignedStart(warm, names) : search.start);
  const model = fitLogistic(x, y, search.lambda, start);
  return { fitted: { features, featureNames: names, lambda: search.lambda, model }, encodeRows };
}

/**
 * fitRows on more than DENSE_ROWS rows: the features built in sparse form (no dense matrix), the lambda search on a
 * sample of them, the fit warm-started (from `warm`, matched by feature name, else from the search's fit).
 */
function fitManyRows(
  table: PassengerTable,
  rows: ArrayLike<number>,
  y: Float64Array,
  seed: number,
  warm?: WarmStart,
): { fitted: FittedModel; encodeRows: (rows: ArrayLike<number>) => Matrix } {
  const { stats: features, x, encodeRows } = fitTableFeaturesSparse(table, rows);
  const names = featureNames(features.titles);
  const sample = searchRows(y, seed) as Int32Array; // DENSE_ROWS > SEARCH_ROWS: always a sample
  const search = searchLambda(denseRows(x, sample), pick(y, sample), seed, true);
  let start = warm ? alignedStart(warm, names) : (search.start as LogisticModel);
  if (!warm && x.rows > 20 * STEP_ROWS) {
    // Same optimum, only the starting point of the full fit changes: the optimum of a sample, with the penalty
    // scaled to the sample's share of the rows (so that it is the same objective per row).
    const stepRows = stratifiedSample(y, STEP_ROWS / x.rows, seed);
    const lambda = (search.lambda * stepRows.length) / x.rows;
    start = fitLogisticSparse(denseRows(x, stepRows), pick(y, stepRows), lambda, start);
  }
  const model = fitLogisticSparse(x, y, search.lambda, start);
  return { fitted: { features, featureNames: names, lambda: search.lambda, model }, encodeRows };
}

/** Fits features and model on `rows` only. */
export function fitModel(rows: TrainingRows, seed = DEFAULT_SEED, warm?: WarmStart): FittedModel {
  const table = asTable(rows);
  return fitRows(table, allRows(table.length), seed, warm).fitted;
}

/** p(survived) for each row under a fitted model. */
export function probabilities(fitted: FittedModel, rows: TrainingRows): number[] {
  const table = asTable(rows);
  return Array.from(predictMatrix(fitted.model, encodeTable(fitted.features, table, allRows(table.length))));
}

export interface SplitResult extends Scores {
  trainRows: number;
  lambda: number;
  roc: RocPoint[];
}

function evaluateOn(
  table: PassengerTable,
  split: Split,
  seed: number,
  warm?: WarmStart,
): SplitResult & { fitted: FittedModel } {
  const { fitted, encodeRows } = fitRows(table, split.train, seed, warm);
  const p = predictMatrix(fitted.model, encodeRows(split.test));
  const y = labelsOf(table, split.test);
  return { ...score(p, y), trainRows: split.train.length, lambda: fitted.lambda, roc: rocCurve(p, y), fitted };
}

/** Fits on `split.train`, scores on `split.test`. */
export function evaluateSplit(rows: TrainingRows, split: Split, seed = DEFAULT_SEED): SplitResult {
  const { fitted: _fitted, ...result } = evaluateOn(asTable(rows), split, seed);
  return result;
}

export interface CvResult {
  folds: (Scores & { lambda: number })[];
  mean: { accuracy: number; rocAuc: number; logLoss: number };
}

/** k-fold cross-validation over a given fold assignment (0..k-1 per row). */
export function crossValidate(
  rows: TrainingRows,
  fold: readonly number[],
  seed = DEFAULT_SEED,
  warm?: WarmStart,
): CvResult {
  const table = asTable(rows);
  const k = fold.reduce((a, b) => Math.max(a, b), -1) + 1;
  const folds = foldSplits(fold, k).map((split) => {
    const { roc: _roc, trainRows: _trainRows, fitted: _fitted, ...rest } = evaluateOn(table, split, seed, warm);
    return rest;
  });
  const mean = (key: 'accuracy' | 'rocAuc' | 'logLoss'): number => round(folds.reduce((s, f) => s + f[key], 0) / k);
  return { folds, mean: { accuracy: mean('accuracy'), rocAuc: mean('rocAuc'), logLoss: mean('logLoss') } };
}

export interface Evaluation {
  seed: number;
  rows: number;
  survivors: number;
  holdout: SplitResult;
  crossValidation: CvResult;
}

/** The evaluation reported in metrics.json: the id-keyed 20 % hold-out (holdoutById) and seeded stratified 5-fold CV. */
export function evaluate(rows: TrainingRows, seed = DEFAULT_SEED): Evaluation {
  return evaluateWarm(asTable(rows), seed).evaluation;
}

/** evaluate(), the hold-out's fit (the served model, and the warm start of the CV folds) and how long it took. */
function evaluateWarm(
  table: PassengerTable,
  seed: number,
): { evaluation: Evaluation; warm: FittedModel; fitMs: number } {
  const y = table.survived;
  const fitStarted = performance.now();
  const { fitted, ...holdout } = evaluateOn(table, holdoutById(table.passengerId, HOLDOUT_FRACTION, seed), seed);
  const fitMs = Math.round(performance.now() - fitStarted);
  const evaluation: Evaluation = {
    seed,
    rows: table.length,
    survivors: y.reduce((s, v) => s + v, 0),
    holdout,
    crossValidation: crossValidate(table, stratifiedFolds(y, FOLDS, seed), seed, fitted),
  };
  return { evaluation, warm: fitted, fitMs };
}

export interface TrainingResult {
  /** The served model: fitted on the hold-out split's training rows, the model the hold-out figures measure. */
  fitted: FittedModel;
  evaluation: Evaluation;
  /** Wall time of the whole evaluation (not part of the artifact: it changes between identical runs). */
  trainingMs: number;
  /** Wall time of the served model's fit alone (features, lambda search, model), on the training rows. */
  fitMs: number;
}

/** Fits the served model on the hold-out split's training rows, scores it on the hold-out, then runs CV. */
export function train(rows: TrainingRows, seed = DEFAULT_SEED): TrainingResult {
  const started = performance.now();
  const { evaluation, warm, fitMs } = evaluateWarm(asTable(rows), seed);
  return { fitted: warm, evaluation, trainingMs: Math.round(performance.now() - started), fitMs };
}
