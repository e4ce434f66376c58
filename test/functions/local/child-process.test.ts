// A program that is not Node runs under the supervisor: it ends with its stack (even a SIGKILLed one), a kill of the
// supervisor's group takes it along, and its exit code comes through.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { killProcess, pidAlive, spawnCommand, stopChild } from '../../../functions/src/local/child-process';
import { localLayout } from '../../../functions/src/local/layout';

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exitOf = (child: import('node:child_process').ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('local/child-process: supervised (non-Node) programs', function () {
  this.timeout(30_000);
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'supervised-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const pidOf = async (file: string) => Number((await readFile(file, 'utf8')).trim());

  it('the program dies with a SIGKILLed parent (no orphan)', async () => {
    const pidFile = join(root, 'program.pid');
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'support/supervised-parent.ts'), root, pidFile],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => createInterface({ input: parent.stdout! }).once('line', resolve));
    const program = await pidOf(pidFile);
    assert.ok(pidAlive(program));
    parent.kill('SIGKILL');
    await until('the orphaned program to exit', () => !pidAlive(program));
  });

  it('killProcess on the supervisor takes the program along; exit codes come through', async () => {
    const layout = localLayout(root);
    const pidFile = join(root, 'p.pid');
    const child = await spawnCommand(layout, {
      command: ['/bin/sh', '-c', `echo $$ > '${pidFile}'; exec sleep 120`],
      cwd: root,
      env: {},
      logFile: join(root, 'log'),
    });
    await until('the pid file', () =>
      readFile(pidFile, 'utf8').then(
        (t) => t.trim() !== '',
        () => false,
      ),
    );
    const program = await pidOf(pidFile);
    const exited = exitOf(child);
    killProcess(child.pid, 'SIGKILL');
    assert.equal((await exited).signal, 'SIGKILL');
    await until('the program to exit', () => !pidAlive(program));

    const failing = await spawnCommand(layout, {
      command: ['/bin/sh', '-c', 'echo oops >&2; exit 3'],
      cwd: root,
      env: {},
      logFile: join(root, 'fail.log'),
    });
    assert.deepEqual(await exitOf(failing), { code: 3, signal: null });
    assert.equal(await readFile(join(root, 'fail.log'), 'utf8'), 'oops\n');

    const missing = await spawnCommand(layout, {
      command: [join(root, 'no-such-program')],
      cwd: root,
      env: {},
      logFile: join(root, 'missing.log'),
    });
    assert.equal((await exitOf(missing)).code, 127);
    assert.match(await readFile(join(root, 'missing.log'), 'utf8'), /cannot run .*no-such-program: spawn .* ENOENT/);
  });

  it('stopChild: SIGTERM reaches the program, which ends the supervisor by the same signal', async () => {
    const child = await spawnCommand(localLayout(root), {
      command: ['/bin/sleep', '120'],
      cwd: root,
      env: {},
      logFile: join(root, 'log'),
    });
    const exited = exitOf(child);
    await stopChild(child);
    assert.deepEqual(await exited, { code: null, signal: 'SIGTERM' });
  });
});
