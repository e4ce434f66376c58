import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact, serializeArtifact } from '../../trainer/src/artifact';
import { parseTrainerArgs, run, UsageError } from '../../trainer/src/main';
import { outcomeMessage } from '../../trainer/src/outcome-notice';
import sinon from 'sinon';
import { parseTrainingSet } from '../../trainer/src/preprocess';
import { holdoutById } from '../../trainer/src/split';
import { fitModel, HOLDOUT_FRACTION } from '../../trainer/src/train';
import { schemaFile, schemaProblems } from './support/contract-schemas';

const MAIN = 'trainer/src/main.ts';
/** Runs the entry point as the image does, in a child process (tsx, so no build is needed). */
function runMain(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('trainer/main', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'trainer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses --env, --endpoint_version, --data, --model-dir (or AIP_MODEL_DIR), --run-id', () => {
    const args = parseTrainerArgs(['--env', 'vertex', '--endpoint_version', '3', '--data', 'gs://b/d.csv'], {
      AIP_MODEL_DIR: 'gs://b/run/model/',
    });
    assert.deepEqual(args, {
      env: 'vertex',
      endpointVersion: 3,
      data: 'gs://b/d.csv',
      modelDir: 'gs://b/run/model/',
      runId: undefined,
      seed: 42,
    });
    assert.equal(parseTrainerArgs(['--data', 'd.csv', '--model-dir', 'm', '--run-id', 'r1'], {}).runId, 'r1');
    const withBaseline = ['--env', 'vertex', '--data', 'gs://b/d.csv#12', '--baseline-model-dir', 'gs://b/r0/model/'];
    assert.equal(
      parseTrainerArgs(withBaseline, { AIP_MODEL_DIR: 'gs://b/r1/model/' }).baselineModelDir,
      'gs://b/r0/model/',
    );
  });

  it('names the bad argument', () => {
    const bad: [string[], RegExp][] = [
      [['--data', 'd.csv'], /--model-dir is required/],
      [['--model-dir', 'm'], /--data is required/],
      [['--data', 'd', '--model-dir', 'm', '--env', 'cloud'], /--env must be local or vertex/],
      [['--data', 'd', '--model-dir', 'm', '--endpoint_version', '0'], /--endpoint_version must be an integer >= 1/],
      [['--data', 'd', '--model-dir', 'm', '--endpoint_version', '1.5'], /--endpoint_version/],
      [['--data', 'gs://b/d.csv', '--model-dir', 'm'], /gs:\/\/ URIs need --env vertex/],
      [['--data', 'd', '--model-dir', 'm', '--bogus'], /bogus/],
      [
        ['--data', 'd', '--model-dir', 'm', '--baseline-model-dir', 'gs://b/m/'],
        /--baseline-model-dir .*need --env vertex/,
      ],
      [['--data', 'd', '--model-dir', 'm', '--baseline-model-dir', ''], /--baseline-model-dir must not be empty/],
    ];
    for (const [argv, message] of bad)
      assert.throws(
        () => parseTrainerArgs(argv, {}),
        (e: Error) => e instanceof UsageError && message.test(e.message),
      );
  });

  const TRAIN = 'test/fixtures/titanic/train.csv';
  const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

  it('exit 0: writes model.json and metrics.json v1 (nothing else); the dataset is untouched', () => {
    const before = readFileSync(TRAIN);
    const r = runMain([
      '--env',
      'local',
      '--endpoint_version',
      '2',
      '--run-id',
      'run-1',
      '--data',
      TRAIN,
      '--model-dir',
      dir,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['metrics.json', 'model.json']);
    const model = json(join(dir, 'model.json'));
    const metrics = json(join(dir, 'metrics.json'));
    assert.equal(model.endpointVersion, 2);
    assert.equal(model.trainingData.rows, 891);
    // The contract fields, valid against the schema.
    const which = schemaFile('metrics').contract ? "the contract's schema" : 'the draft reading';
    assert.deepEqual(schemaProblems('metrics', metrics), [], which);
    assert.equal(metrics.contract, 'vertex-retrain.metrics/v1');
    assert.equal(metrics.task, 'binary-classification');
    assert.deepEqual(metrics.rows, { total: 891, train: 724, holdout: 167 });
    assert.equal(metrics.holdout.seed, 42);
    assert.equal(metrics.cv.folds, 5);
    assert.equal(metrics.baseline, undefined, 'no --baseline-model-dir: no baseline');
    const [[tn, fp], [fn, tp]] = metrics.charts.confusionMatrix.matrix;
    assert.equal(tn + fp + fn + tp, metrics.rows.holdout);
    assert.equal(metrics.metrics.accuracy, Math.round(((tn + tp) / metrics.rows.holdout) * 1e6) / 1e6);
    assert.ok(metrics.charts.roc.length <= 50);
    assert.deepEqual(
      metrics.charts.featureImportance.map((f: { feature: string }) => f.feature).sort(),
      [...model.featureNames].sort(),
    );
    assert.equal(metrics.extra.modelVersion, model.modelVersion);
    assert.equal(metrics.extra.runId, 'run-1');
    assert.ok(Number.isInteger(metrics.extra.trainingMs));
    // metrics.json v1 alone: no field of the former unversioned file is left at the top level.
    assert.deepEqual(
      Object.keys(metrics).filter(
        (k) =>
          !['contract', 'task', 'rows', 'holdout', 'metrics', 'cv', 'baseline', 'charts', 'labels', 'extra'].includes(
            k,
          ),
      ),
      [],
    );
    assert.deepEqual(readFileSync(TRAIN), before);
    for (const line of r.stdout.trim().split('\n')) JSON.parse(line); // logs are JSON lines
  });

  it('--baseline-model-dir: scores that model on the same hold-out rows (the hold-out model itself scores equal)', () => {
    // A baseline fitted on exactly the candidate's hold-out training rows: scored on the same hold-out rows, it must
    // give the candidate's hold-out figures. Any other rows (or a lossy passenger → instance mapping) would not.
    const rows = parseTrainingSet(readFileSync(TRAIN));
    const split = holdoutById(
      rows.map((r) => r.passengerId),
      HOLDOUT_FRACTION,
      42,
    );
    const fitted = fitModel(
      split.train.map((i) => rows[i] as (typeof rows)[number]),
      42,
    );
    const baselineDir = join(dir, 'serving');
    mkdirSync(baselineDir);
    const artifact = buildArtifact(fitted, {
      codeVersion: 'test',
      seed: 42,
      trainingData: { uri: TRAIN, sha256: '-', rows: split.train.length },
    });
    writeFileSync(join(baselineDir, 'model.json'), serializeArtifact(artifact));
    const out = join(dir, 'candidate');
    const r = runMain(['--data', TRAIN, '--model-dir', out, '--baseline-model-dir', baselineDir]);
    assert.equal(r.status, 0, r.stderr);
    const metrics = json(join(out, 'metrics.json'));
    assert.deepEqual(schemaProblems('metrics', metrics), []);
    assert.equal(metrics.baseline.modelDir, baselineDir);
    assert.deepEqual(metrics.baseline.metrics, metrics.metrics);
    assert.equal(metrics.extra.baselineModelVersion, artifact.modelVersion);
    assert.match(r.stdout, /"message":"baseline scored on the hold-out".*"rows":167/);
  });

  it('ships the model its hold-out measured: the same file trained again against it scores equal (like for like)', () => {
    // A served model refitted on every row would have seen the next run's hold-out rows and out-score it there.
    const first = join(dir, 'v1');
    assert.equal(runMain(['--data', TRAIN, '--model-dir', first]).status, 0);
    const second = join(dir, 'v2');
    const r = runMain(['--data', TRAIN, '--model-dir', second, '--baseline-model-dir', first]);
    assert.equal(r.status, 0, r.stderr);
    const metrics = json(join(second, 'metrics.json'));
    assert.deepEqual(metrics.baseline.metrics, metrics.metrics);
    assert.deepEqual(json(join(first, 'metrics.json')).metrics, metrics.metrics);
  });

  it('a baseline that cannot be read: the run still trains, metrics.json says why, the log warns', () => {
    const baselineDir = join(dir, 'old');
    mkdirSync(baselineDir);
    writeFileSync(join(baselineDir, 'model.json'), JSON.stringify({ schemaVersion: 1 }));
    const cases = [
      [baselineDir, /model\.json is not a usable model artifact: .*schemaVersion 1 is not supported/],
      [join(dir, 'missing'), /cannot read the model artifact .*missing.model\.json/],
    ] as const;
    for (const [given, reason] of cases) {
      const out = join(dir, `out-${cases.findIndex(([d]) => d === given)}`);
      const r = runMain(['--data', TRAIN, '--model-dir', out, '--baseline-model-dir', given]);
      assert.equal(r.status, 0, r.stderr);
      const metrics = json(join(out, 'metrics.json'));
      assert.equal(metrics.baseline, undefined);
      assert.equal(metrics.extra.baselineUnavailable.modelDir, given);
      assert.match(metrics.extra.baselineUnavailable.reason, reason);
      assert.deepEqual(schemaProblems('metrics', metrics), []);
      assert.match(r.stdout, /"severity":"WARNING","message":"baseline not scored"/);
    }
  });

  it('exit 2 on invalid data: the problems on stderr, nothing written; exit 1 on bad arguments', () => {
    const r = runMain(['--data', 'test/fixtures/titanic/wrong-types.csv', '--model-dir', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /row 3, column Age/);
    assert.deepEqual(readdirSync(dir), []);
    const bad = runMain(['--data', TRAIN, '--model-dir', dir, '--endpoint_version', 'x']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--endpoint_version must be an integer/);
  });

  it('the outcome message says why: the first problems of a rejected file, the model and baseline of a trained one', async () => {
    const error = sinon.stub(console, 'error');
    const logged = sinon.stub(console, 'log');
    try {
      const args = { env: 'local', modelDir: dir, seed: 42 } as const;
      const rejected = await run({ ...args, data: 'test/fixtures/titanic/wrong-types.csv' });
      assert.equal(rejected.code, 2);
      assert.match(rejected.message, /^dataset rejected: .*row 3, column Age/s);
      const trained = await run({ ...args, data: TRAIN, baselineModelDir: join(dir, 'none') });
      assert.equal(trained.code, 0);
      assert.match(trained.message, /^model [0-9a-f]{16}, hold-out accuracy 0\.\d+; baseline not scored: cannot read/);
      const message = outcomeMessage({ runId: 'r1', status: 'REJECTED', message: rejected.message });
      assert.deepEqual(schemaProblems('outcome', message), []);
    } finally {
      error.restore();
      logged.restore();
    }
  });
});
