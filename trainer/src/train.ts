// Training: fit the features and a regularised logistic regression, evaluate honestly, then fit the final model on
// every row. "Honestly" means every statistic a model uses (feature statistics, the regularisation strength) is
// learned from the rows it trains on, never from the rows it is scored on: the hold-out and each CV fold refit all.
import type { LabelledPassenger } from './fields';
import { encoder, featureNames, fitFeatures, type FeatureStats } from './features';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic';
import { rocCurve, round, score, type RocPoint, type Scores } from './metrics';
import { foldSplits, stratifiedFolds, stratifiedHoldout, type Split } from './split';

/** Candidate L2 strengths; the one with the lowest CV log loss on the training rows wins. */
export const LAMBDA_GRID = [0.3, 1, 3, 10, 30] as const;
export const DEFAULT_SEED = 42;
export const FOLDS = 5;
export const HOLDOUT_FRACTION = 0.2;

/** Everything needed to score a passenger: the feature statistics and the model on top of them. */
export interface FittedModel {
  features: FeatureStats;
  featureNames: string[];
  lambda: number;
  model: LogisticModel;
}

function design(stats: FeatureStats, rows: readonly LabelledPassenger[], trainingRows: boolean): Float64Array[] {
  const encode = encoder(stats, { trainingRows });
  const width = featureNames(stats.titles).length;
  return rows.map((row) => encode(row, new Float64Array(width)));
}

const labelsOf = (rows: readonly LabelledPassenger[]): number[] => rows.map((r) => r.survived);
const pick = <T>(items: readonly T[], indices: readonly number[]): T[] => indices.map((i) => items[i] as T);

/** The L2 strength with the lowest mean log loss over stratified CV folds of `x` (ties go to the stronger one). */
export function chooseLambda(x: Float64Array[], y: number[], seed: number): number {
  const splits = foldSplits(stratifiedFolds(y, FOLDS, seed), FOLDS);
  const loss = LAMBDA_GRID.map(() => 0);
  for (const { train, test } of splits) {
    const xTrain = pick(x, train);
    const yTrain = pick(y, train);
    const yTest = pick(y, test);
    let model: LogisticModel | undefined;
    // Strongest penalty first, each fit warm-started from the previous one.
    for (let g = LAMBDA_GRID.length - 1; g >= 0; g--) {
      model = fitLogistic(xTrain, yTrain, LAMBDA_GRID[g] as number, model);
      const p = test.map((i) => predictLogistic(model as LogisticModel, x[i] as Float64Array));
      loss[g] = (loss[g] as number) + score(p, yTest).logLoss * test.length;
    }
  }
  let best = 0;
  for (let g = 1; g < loss.length; g++) if ((loss[g] as number) <= (loss[best] as number)) best = g;
  return LAMBDA_GRID[best] as number;
}

/** Fits features and model on `rows` only. */
export function fitModel(rows: readonly LabelledPassenger[], seed = DEFAULT_SEED): FittedModel {
  const features = fitFeatures(rows);
  const x = design(features, rows, true);
  const y = labelsOf(rows);
  const lambda = chooseLambda(x, y, seed);
  return { features, featureNames: featureNames(features.titles), lambda, model: fitLogistic(x, y, lambda) };
}

/** p(survived) for each row under a fitted model. */
export function probabilities(fitted: FittedModel, rows: readonly LabelledPassenger[]): number[] {
  return design(fitted.features, rows, false).map((x) => predictLogistic(fitted.model, x));
}

export interface SplitResult extends Scores {
  trainRows: number;
  lambda: number;
  roc: RocPoint[];
}

/** Fits on `split.train`, scores on `split.test`. */
export function evaluateSplit(rows: readonly LabelledPassenger[], split: Split, seed = DEFAULT_SEED): SplitResult {
  const test = pick(rows, split.test);
  const fitted = fitModel(pick(rows, split.train), seed);
  const p = probabilities(fitted, test);
  const y = labelsOf(test);
  return { ...score(p, y), trainRows: split.train.length, lambda: fitted.lambda, roc: rocCurve(p, y) };
}

export interface CvResult {
  folds: (Scores & { lambda: number })[];
  mean: { accuracy: number; rocAuc: number; logLoss: number };
}

/** k-fold cross-validation over a given fold assignment (0..k-1 per row). */
export function crossValidate(
  rows: readonly LabelledPassenger[],
  fold: readonly number[],
  seed = DEFAULT_SEED,
): CvResult {
  const k = fold.reduce((a, b) => Math.max(a, b), -1) + 1;
  const folds = foldSplits(fold, k).map((split) => {
    const { roc: _roc, trainRows: _trainRows, ...rest } = evaluateSplit(rows, split, seed);
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

/** The evaluation reported in metrics.json: a seeded stratified 80/20 hold-out and seeded stratified 5-fold CV. */
export function evaluate(rows: readonly LabelledPassenger[], seed = DEFAULT_SEED): Evaluation {
  const y = labelsOf(rows);
  return {
    seed,
    rows: rows.length,
    survivors: y.filter((v) => v === 1).length,
    holdout: evaluateSplit(rows, stratifiedHoldout(y, HOLDOUT_FRACTION, seed), seed),
    crossValidation: crossValidate(rows, stratifiedFolds(y, FOLDS, seed), seed),
  };
}

export interface TrainingResult {
  /** The final model, fitted on every row. */
  fitted: FittedModel;
  evaluation: Evaluation;
  /** Wall time of evaluation plus final fit (not part of the artifact: it changes between identical runs). */
  trainingMs: number;
  /** Wall time of the final fit alone (features, lambda search, model). */
  fitMs: number;
}

/** Evaluates (hold-out and CV), then fits the final model on all rows. */
export function train(rows: readonly LabelledPassenger[], seed = DEFAULT_SEED): TrainingResult {
  const started = performance.now();
  const evaluation = evaluate(rows, seed);
  const fitStarted = performance.now();
  const fitted = fitModel(rows, seed);
  const now = performance.now();
  return { fitted, evaluation, trainingMs: Math.round(now - started), fitMs: Math.round(now - fitStarted) };
}
