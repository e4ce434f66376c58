import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetStack } from '../../../functions/src/cli/reset';
import { writeStackInfo } from '../../../functions/src/cli/stack-file';
import { localLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';

describe('cli/reset', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'reset-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const stackFolder = async () => {
    const layout = localLayout(root);
    await new LocalObjectStore(layout).write('artifacts', 'runs/a.json', '{}');
    await mkdir(join(layout.logs, 'functions'), { recursive: true });
    await mkdir(join(root, 'watcher'));
    await writeFile(join(root, 'watchdog.cjs'), '');
    await writeFile(join(root, 'paused-training'), '');
    return layout;
  };

  it('empties a stack folder: runs, buckets, logs, watcher state', async () => {
    const layout = await stackFolder();
    const removed = await resetStack(layout);
    assert.ok(removed.includes('buckets') && removed.includes('logs') && removed.includes('watcher'), String(removed));
    assert.deepEqual(await readdir(root), []);
  });

  it('does nothing on a folder that does not exist', async () => {
    assert.deepEqual(await resetStack(localLayout(join(root, 'absent'))), []);
  });

  it('refuses while a stack runs on the folder', async () => {
    const layout = await stackFolder();
    await writeStackInfo(layout, { pid: process.pid, url: 'u', predictUrl: 'p', dropFolder: 'd', startedAt: 'now' });
    await assert.rejects(resetStack(layout), /running on .* \(pid \d+\): stop it first/);
    assert.ok((await readdir(root)).includes('buckets'));
  });

  it('refuses a folder holding anything a stack does not write, and removes nothing', async () => {
    const layout = await stackFolder();
    await writeFile(join(root, 'thesis.tex'), 'mine');
    await assert.rejects(resetStack(layout), /does not look like a local stack folder .*thesis\.tex.*nothing removed/);
    assert.ok((await readdir(root)).includes('buckets'));
  });
});
