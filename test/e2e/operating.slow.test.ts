// Operating the local stack as a user does, through the compiled CLI (`npm run build` first; `npm run test:stack`
// does both): `npm start` (= `node bin/vertex-retrain.js up`) in a scratch working folder prints the transition lines
// of a deployed run, a rejection and a HELD run; a slow writer (a file written in two halves 3 s apart) starts exactly
// one run, on the complete file; after that (the folder's `.vertex-retrain/` now holds a HELD run), `npm run demo`
// twice in a row exits 0 with predictions both times, on fresh folders of its own.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { RunReader } from '../../functions/src/cli/runs';
import { localLayout } from '../../functions/src/local/layout';
import { LocalObjectStore } from '../../functions/src/local/object-store';
import { shuffledLabels } from './support/datasets';

const REPO = join(__dirname, '../..');
const BIN = join(REPO, 'bin/vertex-retrain.js');

describe('e2e (slow): operating the local stack', function () {
  this.timeout(300_000);
  let cwd: string;
  let up: ChildProcess;
  let out = '';
  let dropFolder = '';
  const demoFolders: string[] = [];

  const waitFor = async (what: string, re: RegExp, timeoutMs = 90_000): Promise<RegExpExecArray> => {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
      const m = re.exec(out);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; npm start printed:\n${out}`);
    }
  };
  const runs = () => new RunReader(new LocalObjectStore(localLayout(join(cwd, '.vertex-retrain'))), 'artifacts');

  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'operating-'));
    up = spawn(process.execPath, [BIN, 'up', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    up.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    dropFolder = (await waitFor('the banner', /drop a CSV into: +(\S+)\/\n/, 60_000))[1] as string;
  });
  after(async () => {
    if (up.exitCode === null) up.kill('SIGKILL');
    await Promise.all([cwd, ...demoFolders].map((d) => rm(d, { recursive: true, force: true })));
  });

  it('npm start prints the transition lines of a deployed run, a rejection and a HELD run', async () => {
    await copyFile(join(REPO, 'trainer/data/train.csv'), join(dropFolder, 'good.csv'));
    await copyFile(join(REPO, 'test/fixtures/titanic/missing-column.csv'), join(dropFolder, 'bad.csv'));
    const deployed = await waitFor(
      'the deployed line',
      /run (good-[a-z0-9]+) {2}DEPLOYED: v1 serving .* at POST (\S+)$/m,
    );
    const good = deployed[1] as string;
    assert.match(deployed[2] as string, /^http:\/\/127\.0\.0\.1:\d+\/v1\/.*:predict$/);
    const goodLines = out.split('\n').filter((l) => l.includes(`run ${good} `));
    const order = ['accepted gs://data/datasets/good.csv#', 'image built', 'trained', 'DEPLOYED'];
    assert.deepEqual(
      order.map((part) => goodLines.findIndex((l) => l.includes(part))),
      [0, 1, 2, 3],
      goodLines.join('\n'),
    );
    await waitFor(
      'the rejection',
      /run bad-[a-z0-9]+ {2}REJECTED gs:\/\/data\/datasets\/bad\.csv#\d+: .+; full list: \//,
    );

    const csv = await readFile(join(REPO, 'trainer/data/train.csv'), 'utf8');
    await writeFile(join(dropFolder, 'shuffled.csv'), shuffledLabels(csv, 7));
    const held = await waitFor(
      'the HELD line',
      /run (shuffled-[a-z0-9]+) {2}HELD by the quality gate \(accuracy .*\); to deploy it anyway: npx vertex-retrain promote (\S+)$/m,
    );
    assert.equal(held[2], held[1], 'the promote command names the held run');
  });

  it('a slow writer (two halves 3 s apart) starts exactly one run, on the complete file', async () => {
    const csv = await readFile(join(REPO, 'trainer/data/train.csv'));
    const lines = csv.toString('utf8').split('\n');
    const half = Buffer.from(`${lines.slice(0, 501).join('\n')}\n`); // ends at a line boundary, as head -501 does
    const file = join(dropFolder, 'slow.csv');
    await writeFile(file, half);
    await sleep(3000);
    await appendFile(file, csv.subarray(half.length));
    await waitFor('the slow run', /run slow-[a-z0-9]+ {2}DEPLOYED: v\d+/m);
    await sleep(3000); // a second run, if any, would have started by now
    const slow = (await runs().list()).filter((r) => r.dataset?.uri === 'gs://data/datasets/slow.csv');
    assert.equal(slow.length, 1, JSON.stringify(slow.map((r) => [r.runId, r.dataset])));
    assert.equal(slow[0]?.dataset?.size, csv.length, 'trained on the whole file');
    assert.equal(out.match(/run slow-[a-z0-9]+ {2}accepted/g)?.length, 1);
  });

  it('npm start stops on Ctrl-C', async () => {
    up.kill('SIGINT');
    const code = await new Promise((resolve) => up.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /stopping…/);
  });

  it('npm run demo twice in a row after a HELD run in the default folder: both exit 0 with predictions', async () => {
    const before = (await runs().list()).map((r) => `${r.runId}:${r.state}`);
    assert.ok(
      before.some((r) => r.endsWith(':HELD')),
      before.join(' '),
    );
    for (const round of [1, 2]) {
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'demo'], { cwd });
      const folder = /stack folder: (\S+) \(fresh for this demo/.exec(stdout)?.[1];
      assert.ok(folder, stdout);
      demoFolders.push(folder);
      assert.match(stdout, /PREDICTED SURVIVED\s+PROBABILITY/, `demo ${round}`);
      assert.match(stdout, /run titanic-train-[a-z0-9]+: DEPLOYED/, `demo ${round}`);
    }
    assert.notEqual(demoFolders[0], demoFolders[1], 'a fresh folder each time');
    assert.deepEqual(
      (await runs().list()).map((r) => `${r.runId}:${r.state}`),
      before,
      'the default folder is left as it was',
    );
  });
});
