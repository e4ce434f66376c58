import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStackInfo, runningStack, writeStackInfo } from '../../../functions/src/cli/stack-file';
import { startStack } from '../../../functions/src/cli/up';
import { localLayout } from '../../../functions/src/local/layout';

describe('cli/stack-file', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stackfile-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const info = (pid: number) => ({
    pid,
    url: 'http://127.0.0.1:1',
    predictUrl: 'http://127.0.0.1:1/p',
    dropFolder: '/d',
    startedAt: 'now',
  });

  it('finds a stack whose process is alive, and ignores one left by a dead process', async () => {
    const layout = localLayout(root);
    assert.equal(await runningStack(layout), undefined);
    await writeStackInfo(layout, info(process.pid));
    assert.equal((await runningStack(layout))?.pid, process.pid);
    await writeStackInfo(layout, info(2 ** 22 + 12345)); // above the default pid_max: no such process
    assert.equal(await runningStack(layout), undefined);
    await removeStackInfo(layout);
    assert.equal(await runningStack(layout), undefined);
  });

  it('refuses to start a second stack on a folder where one is running', async () => {
    await writeStackInfo(localLayout(root), info(process.pid));
    await assert.rejects(startStack({ dir: root, port: 0 }), /already running on .* \(pid \d+/);
  });
});
