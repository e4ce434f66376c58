import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import {
  buildValues,
  CLOUDBUILD_FILE,
  loadBuildConfig,
  referencedNames,
  substitute,
  type BuildConfig,
} from './cloudbuild-config';

// A data drop (API build: _RUN_ID set, no commit; the functions pass the run id as the image tag), the same drop run
// through the trigger (a commit as well), and a git push (trigger build: commit set, no _RUN_ID).
const DATA_DROP = {
  _RUN_ID: 'run-20261126-abc',
  _DATASET_URI: 'gs://d/datasets/train.csv',
  _IMAGE_TAG: 'run-20261126-abc',
};
const GIT_PUSH = { COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567', SHORT_SHA: '0123456' };
const TRIGGERED_DROP = { ...GIT_PUSH, ...DATA_DROP };
const POINTER = 'gs://p-vr-artifacts/source/pushed/current.json';

/**
 * Runs a step's bash script after substitution, with `npm` and `gcloud` replaced by recorders; returns exit code and
 * their calls. `workspace`: a folder standing in for /workspace (the step runs in it).
 */
function runStep(config: BuildConfig, id: string, overrides: Record<string, string>, workspace?: string) {
  const step = config.steps.find((s) => s.id === id);
  if (step === undefined) throw new Error(`no step ${id}`);
  assert.equal(step.entrypoint, 'bash');
  assert.equal(step.args?.[0], '-c');
  let script = substitute(step.args[1]!, buildValues(config, overrides));
  if (workspace) script = script.replaceAll('/workspace', workspace);
  const dir = mkdtempSync(join(tmpdir(), 'cb-step-'));
  const recorded: Record<string, string[]> = {};
  for (const tool of ['npm', 'gcloud']) {
    const log = join(dir, `${tool}.log`);
    // gcloud storage cp <src> <dst>: also keep a copy of what would be uploaded, to look at.
    writeFileSync(
      join(dir, tool),
      `#!/usr/bin/env bash\necho "${tool} $*" >> "${log}"\n` +
        (tool === 'gcloud'
          ? `for a; do last2="$last1"; last1="$a"; done; cp "$last2" "${dir}/uploaded-$(basename "$last1")"\n`
          : ''),
    );
    chmodSync(join(dir, tool), 0o755);
  }
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    cwd: workspace,
    env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  for (const tool of ['npm', 'gcloud']) {
    const log = join(dir, `${tool}.log`);
    recorded[tool] = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  }
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    npm: recorded.npm!,
    gcloud: recorded.gcloud!,
    uploads: dir,
  };
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
    ['data drop run through the trigger', TRIGGERED_DROP, DATA_DROP._RUN_ID],
    ['git push', GIT_PUSH, GIT_PUSH.SHORT_SHA],
  ] as const) {
    it(`pushes through images: only an immutable tag, the ${name === 'git push' ? 'commit' : 'run id'} on a ${name}`, () => {
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
    ['a data drop run through the trigger', TRIGGERED_DROP, null],
    ['a git push that publishes the source', { ...GIT_PUSH, _SOURCE_POINTER: POINTER }, null],
    ['neither run id nor commit', {}, /No image tag/],
    ['an upper-case run id', { ...DATA_DROP, _RUN_ID: 'Run-1' }, /_RUN_ID must be/],
    ['a 41-char run id', { ...DATA_DROP, _RUN_ID: 'a'.repeat(41) }, /_RUN_ID must be/],
    ['an image tag with a slash', { _IMAGE_TAG: 'a/b' }, /_IMAGE_TAG must be a docker tag/],
    [
      'a pointer that is not gs://',
      { ...GIT_PUSH, _SOURCE_POINTER: 'source/current.json' },
      /_SOURCE_POINTER must be gs:/,
    ],
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

  /** A checkout with a trainer folder holding a binary file, an installed node_modules and an unrelated folder. */
  function checkout(): string {
    const ws = mkdtempSync(join(tmpdir(), 'cb-ws-'));
    for (const [file, data] of [
      ['package.json', '{}'],
      ['package-lock.json', '{}'],
      ['tsconfig.json', '{}'],
      ['tsconfig.build.json', '{}'],
      ['cloudbuild.yaml', 'steps: []'],
      ['.dockerignore', 'node_modules'],
      ['trainer/Dockerfile', 'FROM scratch'],
      ['trainer/src/train.ts', 'export {};'],
      ['trainer/node_modules/x/index.js', ''],
      ['functions/src/index.ts', ''],
    ] as const) {
      mkdirSync(dirname(join(ws, file)), { recursive: true });
      writeFileSync(join(ws, file), data);
    }
    writeFileSync(join(ws, 'trainer/model.bin'), BINARY);
    return ws;
  }
  const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0xc3, 0x28]); // not UTF-8

  it('a git push with _SOURCE_POINTER packs the trainer source (binary files intact), then publishes it and the pointer', () => {
    const ws = checkout();
    const push = { ...GIT_PUSH, _SOURCE_POINTER: POINTER };
    const pack = runStep(config, 'pack-source', push, ws);
    assert.equal(pack.status, 0, pack.stderr);
    const listing = spawnSync('tar', ['-tzf', join(ws, '.trainer-source.tar.gz')], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    assert.deepEqual(listing.filter((f) => !f.endsWith('/')).sort(), [
      '.dockerignore',
      'cloudbuild.yaml',
      'package-lock.json',
      'package.json',
      'trainer/Dockerfile',
      'trainer/model.bin',
      'trainer/src/train.ts',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    const out = mkdtempSync(join(tmpdir(), 'cb-untar-'));
    spawnSync('tar', ['-xzf', join(ws, '.trainer-source.tar.gz'), '-C', out]);
    assert.deepEqual(readFileSync(join(out, 'trainer/model.bin')), BINARY);
    // It runs before anything writes into the workspace (npm ci in unit-tests).
    assert.deepEqual(config.steps.find((st) => st.id === 'unit-tests')?.waitFor, ['pack-source']);

    const publish = runStep(config, 'publish-source', push, ws);
    assert.equal(publish.status, 0, publish.stderr);
    const archive = 'gs://p-vr-artifacts/source/pushed/trainer-0123456.tar.gz';
    assert.deepEqual(publish.gcloud, [
      `gcloud storage cp ${ws}/.trainer-source.tar.gz ${archive}`,
      `gcloud storage cp --content-type=application/json ${ws}/.source-pointer.json ${POINTER}`,
    ]);
    // The pointer in the shape the functions read (gcp/cloud-build.ts): the archive, and the commit for people.
    const pointer = JSON.parse(readFileSync(join(publish.uploads, 'uploaded-current.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.deepEqual(pointer, { sourceUri: archive, commitSha: GIT_PUSH.COMMIT_SHA, buildId: 'b-1' });
    // Only once the image is built (the tests passed): a broken push never becomes what data drops build.
    assert.deepEqual(config.steps.find((st) => st.id === 'publish-source')?.waitFor, ['build-image']);
    assert.deepEqual(config.steps.find((st) => st.id === 'build-image')?.waitFor, [
      'build-builder-stage',
      'unit-tests',
    ]);
  });

  for (const [name, overrides] of [
    ['a data drop', DATA_DROP],
    ['a data drop run through the trigger', { ...TRIGGERED_DROP, _SOURCE_POINTER: POINTER }],
    ['a git push without _SOURCE_POINTER', GIT_PUSH],
  ] as const) {
    it(`${name} publishes no source archive`, () => {
      const ws = checkout();
      for (const id of ['pack-source', 'publish-source']) {
        const run = runStep(config, id, overrides, ws);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.gcloud, []);
      }
      assert.equal(existsSync(join(ws, '.trainer-source.tar.gz')), false);
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
