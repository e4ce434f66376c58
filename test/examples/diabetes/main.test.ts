// The diabetes trainer's training command (examples/diabetes/main.py), run as the image runs it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { instance, readRows, regression, toCsv, type Row } from './csv';
import { DATA, EXAMPLE, findPython, python, serve, train, PREDICT } from './python';

interface Metrics {
  contract: string;
  task: string;
  rows: { total: number; train: number; holdout: number };
  holdout: { description: string; seed: number };
  metrics: Record<string, number>;
  cv: { folds: number; metrics: Record<string, number> };
  baseline?: { modelDir: string; metrics: Record<string, number> };
  charts: {
    predictedVsActual: { actual: number; predicted: number }[];
    residuals: { predicted: number; residual: number }[];
  };
  extra: { holdoutRowIds: number[]; baselineSkipped?: string };
}

const readMetrics = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Metrics;
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-6 * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('examples/diabetes main.py (training command)', function () {
  this.timeout(60_000);
  let dir: string;
  const { header, rows } = readRows();
  const byId = new Map(rows.map((r) => [Number(r.row_id), r]));

  // One training on the bundled CSV, read by the first tests.
  let shared: string;
  let trained: { status: number | null; stderr: string };
  before(() => {
    python(); // fails naming the packages to install when no interpreter has them
    shared = mkdtempSync(join(tmpdir(), 'diabetes-shared-'));
    trained = train(DATA, join(shared, 'model'));
  });
  after(() => rmSync(shared, { recursive: true, force: true }));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'diabetes-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('trains on the CSV: metrics.json carries the contract fields, on a hold-out of known rows', () => {
    const model = join(shared, 'model');
    assert.equal(trained.status, 0, trained.stderr);
    assert.ok(existsSync(join(model, 'model.json')));
    const m = readMetrics(model);
    assert.equal(m.contract, 'vertex-retrain.metrics/v1');
    assert.equal(m.task, 'regression');
    assert.equal(m.rows.total, rows.length);
    assert.equal(m.rows.train + m.rows.holdout, m.rows.total);
    assert.equal(m.holdout.seed, 42);
    assert.equal(m.cv.folds, 5);
    // Every metric it reports is declared in trainer.yaml, and mae, rmse, r2 are there, in sample and CV.
    const manifest = parseYaml(readFileSync(join(EXAMPLE, 'trainer.yaml'), 'utf8')) as {
      task: string;
      metrics: { name: string }[];
      gate: { metric: string };
    };
    assert.equal(manifest.task, m.task);
    const declared = manifest.metrics.map((d) => d.name).sort();
    for (const reported of [m.metrics, m.cv.metrics]) {
      assert.deepEqual(Object.keys(reported).sort(), ['mae', 'r2', 'rmse']);
      assert.ok(Object.keys(reported).every((k) => declared.includes(k)));
      assert.ok(Object.values(reported).every(Number.isFinite));
    }
    assert.ok(declared.includes(manifest.gate.metric));
    // The chart points are the hold-out rows, in order: their actual values are those rows' labels...
    const ids = m.extra.holdoutRowIds;
    assert.equal(ids.length, m.rows.holdout);
    assert.deepEqual(
      m.charts.predictedVsActual.map((p) => p.actual),
      ids.map((id) => Number(byId.get(id)?.target)),
    );
    // ...the residuals are actual − predicted, and the metrics are computed on exactly these points.
    m.charts.residuals.forEach((p, i) => {
      const point = m.charts.predictedVsActual[i] as { actual: number; predicted: number };
      close(p.predicted, point.predicted, 'residual chart predicted');
      close(p.residual, point.actual - point.predicted, 'residual');
    });
    const recomputed = regression(
      m.charts.predictedVsActual.map((p) => p.actual),
      m.charts.predictedVsActual.map((p) => p.predicted),
    );
    for (const k of ['mae', 'rmse', 'r2'] as const) close(m.metrics[k] as number, recomputed[k], k);
  });

  it('beats predicting the training mean by a clear margin on its hold-out', () => {
    assert.equal(trained.status, 0, trained.stderr);
    const m = readMetrics(join(shared, 'model'));
    const held = new Set(m.extra.holdoutRowIds);
    const trainTargets = rows.filter((r) => !held.has(Number(r.row_id))).map((r) => Number(r.target));
    const mean = trainTargets.reduce((a, b) => a + b, 0) / trainTargets.length;
    const actual = m.charts.predictedVsActual.map((p) => p.actual);
    const meanModel = regression(
      actual,
      actual.map(() => mean),
    );
    assert.ok(meanModel.r2 <= 0.01, `the mean predictor's R² is about 0 (got ${meanModel.r2})`);
    assert.ok(m.metrics.r2 !== undefined && m.metrics.r2 >= 0.4, `hold-out R² ${m.metrics.r2}`);
    assert.ok((m.metrics.rmse as number) < 0.85 * meanModel.rmse, `RMSE ${m.metrics.rmse} vs ${meanModel.rmse}`);
  });

  it('rejects a bad CSV with exit 2, one reason per problem with its line and column, and writes no model', () => {
    const bad: Row[] = rows.slice(0, 120).map((r) => ({ ...r }));
    (bad[4] as Row).age = 'old'; // line 6
    (bad[9] as Row).sex = '3'; // line 11
    (bad[14] as Row).bmi = ''; // line 16
    (bad[19] as Row).row_id = '3'; // line 21: id of line 4
    (bad[24] as Row).target = '-5'; // line 26
    (bad[29] as Row).bp = 'nan'; // line 31: float() would take it
    (bad[34] as Row).s1 = '1_000'; // line 36: and this
    const file = join(dir, 'bad.csv');
    writeFileSync(file, toCsv(header, bad));
    const model = join(dir, 'model');
    const r = train(file, model);
    assert.equal(r.status, 2, r.stderr);
    for (const reason of [
      /line 6, column age: must be number, got 'old'/,
      /line 11, column sex: 3 is not one of \[1, 2\]/,
      /line 16, column bmi: required value missing/,
      /line 21, column row_id: duplicate id 3 \(first on line 4\)/,
      /line 26, column target: -5 is less than the minimum of 0/,
      /line 31, column bp: must be number, got 'nan'/,
      /line 36, column s1: must be number, got '1_000'/,
    ])
      assert.match(r.stderr, reason);
    assert.match(r.stderr, /dataset rejected: 7 problem/);
    assert.ok(!existsSync(join(model, 'model.json')) && !existsSync(join(model, 'metrics.json')));

    const header2 = header.map((h) => (h === 'bmi' ? 'BMI' : h));
    writeFileSync(
      file,
      toCsv(
        header2,
        rows.slice(0, 120).map((r) => ({ ...r, BMI: r.bmi as string })),
      ),
    );
    const unknown = train(file, model);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /line 1, column BMI: unknown column \(expected: row_id, age, sex, bmi, /);
    assert.match(unknown.stderr, /line 1, column bmi: required column missing/);

    writeFileSync(file, toCsv(header, rows.slice(0, 50)));
    const few = train(file, model);
    assert.equal(few.status, 2);
    assert.match(few.stderr, /50 rows, x-vertex-retrain.minRows is 100/);
  });

  it('exit 1 for bad arguments and unreadable input, never 2', () => {
    const model = join(dir, 'model');
    const gs = train('gs://bucket/diabetes.csv#123', model);
    assert.equal(gs.status, 1);
    assert.match(gs.stderr, /gs:\/\/ URIs need --env vertex/);
    assert.equal(train(join(dir, 'missing.csv'), model).status, 1);
    assert.equal(train(DATA, model, ['--endpoint_version', 'x']).status, 1);
    assert.equal(train(DATA, model, ['--baseline-model-dir', join(dir, 'none')]).status, 1);
  });

  it('with --baseline-model-dir, scores the serving model on the candidate’s own hold-out rows', async () => {
    // The first version trains on the first 300 rows; the second drop has all 442.
    const first = join(dir, 'v1');
    const firstData = join(dir, 'first.csv');
    writeFileSync(firstData, toCsv(header, rows.slice(0, 300)));
    assert.equal(train(firstData, first).status, 0);
    const second = join(dir, 'v2');
    const r = train(DATA, second, ['--baseline-model-dir', first]);
    assert.equal(r.status, 0, r.stderr);
    const m1 = readMetrics(first);
    const m2 = readMetrics(second);
    assert.equal(m2.baseline?.modelDir, first);
    assert.deepEqual(Object.keys(m2.baseline?.metrics ?? {}).sort(), ['mae', 'r2', 'rmse']);
    // The hold-out is keyed by row id: the first version's hold-out rows are held out again, and none of the rows
    // the first version trained on is in the second one's hold-out.
    const held2 = new Set(m2.extra.holdoutRowIds);
    assert.ok(m1.extra.holdoutRowIds.every((id) => held2.has(id)));
    const trainedOn1 = rows
      .slice(0, 300)
      .map((r) => Number(r.row_id))
      .filter((id) => !m1.extra.holdoutRowIds.includes(id));
    assert.deepEqual(
      trainedOn1.filter((id) => held2.has(id)),
      [],
    );
    // The baseline metrics are the first model's, served, on the second's hold-out rows.
    const server = await serve(first);
    try {
      const res = await fetch(server.url + PREDICT, {
        method: 'POST',
        body: JSON.stringify({ instances: m2.extra.holdoutRowIds.map((id) => instance(byId.get(id) as Row)) }),
      });
      assert.equal(res.status, 200);
      const { predictions } = (await res.json()) as { predictions: { value: number }[] };
      const actual = m2.extra.holdoutRowIds.map((id) => Number(byId.get(id)?.target));
      const expected = regression(
        actual,
        predictions.map((p) => p.value),
      );
      for (const k of ['mae', 'rmse', 'r2'] as const) close(m2.baseline?.metrics[k] as number, expected[k], k);
      // A different model from the candidate: the comparison is not the candidate against itself.
      assert.notEqual(m2.baseline?.metrics.rmse, m2.metrics.rmse);
    } finally {
      await server.stop();
    }
  });

  it('a baseline it cannot score (another trainer’s model, or columns the data lacks) is skipped, saying why', () => {
    const foreign = join(dir, 'titanic');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'model.json'), JSON.stringify({ modelVersion: 'titanic-1', weights: [1, 2] }));
    const model = join(dir, 'model');
    const r = train(DATA, model, ['--baseline-model-dir', foreign]);
    assert.equal(r.status, 0, r.stderr);
    const m = readMetrics(model);
    assert.equal(m.baseline, undefined);
    assert.match(m.extra.baselineSkipped ?? '', /the baseline model\.json is not this trainer's: not a vertex-retrain/);
    // A model of this trainer that needs a column the new data does not have.
    const shared1 = JSON.parse(readFileSync(join(shared, 'model', 'model.json'), 'utf8')) as Record<string, unknown[]>;
    const wider = join(dir, 'wider');
    mkdirSync(wider);
    const features = [...(shared1.features as string[]), 'hba1c'];
    const widen = (key: string, value: number) => [...(shared1[key] as number[]), value];
    writeFileSync(
      join(wider, 'model.json'),
      JSON.stringify({
        ...shared1,
        features,
        impute: widen('impute', 0),
        mean: widen('mean', 0),
        scale: widen('scale', 1),
        coef: widen('coef', 0),
      }),
    );
    const r2 = train(DATA, model, ['--baseline-model-dir', wider]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(readMetrics(model).extra.baselineSkipped ?? '', /needs columns this data lacks: hba1c/);
  });

  it('finds an interpreter with the modules, or says exactly what to install', () => {
    assert.equal(findPython(['/nonexistent/python3', python()]), python());
    assert.throws(
      () => findPython(['/nonexistent/python3']),
      /no Python 3 with sklearn, numpy, jsonschema among \/nonexistent\/python3: install them with `apt-get install -y python3-sklearn python3-jsonschema`/,
    );
  });
});
