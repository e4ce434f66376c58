// `demo --trainer examples/diabetes` on a machine without what the Python trainer needs: the command says exactly
// what to install, exits non-zero, and starts nothing (no stack folder, no process). The machine is simulated by the
// PATH the CLI sees: an empty folder (no python3 at all), or a python3 that lacks scikit-learn.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], path: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'functions/src/cli/main.ts'), ...args],
      { cwd: REPO, env: { ...process.env, PATH: path }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

describe('e2e: demo --trainer with a Python trainer this machine cannot run', function () {
  this.timeout(60_000);
  let dir: string;
  let bin: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-check-'));
    bin = join(dir, 'bin');
    await mkdir(bin);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('no python3 on PATH: names the packages to install, exits 1, starts nothing', async () => {
    const stackDir = join(dir, 'stack');
    const { code, stdout, stderr } = await cli(['--dir', stackDir, 'demo', '--trainer', 'examples/diabetes'], bin);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /no python3 on PATH/);
    assert.match(stderr, /apt-get install python3-sklearn python3-jsonschema/);
    assert.doesNotMatch(stdout, /stack up|dropped/);
    assert.equal(await stat(stackDir).catch(() => undefined), undefined, 'no stack folder');
  });

  it('a python3 without scikit-learn: names the module and its package, exits 1, starts nothing', async () => {
    // Answers the probe as a Python 3 lacking sklearn would (a pyenv interpreter without the Debian packages).
    const fake = join(bin, 'python3');
    await writeFile(fake, '#!/bin/sh\necho \'{"major": 3, "missing": ["sklearn"]}\'\n');
    await chmod(fake, 0o755);
    const stackDir = join(dir, 'stack');
    const { code, stdout, stderr } = await cli(['--dir', stackDir, 'demo', '--trainer', 'examples/diabetes'], bin);
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`${fake} lacks sklearn`));
    assert.match(stderr, /Install them with `apt-get install python3-sklearn`/);
    assert.doesNotMatch(stdout, /stack up|dropped/);
    assert.equal(await stat(stackDir).catch(() => undefined), undefined, 'no stack folder');
  });

  it('`up --trainer` refuses the same way', async () => {
    const stackDir = join(dir, 'stack');
    const { code, stderr } = await cli(['--dir', stackDir, 'up', '--port', '0', '--trainer', 'examples/diabetes'], bin);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /apt-get install python3-sklearn/);
    assert.equal(await stat(stackDir).catch(() => undefined), undefined, 'no stack folder');
  });
});
