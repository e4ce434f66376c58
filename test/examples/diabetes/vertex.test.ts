// examples/diabetes in vertex mode: gs:// reads of the pinned generation, the model written to a gs:// AIP_MODEL_DIR,
// the outcome message on TRAINING_EVENTS_TOPIC, and serving from a gs:// AIP_STORAGE_URI. google-cloud-storage and
// google-cloud-pubsub cannot be installed on this machine (no PyPI, not in Debian), so these tests put a recording
// stand-in of the calls the trainer makes (fake-google/) on PYTHONPATH: they check what the trainer asks of the
// clients, not the clients themselves.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { instance, readRows, toCsv, type Row } from './csv';
import { DATA, PREDICT, python, runPython, serve, train } from './python';

interface Call {
  call: string;
  bucket?: string;
  name?: string;
  generation?: number | null;
  content_type?: string;
  topic?: string;
  data?: Record<string, unknown>;
  attributes?: Record<string, string>;
}

describe('examples/diabetes on vertex (google clients stood in for)', function () {
  this.timeout(60_000);
  let dir: string;
  let gcs: string;
  let logFile: string;
  const { header, rows } = readRows();
  const GENERATION = '1733000000123456';

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PYTHONPATH: resolve('test/examples/diabetes/fake-google'),
    FAKE_GCS_ROOT: gcs,
    FAKE_GOOGLE_LOG: logFile,
    ...extra,
  });
  const calls = (): Call[] =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  const put = (bucket: string, name: string, data: string | Buffer) => {
    mkdirSync(join(gcs, bucket, name, '..'), { recursive: true });
    writeFileSync(join(gcs, bucket, name), data);
  };
  const vertexTrain = (data: string, extra: string[] = [], vars: NodeJS.ProcessEnv = {}) =>
    runPython(
      'main.py',
      ['--env', 'vertex', '--endpoint_version', '4', '--data', data, '--run-id', 'run-7', ...extra],
      env({
        AIP_MODEL_DIR: 'gs://out/runs/run-7/model/',
        TRAINING_EVENTS_TOPIC: 'projects/p/topics/training-events',
        ...vars,
      }),
    );

  // The serving version's model, trained once locally; each test puts it into its own gs:// folder.
  let v1: string;
  before(() => {
    python();
    v1 = mkdtempSync(join(tmpdir(), 'diabetes-v1-'));
    const r = train(DATA, v1);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(v1, { recursive: true, force: true }));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'diabetes-vertex-'));
    gcs = join(dir, 'gcs');
    logFile = join(dir, 'calls.jsonl');
    writeFileSync(logFile, '');
    // The pinned generation holds the data; the live object is a newer, broken drop that must not be read.
    put('data', `drops/diabetes.csv#${GENERATION}`, readFileSync(DATA));
    put('data', 'drops/diabetes.csv', 'row_id\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads exactly the pinned generation, writes the model to AIP_MODEL_DIR, publishes SUCCEEDED', () => {
    put('out', 'runs/run-1/model/model.json', readFileSync(join(v1, 'model.json')));
    const r = vertexTrain(`gs://data/drops/diabetes.csv#${GENERATION}`, [
      '--baseline-model-dir',
      'gs://out/runs/run-1/model/',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const log = calls();
    assert.deepEqual(log[0], {
      call: 'download_as_bytes',
      bucket: 'data',
      name: 'drops/diabetes.csv',
      generation: Number(GENERATION),
    });
    assert.ok(log.some((c) => c.call === 'download_as_bytes' && c.name === 'runs/run-1/model/model.json'));
    const uploads = log.filter((c) => c.call === 'upload_from_string');
    assert.deepEqual(
      uploads.map((u) => [u.bucket, u.name, u.content_type]),
      [
        ['out', 'runs/run-7/model/model.json', 'application/json'],
        ['out', 'runs/run-7/model/metrics.json', 'application/json'],
      ],
    );
    const metrics = JSON.parse(readFileSync(join(gcs, 'out/runs/run-7/model/metrics.json'), 'utf8')) as {
      baseline: { modelDir: string };
    };
    assert.equal(metrics.baseline.modelDir, 'gs://out/runs/run-1/model/');
    // The outcome message is the last call, after the model is written.
    assert.deepEqual(log.at(-1), {
      call: 'publish',
      topic: 'projects/p/topics/training-events',
      data: { contract: 'vertex-retrain.outcome/v1', runId: 'run-7', status: 'SUCCEEDED', endpointVersion: 4 },
      attributes: { runId: 'run-7' },
    });
  });

  it('a rejected dataset: exit 2, no model written, REJECTED published with the first reason', () => {
    const bad = rows.slice(0, 150).map((r) => ({ ...r }));
    (bad[2] as Row).bmi = 'fat';
    put('data', 'drops/bad.csv#5', toCsv(header, bad));
    const r = vertexTrain('gs://data/drops/bad.csv#5');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /line 4, column bmi: must be number, got 'fat'/);
    const log = calls();
    assert.ok(!log.some((c) => c.call === 'upload_from_string'));
    const published = log.at(-1) as Call;
    assert.equal(published.data?.status, 'REJECTED');
    assert.match(String(published.data?.message), /^dataset rejected: 1 problem\(s\); first: line 4, column bmi/);
  });

  it('a generation that is gone fails the training (exit 1) and publishes FAILED', () => {
    const r = vertexTrain('gs://data/drops/diabetes.csv#999');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /404 gs:\/\/data\/drops\/diabetes.csv#999/);
    assert.equal(calls().at(-1)?.data?.status, 'FAILED');
  });

  it('a publish that fails is logged, not fatal; a short topic name takes the project from the job', () => {
    const r = vertexTrain(`gs://data/drops/diabetes.csv#${GENERATION}`, [], { FAKE_PUBSUB_FAIL: '1' });
    assert.equal(r.status, 0);
    assert.match(r.stderr, /outcome not published \(the reconciler will catch up\): publish timed out/);
    const short = vertexTrain(`gs://data/drops/diabetes.csv#${GENERATION}`, [], {
      TRAINING_EVENTS_TOPIC: 'training-events',
      CLOUD_ML_PROJECT_ID: 'my-project',
    });
    assert.equal(short.status, 0);
    assert.equal(calls().at(-1)?.topic, 'projects/my-project/topics/training-events');
  });

  it('local mode publishes nothing, even with a topic set', () => {
    const r = train(DATA, join(dir, 'm'), [], env({ TRAINING_EVENTS_TOPIC: 'projects/p/topics/t' }));
    assert.equal(r.status, 0);
    assert.deepEqual(calls(), []);
  });

  it('serves a model from a gs:// AIP_STORAGE_URI', async () => {
    put('out', 'runs/run-1/model/model.json', readFileSync(join(v1, 'model.json')));
    const server = await serve('gs://out/runs/run-1/model', { env: env() });
    try {
      const res = await fetch(server.url + PREDICT, {
        method: 'POST',
        body: JSON.stringify({ instances: [instance(rows[0] as Row)] }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(calls()[0], {
        call: 'download_as_bytes',
        bucket: 'out',
        name: 'runs/run-1/model/model.json',
        generation: null,
      });
    } finally {
      await server.stop();
    }
  });
});
