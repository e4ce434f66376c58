import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainerArgs, UsageError } from '../../trainer/src/main';

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
    ];
    for (const [argv, message] of bad)
      assert.throws(
        () => parseTrainerArgs(argv, {}),
        (e: Error) => e instanceof UsageError && message.test(e.message),
      );
  });

  it('exit 0: writes model.json, metrics.json and the SUCCEEDED outcome; the dataset is untouched', () => {
    const data = 'test/fixtures/titanic/train.csv';
    const before = readFileSync(data);
    const r = runMain([
      '--env',
      'local',
      '--endpoint_version',
      '2',
      '--run-id',
      'run-1',
      '--data',
      data,
      '--model-dir',
      dir,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['metrics.json', 'model.json', 'outcome.json']);
    const outcome = JSON.parse(readFileSync(join(dir, 'outcome.json'), 'utf8'));
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(outcome.status, 'SUCCEEDED');
    assert.equal(outcome.runId, 'run-1');
    assert.equal(outcome.endpointVersion, 2);
    assert.equal(outcome.modelVersion, model.modelVersion);
    assert.equal(model.endpointVersion, 2);
    assert.equal(model.trainingData.rows, 891);
    assert.ok(metrics.holdout.roc.length <= 50 && metrics.crossValidation.folds.length === 5);
    assert.ok(Number.isInteger(metrics.trainingMs));
    assert.deepEqual(readFileSync(data), before);
    for (const line of r.stdout.trim().split('\n')) JSON.parse(line); // logs are JSON lines
  });

  it('exit 2 on invalid data: REJECTED outcome with the problems, no model; exit 1 on bad arguments', () => {
    const r = runMain(['--data', 'test/fixtures/titanic/wrong-types.csv', '--model-dir', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /row 3, column Age/);
    assert.deepEqual(readdirSync(dir), ['outcome.json']);
    const outcome = JSON.parse(readFileSync(join(dir, 'outcome.json'), 'utf8'));
    assert.equal(outcome.status, 'REJECTED');
    assert.equal(outcome.problems.length, 5);
    const bad = runMain(['--data', 'test/fixtures/titanic/train.csv', '--model-dir', dir, '--endpoint_version', 'x']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--endpoint_version must be an integer/);
  });
});
