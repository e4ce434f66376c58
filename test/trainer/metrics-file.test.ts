import assert from 'node:assert/strict';
import {
  confusionMatrix,
  featureImportance,
  metricsDocument,
  metricValues,
  type MetricsInput,
} from '../../trainer/src/metrics-file';
import { holdoutFigures } from '../../functions/src/engine/metrics';
import { parseMetricsFile } from '../../functions/src/contract/metrics-file';
import { parseManifest } from '../../functions/src/contract/manifest';
import { schemaFile, schemaProblems } from './support/contract-schemas';
import { readFileSync } from 'node:fs';

const confusion = { truePositive: 53, falsePositive: 13, trueNegative: 97, falseNegative: 15 };
const input = (over: Partial<MetricsInput> = {}): MetricsInput => ({
  seed: 7,
  rows: { total: 891, train: 713, holdout: 178 },
  holdout: {
    accuracy: 0.842697,
    rocAuc: 0.90615,
    logLoss: 0.377528,
    confusion,
    roc: [{ fpr: 0, tpr: 0, threshold: 1 }],
  },
  cv: { folds: 5, mean: { accuracy: 0.83, rocAuc: 0.87, logLoss: 0.4 } },
  features: { names: ['a', 'b', 'c'], weights: [0.5, -1.5, 0] },
  ...over,
});
const which = schemaFile('metrics').contract ? "the contract's schema" : 'the draft reading (contract schema absent)';

describe('trainer/metrics-file: metrics.json v1', () => {
  it(`is valid against ${which}, with and without a baseline`, () => {
    const plain = metricsDocument(input());
    const withBaseline = metricsDocument(
      input({ baseline: { modelDir: 'gs://b/r0/model/', figures: { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.45 } } }),
    );
    for (const doc of [plain, withBaseline]) assert.deepEqual(schemaProblems('metrics', doc), []);
    assert.equal(plain.baseline, undefined);
    assert.deepEqual(withBaseline.baseline, {
      modelDir: 'gs://b/r0/model/',
      metrics: { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.45 },
    });
    assert.deepEqual(plain.rows, { total: 891, train: 713, holdout: 178 });
    assert.deepEqual(plain.holdout, {
      description: "rows whose hash of '7:<PassengerId>' falls in the lowest 20% (the same ids every run)",
      seed: 7,
    });
    assert.deepEqual(plain.metrics, { accuracy: 0.842697, rocAuc: 0.90615, logLoss: 0.377528 });
    assert.deepEqual(plain.cv, { folds: 5, metrics: { accuracy: 0.83, rocAuc: 0.87, logLoss: 0.4 } });
    assert.deepEqual(plain.labels, { positive: '1', names: { '0': 'died', '1': 'survived' } });
  });

  it('the schema check can fail: a wrong contract, rows as a count, a string metric', () => {
    const doc = metricsDocument(input()) as unknown as Record<string, unknown>;
    for (const bad of [
      { ...doc, contract: 'vertex-retrain.metrics/v0' },
      { ...doc, rows: 891 },
      { ...doc, metrics: { accuracy: '0.8' } },
    ])
      assert.notDeepEqual(schemaProblems('metrics', bad), [], JSON.stringify(bad).slice(0, 80));
  });

  it('NaN and infinite figures are null (JSON has no NaN), and still valid', () => {
    assert.deepEqual(metricValues({ accuracy: 0.5, rocAuc: NaN, logLoss: Infinity }), {
      accuracy: 0.5,
      rocAuc: null,
      logLoss: null,
    });
    const doc = metricsDocument(input({ holdout: { ...input().holdout, rocAuc: NaN } }));
    assert.equal(JSON.parse(JSON.stringify(doc)).metrics.rocAuc, null);
    assert.deepEqual(schemaProblems('metrics', JSON.parse(JSON.stringify(doc))), []);
  });

  it('confusion matrix: rows are the actual class, columns the predicted one, labels "0", "1"', () => {
    assert.deepEqual(confusionMatrix(confusion), {
      labels: ['0', '1'],
      matrix: [
        [97, 13],
        [15, 53],
      ],
    });
  });

  it('feature importance: |weight| as a share of the total, largest first; none when every weight is 0', () => {
    assert.deepEqual(featureImportance(['a', 'b', 'c'], [0.5, -1.5, 0]), [
      { feature: 'b', importance: 0.75 },
      { feature: 'a', importance: 0.25 },
      { feature: 'c', importance: 0 },
    ]);
    assert.deepEqual(featureImportance(['a'], [0]), []);
    assert.equal(
      metricsDocument(input({ features: { names: ['a'], weights: [0] } })).charts?.featureImportance,
      undefined,
    );
  });

  it('is what the pipeline reads: parseMetricsFile against trainer.yaml accepts it, and the gate finds its figures', () => {
    const manifest = parseManifest(readFileSync('trainer/trainer.yaml', 'utf8'));
    const doc = JSON.parse(JSON.stringify(metricsDocument(input())));
    const file = parseMetricsFile(doc, manifest);
    assert.deepEqual(holdoutFigures(file), { accuracy: 0.842697, rocAuc: 0.90615, logLoss: 0.377528 });
  });
});
