import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectInfo } from '../../../functions/src/ports';
import { DatasetWatcher } from '../../../functions/src/local/dataset-watcher';
import type { WatcherOptions } from '../../../functions/src/local/dataset-watcher';
import { localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';

describe('local/dataset-watcher', () => {
  let root: string;
  let layout: LocalLayout;
  let events: ObjectInfo[];
  let waiting: string[];
  let folder: string;
  let running: DatasetWatcher[];

  const STABLE = 300;
  const start = async (extra: Partial<WatcherOptions> = {}) => {
    const w = new DatasetWatcher(layout, new LocalObjectStore(layout), {
      bucket: 'data',
      prefix: 'datasets/',
      stableMs: STABLE,
      pollMs: 50,
      onFinalized: async (info) => {
        events.push(info);
      },
      onWaiting: (name) => waiting.push(name),
      ...extra,
    });
    await w.start();
    running.push(w);
    return w;
  };
  const until = async (what: string, ok: () => boolean, ms = 5000) => {
    for (const deadline = Date.now() + ms; !ok(); await sleep(20))
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'watch-'));
    layout = localLayout(root);
    events = [];
    waiting = [];
    running = [];
    folder = join(root, 'buckets', 'data', 'datasets');
    await mkdir(folder, { recursive: true });
  });
  afterEach(async () => {
    await Promise.all(running.map((w) => w.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('emits a copied file once it has stopped changing for stableMs, with its generation, size and md5', async () => {
    await start();
    await writeFile(join(folder, 'a.csv'), 'x,y\n');
    await sleep(STABLE / 2);
    await appendFile(join(folder, 'a.csv'), '1,2\n'); // still being written
    await sleep(STABLE / 2 + 50);
    assert.equal(events.length, 0, 'not before it is stable for stableMs');
    await until('the event', () => events.length === 1);
    assert.equal(events[0]?.name, 'datasets/a.csv');
    assert.equal(events[0]?.size, 8);
    assert.match(events[0]?.generation ?? '', /^\d+$/);
    await sleep(STABLE * 2);
    assert.equal(events.length, 1, 'once per generation');
  });

  it('a slow writer pausing at a line end longer than a poll but shorter than stableMs: one event, complete file', async () => {
    await start();
    const file = join(folder, 'slow.csv');
    await writeFile(file, 'a,b\n1,2\n');
    await sleep(STABLE * 0.7);
    await appendFile(file, '3,4\n');
    await until('the event', () => events.length === 1);
    await sleep(STABLE * 2);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.size, 12);
  });

  it('waits for a complete last line, and takes an unterminated file as it is after unterminatedMs', async () => {
    await start({ unterminatedMs: 1500 });
    const file = join(folder, 'half.csv');
    await writeFile(file, 'a,b\n1,');
    await until('the waiting notice', () => waiting.length === 1);
    assert.equal(events.length, 0, 'stable but ends mid-line');
    await appendFile(file, '2\n');
    await until('the event', () => events.length === 1);
    assert.equal(events[0]?.size, 8, 'the whole file');
    await writeFile(join(folder, 'no-newline.csv'), 'a,b\n1,2');
    await sleep(STABLE * 2);
    assert.equal(events.length, 1);
    await until('the unterminated file', () => events.length === 2, 4000);
    assert.equal(events[1]?.name, 'datasets/no-newline.csv');
  });

  it('honours write-then-rename: the temp dotfile is ignored, the renamed file emitted once', async () => {
    await start();
    await writeFile(join(folder, '.part.csv.tmp'), 'x\n');
    await sleep(STABLE * 2);
    assert.equal(events.length, 0, 'dotfiles are never emitted');
    await rename(join(folder, '.part.csv.tmp'), join(folder, 'part.csv'));
    await until('the event', () => events.length === 1);
    assert.equal(events[0]?.name, 'datasets/part.csv');
  });

  it('emits an object written through the store at once, without waiting for stableMs', async () => {
    await start({ stableMs: 4000 });
    const store = new LocalObjectStore(layout);
    const written = await store.write('data', 'datasets/up.csv', 'a\n1\n');
    await until('the event', () => events.length === 1, 2000);
    assert.equal(events[0]?.generation, written.generation);
  });

  it('emits a new generation when the same file is copied again', async () => {
    await start();
    await writeFile(join(folder, 'a.csv'), 'x\n');
    await until('the first event', () => events.length === 1);
    await utimes(join(folder, 'a.csv'), new Date(), new Date(Date.now() + 5000)); // a later copy, same bytes
    await until('the second event', () => events.length === 2);
    assert.ok(BigInt(events[1]?.generation ?? 0) > BigInt(events[0]?.generation ?? 0));
    assert.ok(events.every((e) => e.name === 'datasets/a.csv'));
  });

  it('remembers what it emitted across a restart and emits what arrived while it was down', async () => {
    const first = await start();
    await writeFile(join(folder, 'a.csv'), 'x\n');
    await until('the first event', () => events.length === 1);
    await first.stop();
    await writeFile(join(folder, 'b.csv'), 'y\n');
    await start();
    await until('b', () => events.length === 2);
    await sleep(STABLE * 2);
    assert.deepEqual(
      events.map((e) => e.name),
      ['datasets/a.csv', 'datasets/b.csv'],
    );
  });
});
