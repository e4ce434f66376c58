import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectInfo } from '../../../functions/src/ports';
import { DatasetWatcher } from '../../../functions/src/local/dataset-watcher';
import { localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';

describe('local/dataset-watcher', () => {
  let root: string;
  let layout: LocalLayout;
  let events: ObjectInfo[];
  let folder: string;

  const watcher = () =>
    new DatasetWatcher(layout, new LocalObjectStore(layout), {
      bucket: 'data',
      prefix: 'datasets/',
      stableMs: 100,
      onFinalized: async (info) => {
        events.push(info);
      },
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'watch-'));
    layout = localLayout(root);
    events = [];
    folder = join(root, 'buckets', 'data', 'datasets');
    await mkdir(folder, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('emits a dropped file once it has stopped growing, with its generation, size and md5', async () => {
    const w = watcher();
    await w.start();
    await w.stop();
    await writeFile(join(folder, 'a.csv'), 'x,y\n');
    await w.scan(1000);
    await appendFile(join(folder, 'a.csv'), '1,2\n'); // still being written
    await w.scan(1150);
    await w.scan(1200);
    assert.equal(events.length, 0, 'not before it is stable for stableMs');
    await w.scan(1300);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.name, 'datasets/a.csv');
    assert.equal(events[0]?.size, 8);
    assert.match(events[0]?.generation ?? '', /^\d+$/);
    await w.scan(2000);
    assert.equal(events.length, 1, 'once per generation');
  });

  it('emits a new generation when the same file is copied again, and ignores dotfiles', async () => {
    const w = watcher();
    await w.start();
    await w.stop();
    await writeFile(join(folder, 'a.csv'), 'x\n');
    await writeFile(join(folder, '.a.csv.swp'), 'junk');
    await w.scan(0);
    await w.scan(500);
    await utimes(join(folder, 'a.csv'), new Date(), new Date(Date.now() + 5000)); // a later copy, same bytes
    await w.scan(1000);
    await w.scan(1500);
    assert.equal(events.length, 2);
    assert.ok(BigInt(events[1]?.generation ?? 0) > BigInt(events[0]?.generation ?? 0));
    assert.ok(events.every((e) => e.name === 'datasets/a.csv'));
  });

  it('remembers what it emitted across a restart and emits what arrived while it was down', async () => {
    const first = watcher();
    await first.start();
    await first.stop();
    await writeFile(join(folder, 'a.csv'), 'x\n');
    await first.scan(0);
    await first.scan(500);
    assert.equal(events.length, 1);
    await writeFile(join(folder, 'b.csv'), 'y\n');
    const second = watcher();
    await second.start();
    await second.stop();
    await second.scan(0);
    await second.scan(500);
    assert.deepEqual(
      events.map((e) => e.name),
      ['datasets/a.csv', 'datasets/b.csv'],
    );
  });
});
