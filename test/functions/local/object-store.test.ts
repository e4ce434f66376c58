import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ObjectGoneError, ObjectTooLargeError, PreconditionFailedError } from '../../../functions/src/ports';
import { InvalidObjectNameError, localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore, setBucketConfig } from '../../../functions/src/local/object-store';

describe('local/object-store', () => {
  let root: string;
  let layout: LocalLayout;
  let store: LocalObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'store-'));
    layout = localLayout(root);
    store = new LocalObjectStore(layout);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('stores an object as a plain file in the bucket folder and reads it back with its metadata', async () => {
    const info = await store.write('data', 'datasets/a.csv', 'x,y\n1,2\n', { contentType: 'text/csv' });
    assert.equal(await readFile(join(root, 'buckets', 'data', 'datasets', 'a.csv'), 'utf8'), 'x,y\n1,2\n');
    const got = await store.read('data', 'datasets/a.csv');
    assert.ok(got);
    assert.equal(got.data.toString(), 'x,y\n1,2\n');
    assert.deepEqual(got.info, info);
    assert.equal(info.size, 8);
    assert.equal(info.contentType, 'text/csv');
    assert.match(info.md5Hash ?? '', /^[A-Za-z0-9+/]{22}==$/);
    assert.match(info.generation, /^\d+$/);
  });

  it('writeStream writes the chunks as one object with the md5 and size write gives, kept in a versioned bucket', async () => {
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const text = Array.from({ length: 5000 }, (_, i) => `${i},row\n`).join('');
    async function* chunks() {
      for (let at = 0; at < text.length; at += 1000)
        yield at % 2000 ? text.slice(at, at + 1000) : Buffer.from(text.slice(at, at + 1000));
    }
    const streamed = await store.writeStream('data', 'score/a.predictions.csv', chunks(), { contentType: 'text/csv' });
    const got = await store.read('data', 'score/a.predictions.csv');
    assert.equal(got?.data.toString(), text);
    assert.deepEqual(got?.info, streamed);
    const written = await store.write('data', 'score/b.csv', text);
    assert.equal(streamed.md5Hash, written.md5Hash);
    assert.equal(streamed.size, written.size);
    const kept = await store.pathOfGeneration('data', 'score/a.predictions.csv', streamed.generation);
    assert.equal(kept && (await readFile(kept, 'utf8')), text);
  });

  it('writeStream of a source that errors leaves no object and no temporary file', async () => {
    async function* broken() {
      yield 'a\n';
      throw new Error('the source broke');
    }
    await assert.rejects(store.writeStream('data', 'score/x.csv', broken()), /the source broke/);
    assert.equal(await store.stat('data', 'score/x.csv'), undefined);
    assert.deepEqual(await readdir(layout.tmp), []);
  });

  it('answers undefined for an absent object and an empty list for an absent bucket', async () => {
    assert.equal(await store.read('data', 'nope'), undefined);
    assert.equal(await store.stat('data', 'nope'), undefined);
    assert.deepEqual(await store.list('other', ''), []);
  });

  it('gives every write a larger generation, even within the same microsecond', async () => {
    const fixed = new LocalObjectStore(layout, () => 5n);
    const g1 = BigInt((await fixed.write('bkt', 'o', '1')).generation);
    const g2 = BigInt((await fixed.write('bkt', 'o', '2')).generation);
    const g3 = BigInt((await store.write('bkt', 'o', '3')).generation);
    assert.ok(g1 < g2 && g2 < g3, `${g1} < ${g2} < ${g3}`);
  });

  it('honours ifGenerationMatch: "0" only creates, a stale generation loses, the current one wins', async () => {
    const first = await store.write('bkt', 'run.json', '{"v":1}', { ifGenerationMatch: '0' });
    await assert.rejects(
      store.write('bkt', 'run.json', '{"v":2}', { ifGenerationMatch: '0' }),
      PreconditionFailedError,
    );
    const second = await store.write('bkt', 'run.json', '{"v":2}', { ifGenerationMatch: first.generation });
    await assert.rejects(
      store.write('bkt', 'run.json', '{"v":3}', { ifGenerationMatch: first.generation }),
      PreconditionFailedError,
    );
    assert.equal((await store.read('bkt', 'run.json'))?.data.toString(), '{"v":2}');
    assert.equal((await store.stat('bkt', 'run.json'))?.generation, second.generation);
    await assert.rejects(store.write('bkt', 'new.json', 'x', { ifGenerationMatch: '123' }), PreconditionFailedError);
  });

  it('lets exactly one of many concurrent compare-and-swap writers win', async () => {
    const base = await store.write('bkt', 'c', '0');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.write('bkt', 'c', String(i), { ifGenerationMatch: base.generation })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('keeps compare-and-swap correct across processes (no lost update)', async function () {
    this.timeout(30_000);
    const worker = join(__dirname, 'support', 'cas-worker.ts');
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', worker, root, '15']);
    await Promise.all([run(), run(), run()]);
    assert.equal((await store.read('state', 'counter.json'))?.data.toString(), '45');
  });

  it('adopts a file copied into the bucket folder by hand, and a new copy as a new generation', async () => {
    const dir = join(root, 'buckets', 'data', 'datasets');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'drop.csv'), 'a\n1\n');
    const first = await store.stat('data', 'datasets/drop.csv');
    assert.ok(first);
    assert.equal(first.size, 4);
    assert.equal(first.contentType, 'text/csv');
    assert.equal(
      (await store.stat('data', 'datasets/drop.csv'))?.generation,
      first.generation,
      'stable when unchanged',
    );
    await new Promise((r) => setTimeout(r, 15)); // a different mtime, as a later copy has
    await copyFile(join(dir, 'drop.csv'), join(dir, 'drop.csv.bak'));
    await copyFile(join(dir, 'drop.csv.bak'), join(dir, 'drop.csv'));
    const second = await store.stat('data', 'datasets/drop.csv');
    assert.ok(second && BigInt(second.generation) > BigInt(first.generation));
  });

  it('a versioned bucket keeps every generation: each pinned generation reads its own bytes after overwrites', async () => {
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const first = await store.write('data', 'datasets/t.csv', 'first\n');
    const second = await store.write('data', 'datasets/t.csv', 'second\n');
    // A later copy by hand is adopted as a generation, and kept too.
    await new Promise((r) => setTimeout(r, 15));
    await writeFile(join(root, 'buckets', 'data', 'datasets', 't.csv'), 'by hand\n');
    const third = await store.stat('data', 'datasets/t.csv');
    assert.ok(third && third.generation !== second.generation);
    for (const [info, text] of [
      [first, 'first\n'],
      [second, 'second\n'],
      [third, 'by hand\n'],
    ] as const) {
      const path = await store.pathOfGeneration('data', 'datasets/t.csv', info.generation);
      assert.ok(path, `generation ${info.generation}`);
      assert.equal(await readFile(path, 'utf8'), text);
    }
    assert.equal(await store.pathOfGeneration('data', 'datasets/t.csv', '12345'), undefined);
  });

  it('a generation written before versioning was turned on is kept when asked for, so a later drop cannot change it', async () => {
    const old = await store.write('data', 'datasets/t.csv', 'OLD\n');
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const path = await store.pathOfGeneration('data', 'datasets/t.csv', old.generation);
    assert.ok(path);
    await store.write('data', 'datasets/t.csv', 'NEW\n');
    assert.equal(await readFile(path, 'utf8'), 'OLD\n');
  });

  it('a read in a versioned bucket returns the bytes of the generation it reports', async () => {
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const info = await store.write('data', 'datasets/t.csv', 'kept\n');
    const got = await store.read('data', 'datasets/t.csv');
    assert.equal(got?.info.generation, info.generation);
    assert.equal(got?.data.toString(), 'kept\n');
  });

  it('refuses to guess when the bucket configuration is not JSON, naming the file', async () => {
    await mkdir(join(root, 'bucket-config'), { recursive: true });
    await writeFile(join(root, 'bucket-config', 'data.json'), '{"versioning":');
    await assert.rejects(store.write('data', 'a.csv', 'x'), /bucket-config\/data\.json is not valid JSON/);
  });

  it('an unversioned bucket has only the live generation: an overwritten one is gone (GCS answers 404)', async () => {
    const first = await store.write('runs', 'r.json', '{}');
    assert.equal(
      await store.pathOfGeneration('runs', 'r.json', first.generation),
      join(root, 'buckets', 'runs', 'r.json'),
    );
    const second = await store.write('runs', 'r.json', '{"a":1}');
    assert.equal(await store.pathOfGeneration('runs', 'r.json', first.generation), undefined);
    assert.ok(await store.pathOfGeneration('runs', 'r.json', second.generation));
    assert.deepEqual(await readdir(root).then((names) => names.includes('versions')), false);
  });

  const drain = async (stream: NodeJS.ReadableStream): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  };

  it('readStream streams exactly the generation named; an overwritten one is gone unless the bucket is versioned', async () => {
    const first = await store.write('runs', 'r.json', '{"v":1}');
    assert.equal(await drain(store.readStream('runs', 'r.json', first.generation)), '{"v":1}');
    await store.write('runs', 'r.json', '{"v":2}');
    await assert.rejects(drain(store.readStream('runs', 'r.json', first.generation)), ObjectGoneError);
    await setBucketConfig(layout, 'data', { versioning: { enabled: true } });
    const kept = await store.write('data', 'datasets/t.csv', 'first\n');
    await store.write('data', 'datasets/t.csv', 'second\n');
    assert.equal(await drain(store.readStream('data', 'datasets/t.csv', kept.generation)), 'first\n');
  });

  it('lists objects under a prefix, including a prefix that ends mid-name, and no temp files', async () => {
    await store.write('bkt', 'runs/2024-1.json', '1');
    await store.write('bkt', 'runs/2024-2.json', '2');
    await store.write('bkt', 'runs/2025-1.json', '3');
    await store.write('bkt', 'other/x', '4');
    assert.deepEqual(
      (await store.list('bkt', 'runs/2024-')).map((o) => o.name),
      ['runs/2024-1.json', 'runs/2024-2.json'],
    );
    assert.equal((await store.list('bkt', '')).length, 4);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  });

  it('refuses a read larger than maxBytes', async () => {
    await store.write('bkt', 'big', Buffer.alloc(100));
    await assert.rejects(store.read('bkt', 'big', { maxBytes: 99 }), ObjectTooLargeError);
    assert.equal((await store.read('bkt', 'big', { maxBytes: 100 }))?.data.length, 100);
  });

  for (const name of [
    '../escape',
    'a/../../x',
    '/etc/passwd',
    'a//b',
    'a/./b',
    'bad\u0000name',
    'tab\there',
    'a\\b',
    '',
  ]) {
    it(`rejects the object name ${JSON.stringify(name)} without touching the disk`, async () => {
      await assert.rejects(store.write('bkt', name, 'x'), InvalidObjectNameError);
      await assert.rejects(store.read('bkt', name), InvalidObjectNameError);
      assert.deepEqual(await readdir(root).catch(() => []), []);
    });
  }

  it('rejects bucket names that are paths', async () => {
    for (const bucket of ['..', 'a/b', 'UPPER', '']) {
      await assert.rejects(store.write(bucket, 'x', 'x'), InvalidObjectNameError);
    }
  });
});
