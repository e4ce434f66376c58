// Compares the trainer's model (our IRLS logistic regression) with the npm alternative on the SAME features and the
// reference split (test/fixtures/titanic/split_ids.csv): ml-logistic-regression (mljs, fixed-step gradient descent,
// no penalty), and the small boosted-tree ensemble in ./boosting.ts. Prints hold-out and CV figures and fit times.
// Run: npx tsx trainer/scripts/compare-models.ts
import { readFileSync } from 'node:fs';
import { Matrix } from 'ml-matrix';
import LogisticRegression from 'ml-logistic-regression';
import { encoder, featureNames } from '../src/features';
import { sigmoid } from '../src/logistic';
import { score, type Scores } from '../src/metrics';
import { parseTrainingSet } from '../src/preprocess';
import { fitModel, probabilities } from '../src/train';
import type { LabelledPassenger } from '../src/fields';
import { boostingMargin, fitBoosting } from './boosting';

type Fit = (train: LabelledPassenger[], test: LabelledPassenger[]) => number[];

/** Features fitted on the training rows, as the trainer does (same encoder for every model). */
function designs(train: LabelledPassenger[], test: LabelledPassenger[]): { xTrain: number[][]; xTest: number[][] } {
  const fitted = fitModel(train);
  const width = featureNames(fitted.features.titles).length;
  const encodeTrain = encoder(fitted.features, { trainingRows: true });
  const encodeTest = encoder(fitted.features);
  return {
    xTrain: train.map((r) => Array.from(encodeTrain(r, new Float64Array(width)))),
    xTest: test.map((r) => Array.from(encodeTest(r, new Float64Array(width)))),
  };
}

const models: Record<string, Fit> = {
  'irls-logistic (ours, L2 by CV)': (train, test) => probabilities(fitModel(train), test),
  'ml-logistic-regression (5000 steps, lr 5e-4)': (train, test) => {
    const { xTrain, xTest } = designs(train, test);
    const withBias = (x: number[][]): Matrix => new Matrix(x.map((row) => [1, ...row]));
    const model = new LogisticRegression({ numSteps: 5000, learningRate: 5e-4 });
    model.train(withBias(xTrain), Matrix.columnVector(train.map((r) => r.survived)));
    // Two classes are fitted one-vs-all, and classifier i scores "NOT class i" (its predict() takes the minimum),
    // so classifier 0 scores "survived".
    const classifiers = (model as unknown as { classifiers: { testScores(x: Matrix): number[] }[] }).classifiers;
    return (classifiers[0] as { testScores(x: Matrix): number[] }).testScores(withBias(xTest));
  },
  'boosted trees (100 x depth 3)': (train, test) => {
    const { xTrain, xTest } = designs(train, test);
    const model = fitBoosting(
      xTrain.map((r) => Float64Array.from(r)),
      train.map((r) => r.survived),
    );
    return xTest.map((r) => sigmoid(boostingMargin(model, Float64Array.from(r))));
  },
};

const rows = parseTrainingSet(readFileSync('trainer/data/train.csv'));
const lines = readFileSync('test/fixtures/titanic/split_ids.csv', 'utf8').trim().split(/\r?\n/).slice(1);
const split = new Map(lines.map((l) => l.split(',').map(Number)).map(([id, h, f]) => [id, { h, f }]));
const part = (keep: (s: { h?: number; f?: number }) => boolean): LabelledPassenger[] =>
  rows.filter((r) => keep(split.get(r.passengerId) ?? {}));
const fmt = (s: Pick<Scores, 'accuracy' | 'rocAuc' | 'logLoss'>): string =>
  `acc ${s.accuracy.toFixed(4)}  auc ${s.rocAuc.toFixed(4)}  logloss ${s.logLoss.toFixed(4)}`;

for (const [name, fit] of Object.entries(models)) {
  const evaluate = (train: LabelledPassenger[], test: LabelledPassenger[]): Scores =>
    score(
      fit(train, test),
      test.map((r) => r.survived),
    );
  const holdout = evaluate(
    part((s) => s.h === 0),
    part((s) => s.h === 1),
  );
  const folds = [0, 1, 2, 3, 4].map((k) =>
    evaluate(
      part((s) => s.f !== k),
      part((s) => s.f === k),
    ),
  );
  const mean = (key: 'accuracy' | 'rocAuc' | 'logLoss'): number => folds.reduce((a, f) => a + f[key], 0) / folds.length;
  const started = performance.now();
  fit(rows, rows.slice(0, 1));
  const ms = performance.now() - started;
  console.log(`${name}\n  reference hold-out (712/179): ${fmt(holdout)}`);
  console.log(
    `  reference 5-fold CV (891):    ${fmt({ accuracy: mean('accuracy'), rocAuc: mean('rocAuc'), logLoss: mean('logLoss') })}`,
  );
  console.log(`  fit on 891 rows: ${ms.toFixed(0)} ms`);
}
