// The command line as a user calls it: the TypeScript sources in a child process (tsx), on a scratch stack folder.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeStackInfo } from '../../../functions/src/cli/stack-file';
import { startStack } from '../../../functions/src/cli/up';
import { dirFlag } from '../../../functions/src/cli/up';
import { localLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';
import { newRunRecord } from '../../../functions/src/pipeline/run-record';

const REPO = join(__dirname, '../../..');
const MAIN = join(REPO, 'functions/src/cli/main.ts');
const TSX = require.resolve('tsx');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(cwd: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cli/main', function () {
  this.timeout(30_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-'));
    const store = new LocalObjectStore(localLayout(join(root, 'stack')));
    const runs = [
      ['first-run-aaa', '2026-01-01T00:00:00.000Z'],
      ['second-run-bbb', '2026-01-02T00:00:00.000Z'],
      ['second-run-bcc', '2026-01-03T00:00:00.000Z'],
    ];
    for (const [id, at] of runs) {
      const record = newRunRecord(id as string, 'dataset-drop', at as string);
      await store.write('artifacts', `runs/${id}.json`, JSON.stringify(record));
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(root, '--version');
    assert.equal(r.stdout.trim(), version);
  });

  it('--dir refuses a value starting with - (and creates no folder so named)', async () => {
    const r = await cli(root, '--dir', '--no-config', 'runs');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--dir.*expects a folder, got the option-like --no-config/);
    assert.equal(existsSync(join(root, '--no-config')), false);
  });

  it('runs --json lists newest first, as the help says', async () => {
    const r = await cli(root, '--dir', 'stack', 'runs', '--json');
    const ids = (JSON.parse(r.stdout) as { runId: string }[]).map((x) => x.runId);
    assert.deepEqual(ids, ['second-run-bcc', 'second-run-bbb', 'first-run-aaa']);
    const table = await cli(root, '--dir', 'stack', 'runs');
    assert.match(table.stdout.split('\n')[0] ?? '', /REASON$/);
  });

  it('show accepts an unambiguous prefix of a run id, and names the candidates of an ambiguous one', async () => {
    const one = await cli(root, '--dir', 'stack', 'show', 'first', '--json');
    assert.equal((JSON.parse(one.stdout) as { runId: string }).runId, 'first-run-aaa');
    const two = await cli(root, '--dir', 'stack', 'show', 'second');
    assert.equal(two.code, 1);
    assert.match(two.stderr, /second matches 2 runs \(second-run-bbb, second-run-bcc/);
    const none = await cli(root, '--dir', 'stack', 'show', 'zzz');
    assert.match(none.stderr, /no run zzz/);
  });

  it('follow prints a run stage by stage until it ends (the newest by default, or the one named); show names its logs', async () => {
    const store = new LocalObjectStore(localLayout(join(root, 'follow')));
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const deployed = {
      ...newRunRecord('good-run-1', 'dataset-drop', t(0)),
      state: 'DEPLOYED',
      updatedAt: t(9),
      stages: { RECEIVED: t(0), BUILDING: t(1), TRAINING: t(3), DEPLOYING: t(7), DEPLOYED: t(9) },
      training: { name: 'projects/p/locations/l/trainingPipelines/77' },
      deploy: { deployedModelId: '42' },
    };
    const rejected = {
      ...newRunRecord('bad-run-2', 'dataset-drop', t(20)),
      state: 'REJECTED',
      updatedAt: t(21),
      stages: { RECEIVED: t(20), REJECTED: t(21) },
      rejection: { reasons: ['missing column Sex'], problemCount: 1 },
    };
    for (const r of [deployed, rejected]) await store.write('artifacts', `runs/${r.runId}.json`, JSON.stringify(r));
    const newest = await cli(root, '--dir', 'follow', 'follow');
    assert.equal(newest.code, 1, 'the newest run did not deploy');
    assert.match(newest.stdout, /^run bad-run-2\n[^]*✘ REJECTED .*missing column Sex/);
    const named = await cli(root, '--dir', 'follow', 'follow', 'good');
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /✔ TRAINING .* 4\.0 s\n[^]*✔ DEPLOYED/);
    const shown = await cli(root, '--dir', 'follow', 'show', 'good');
    assert.match(shown.stdout, /training log +\/.*\/follow\/logs\/trainings\/77\.log$/m);
    assert.match(shown.stdout, /serving log +\/.*\/follow\/logs\/serving\/42\.log$/m);
    assert.match(shown.stdout, /function logs +npx vertex-retrain --dir follow logs good-run-1$/m);
  });

  it('stops quietly when the reader of its output goes away (… | head): no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, '--dir', 'stack', 'runs', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the pipe's reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
    assert.equal(code, 0);
  });

  it('reset empties the stack folder', async () => {
    const r = await cli(root, '--dir', 'stack', 'reset');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /emptied .*stack/);
    assert.match((await cli(root, '--dir', 'stack', 'runs')).stdout, /no runs yet/);
  });

  it('a port clash says EADDRINUSE and suggests --port 0', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      await assert.rejects(
        startStack({ dir: join(root, 'clash'), port }),
        new RegExp(`port ${port} is already in use \\(EADDRINUSE\\).*--port 0`),
      );
    } finally {
      busy.close();
    }
  });

  it('a stack on a folder of its own is named with --dir in the commands it suggests', () => {
    assert.equal(dirFlag('.vertex-retrain', true), '');
    assert.equal(dirFlag('/tmp/x', false), '--dir /tmp/x');
    assert.equal(dirFlag("/tmp/my stack's", false), `--dir '/tmp/my stack'\\''s'`);
  });

  it('a bare predict on a terminal says what it reads from stdin', async function () {
    // script(1) gives the command a pseudo-terminal; its stdin then ends at once (from /dev/null).
    const hasScript = await promisify(execFile)('script', ['--version']).then(
      () => true,
      () => false,
    );
    if (!hasScript) this.skip();
    await mkdir(join(root, 'tty'), { recursive: true });
    await writeStackInfo(localLayout(join(root, 'tty')), {
      pid: process.pid,
      url: 'http://127.0.0.1:9',
      predictUrl: 'http://127.0.0.1:9/p',
      dropFolder: 'd',
      startedAt: 'now',
    });
    const command = [process.execPath, '--import', TSX, MAIN, '--dir', 'tty', 'predict'].join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    const r = { stdout };
    assert.match(r.stdout, /reading instances from stdin: JSON .* or CSV with a header, then Ctrl-D/);
  });
});
