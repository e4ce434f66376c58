import assert from 'node:assert/strict';
import { ContractError } from '../../../functions/src/contract/ajv';
import type { TrainerManifest } from '../../../functions/src/contract/manifest';
import { missingSections, parseMetricsFile, type MetricsFile } from '../../../functions/src/contract/metrics-file';

const binary: Pick<TrainerManifest, 'metrics' | 'task'> = {
  task: 'binary-classification',
  metrics: [
    { name: 'accuracy', direction: 'higher' },
    { name: 'rocAuc', direction: 'higher' },
    { name: 'logLoss', direction: 'lower' },
  ],
};
const regression: Pick<TrainerManifest, 'metrics' | 'task'> = {
  task: 'regression',
  metrics: [
    { name: 'mae', direction: 'lower' },
    { name: 'rmse', direction: 'lower' },
    { name: 'r2', direction: 'higher' },
  ],
};

const full: MetricsFile = {
  contract: 'vertex-retrain.metrics/v1',
  task: 'binary-classification',
  rows: { total: 891, train: 712, holdout: 179 },
  holdout: { description: 'seeded stratified 80/20 split, seed 42', seed: 42 },
  metrics: { accuracy: 0.83, rocAuc: 0.87, logLoss: 0.41 },
  cv: { folds: 5, metrics: { accuracy: 0.82, rocAuc: 0.86, logLoss: 0.43 } },
  baseline: { modelDir: 'gs://b/models/run-1', metrics: { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.45 } },
  charts: {
    confusionMatrix: {
      labels: ['0', '1'],
      matrix: [
        [97, 13],
        [15, 54],
      ],
    },
    roc: [
      { fpr: 0, tpr: 0, threshold: 1 },
      { fpr: 1, tpr: 1, threshold: 0 },
    ],
    featureImportance: [{ feature: 'Sex', importance: 0.4 }],
  },
  labels: { positive: '1', names: { '0': 'died', '1': 'survived' } },
  extra: { anything: [1, 2] },
};

function problems(value: unknown, manifest = binary): string[] {
  try {
    parseMetricsFile(value, manifest);
  } catch (error) {
    assert.ok(error instanceof ContractError, String(error));
    assert.equal(error.what, 'metrics.json');
    return error.problems;
  }
  assert.fail('metrics.json was accepted');
}

describe('contract/metrics-file', () => {
  it('round-trips a full file through JSON text unchanged', () => {
    const text = JSON.stringify(full);
    assert.deepEqual(parseMetricsFile(text, binary), full);
    assert.deepEqual(JSON.parse(JSON.stringify(parseMetricsFile(full, binary))), full);
  });

  it('accepts the minimal file (contract, task, rows.total, metrics) and lists every missing optional section', () => {
    const minimal = {
      contract: 'vertex-retrain.metrics/v1',
      task: 'regression',
      rows: { total: 442 },
      metrics: { mae: 42 },
    };
    const parsed = parseMetricsFile(minimal, regression);
    assert.deepEqual(missingSections(parsed), [
      'rows.holdout',
      'holdout',
      'cv',
      'baseline',
      'charts.predictedVsActual',
      'charts.residuals',
      'charts.featureImportance',
    ]);
  });

  it('lists only the sections that apply to the task (no ROC for multiclass, none missing in the full file)', () => {
    assert.deepEqual(missingSections(full), []);
    const multi = { ...full, task: 'multiclass-classification' as const, charts: {} };
    assert.deepEqual(missingSections(multi), ['charts.confusionMatrix', 'charts.featureImportance']);
    const noRoc = { ...full, charts: { ...full.charts, roc: [] } };
    assert.deepEqual(missingSections(noRoc), ['charts.roc']);
  });

  const malformed: [string, (m: MetricsFile) => unknown, RegExp][] = [
    ['not JSON', () => '{"contract":', /^not valid JSON/],
    [
      'a wrong contract version',
      (m) => ({ ...m, contract: 'vertex-retrain.metrics/v2' }),
      /^contract: must be "vertex-retrain\.metrics\/v1"$/,
    ],
    ['a missing rows.total', (m) => ({ ...m, rows: { train: 1 } }), /^rows\.total: is required$/],
    [
      'a metric that is text',
      (m) => ({ ...m, metrics: { ...m.metrics, accuracy: '0.8' } }),
      /^metrics\.accuracy: must be number,null$/,
    ],
    [
      'an undeclared metric',
      (m) => ({ ...m, metrics: { ...m.metrics, f1: 0.7 } }),
      /^metrics\.f1: not declared in trainer\.yaml metrics \(accuracy, rocAuc, logLoss\)$/,
    ],
    [
      'an undeclared baseline metric',
      (m) => ({ ...m, baseline: { metrics: { mae: 1 } } }),
      /^baseline\.metrics\.mae: not declared/,
    ],
    [
      'an undeclared cv metric',
      (m) => ({ ...m, cv: { folds: 5, metrics: { r2: 1 } } }),
      /^cv\.metrics\.r2: not declared/,
    ],
    ['empty metrics', (m) => ({ ...m, metrics: {} }), /^metrics: must NOT have fewer than 1 properties$/],
    ['a negative row count', (m) => ({ ...m, rows: { total: -1 } }), /^rows\.total: must be >= 0$/],
    [
      'an ROC point out of [0, 1]',
      (m) => ({ ...m, charts: { roc: [{ fpr: 1.5, tpr: 0 }] } }),
      /^charts\.roc\[0\]\.fpr: must be <= 1$/,
    ],
    ['a misspelled section', (m) => ({ ...m, chart: {} }), /^chart: is not a known field$/],
    [
      'a confusion matrix of the wrong size',
      (m) => ({ ...m, charts: { confusionMatrix: { labels: ['0', '1'], matrix: [[1, 2]] } } }),
      /^charts\.confusionMatrix\.matrix: must be 2 x 2/,
    ],
    [
      'a task other than the manifest',
      (m) => ({ ...m, task: 'regression' }),
      /^task: "regression" but trainer\.yaml says "binary-classification"$/,
    ],
  ];
  for (const [what, edit, expected] of malformed) {
    it(`fails naming the field for ${what}`, () => {
      const found = problems(edit(structuredClone(full)));
      assert.ok(
        found.some((p) => expected.test(p)),
        found.join('\n'),
      );
    });
  }

  it('accepts null for a metric a trainer could not compute (the gate treats it as missing)', () => {
    const parsed = parseMetricsFile({ ...full, metrics: { accuracy: 0.8, rocAuc: null } }, binary);
    assert.equal(parsed.metrics.rocAuc, null);
  });
});
