import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import {
  buildValues,
  CLOUDBUILD_FILE,
  loadBuildConfig,
  referencedNames,
  substitute,
  type BuildConfig,
} from './cloudbuild-config';

// A data drop (API build: _RUN_ID set, no commit) and a git push (trigger build: commit set, no _RUN_ID).
const DATA_DROP = { _RUN_ID: 'run-20261126-abc', _DATASET_URI: 'gs://d/datasets/train.csv' };
const GIT_PUSH = { COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567', SHORT_SHA: '0123456' };

/** Runs a step's bash script after substitution, with `npm` replaced by a recorder; returns exit code and npm calls. */
function runStep(config: BuildConfig, id: string, overrides: Record<string, string>) {
  const step = config.steps.find((s) => s.id === id);
  if (step === undefined) throw new Error(`no step ${id}`);
  assert.equal(step.entrypoint, 'bash');
  assert.equal(step.args?.[0], '-c');
  const script = substitute(step.args[1]!, buildValues(config, overrides));
  const dir = mkdtempSync(join(tmpdir(), 'cb-step-'));
  const log = join(dir, 'npm.log');
  writeFileSync(join(dir, 'npm'), `#!/usr/bin/env bash\necho "npm $*" >> "${log}"\n`);
  chmodSync(join(dir, 'npm'), 0o755);
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  const npm = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, npm };
}

describe('cloudbuild.yaml', () => {
  const text = readFileSync(CLOUDBUILD_FILE, 'utf8');
  const config = loadBuildConfig();

  it('declares a default for every user substitution it uses', () => {
    const used = referencedNames(text).filter((n) => n.startsWith('_'));
    const declared = Object.keys(config.substitutions ?? {});
    assert.deepEqual(
      used.filter((n) => !declared.includes(n)),
      [],
    );
    assert.ok(used.includes('_RUN_ID') && used.includes('_DATASET_URI'));
  });

  it('uses only built-in substitutions that exist', () => {
    const builtIns = ['PROJECT_ID', 'BUILD_ID', 'PROJECT_NUMBER', 'LOCATION', 'COMMIT_SHA', 'SHORT_SHA'];
    const used = referencedNames(text).filter((n) => !n.startsWith('_'));
    assert.deepEqual(
      used.filter((n) => !builtIns.includes(n)),
      [],
    );
  });

  it('logs to Cloud Logging only (required with a user-specified build service account)', () => {
    assert.equal(config.options?.logging, 'CLOUD_LOGGING_ONLY');
  });

  it('carries the vertex-retrain tag the functions recognise their builds by', () => {
    assert.ok(config.tags?.includes('vertex-retrain'));
  });

  it('sets a timeout', () => {
    assert.match(config.timeout ?? '', /^\d+s$/);
  });

  it('builds trainer/Dockerfile from the repository root', () => {
    const builds = config.steps.filter((s) => s.args?.[0] === 'build');
    assert.ok(builds.length > 0);
    for (const s of builds) {
      assert.ok(s.args?.includes('--file=trainer/Dockerfile'), `${s.id} builds another Dockerfile`);
      assert.equal(s.args?.at(-1), '.');
    }
  });

  for (const [name, overrides, tag] of [
    ['data drop', DATA_DROP, DATA_DROP._RUN_ID],
    ['git push', GIT_PUSH, GIT_PUSH.SHORT_SHA],
  ] as const) {
    it(`pushes through images: only an immutable tag, the ${name === 'data drop' ? 'run id' : 'commit'} on a ${name}`, () => {
      const values = buildValues(config, overrides);
      const images = (config.images ?? []).map((i) => substitute(i, values));
      assert.deepEqual(images, [`us-central1-docker.pkg.dev/demo-project/vertex-retrain/trainer:${tag}`]);
    });
  }

  it('runs the unit tests before the image is built on a git push', () => {
    const run = runStep(config, 'unit-tests', GIT_PUSH);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.npm, ['npm ci', 'npm test']);
    const build = config.steps.find((s) => s.id === 'build-image');
    assert.ok(build?.waitFor?.includes('unit-tests'), 'build-image must wait for unit-tests');
    assert.equal(config.steps.find((s) => s.id === 'unit-tests')?.name, 'node:22-slim');
  });

  it('skips the unit tests on a data drop', () => {
    const run = runStep(config, 'unit-tests', DATA_DROP);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.npm, []);
    assert.match(run.stdout, /skipped/);
  });

  it('fails the unit-tests step when a test fails', () => {
    const step = config.steps.find((s) => s.id === 'unit-tests')!;
    const failing = {
      ...config,
      steps: [{ ...step, args: ['-c', step.args![1]!.replace('npm test', 'npm test && false')] }],
    };
    assert.notEqual(runStep(failing, 'unit-tests', GIT_PUSH).status, 0);
  });

  const checks: [string, Record<string, string>, RegExp | null][] = [
    ['a data drop', DATA_DROP, null],
    ['a git push', GIT_PUSH, null],
    ['neither run id nor commit', {}, /No image tag/],
    ['an upper-case run id', { _RUN_ID: 'Run-1' }, /_RUN_ID must be/],
    ['a 41-char run id', { _RUN_ID: 'a'.repeat(41) }, /_RUN_ID must be/],
  ];
  for (const [name, overrides, error] of checks) {
    it(`check-inputs ${error ? 'rejects' : 'accepts'} ${name}`, () => {
      const run = runStep(config, 'check-inputs', overrides);
      if (error === null) assert.equal(run.status, 0, run.stderr);
      else {
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, error);
      }
    });
  }

  const dockerfile = 'trainer/Dockerfile';
  it(`${dockerfile} has the stage cloudbuild.yaml caches`, () => {
    const stage = config.substitutions?._BUILDER_STAGE;
    const names = DockerfileParser.parse(readFileSync(dockerfile, 'utf8'))
      .getFROMs()
      .map((from) => from.getBuildStage());
    assert.ok(names.includes(stage ?? ''), `stages ${JSON.stringify(names)} lack "${stage}"`);
  });
});

describe('cloud build substitution emulation', () => {
  it('replaces $X and ${X}, keeps $$ as a literal $, and refuses unknown names', () => {
    assert.equal(substitute('a$_X-${_Y}$$Z', { _X: '1', _Y: '2' }), 'a1-2$Z');
    assert.throws(() => substitute('$_NOPE', {}), /_NOPE/);
    assert.deepEqual(referencedNames('$_A ${_B} $$C'), ['_A', '_B']);
  });
});
