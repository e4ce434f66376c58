import assert from 'node:assert/strict';
import { Storage } from '@google-cloud/storage';
import { createGcsStore } from '../../../functions/src/gcp/storage';
import { ObjectGoneError, ObjectTooLargeError } from '../../../functions/src/ports';
import { PreconditionFailedError } from '../../../functions/src/ports';
import { FakeGcs } from '../../support/gcp-fake-gcs';

const BUCKET = 'test-project-data';

describe('gcp/storage (real client over HTTP against a fake JSON API)', () => {
  let gcs: FakeGcs;
  let storage: Storage;
  beforeEach(async () => {
    gcs = new FakeGcs();
    // A custom apiEndpoint makes the client skip authentication, as it does for the storage emulator.
    storage = new Storage({
      apiEndpoint: await gcs.start(),
      projectId: 'test-project',
      retryOptions: { maxRetries: 0 },
    });
  });
  afterEach(async () => {
    assert.deepEqual(gcs.violations, [], 'requests outside the documented JSON API');
    await gcs.stop();
  });
  const store = () => createGcsStore({ storage: () => storage });

  it('stat returns the generation as an exact decimal string, and undefined for a missing object', async () => {
    const generation = gcs.put(BUCKET, 'datasets/a.csv', 'x,y\n1,2\n', 'text/csv');
    const info = await store().stat(BUCKET, 'datasets/a.csv');
    assert.equal(info?.generation, generation);
    assert.equal(info?.size, 8);
    assert.equal(info?.contentType, 'text/csv');
    assert.match(info?.md5Hash ?? '', /^[A-Za-z0-9+/]+=*$/);
    assert.equal(await store().stat(BUCKET, 'datasets/missing.csv'), undefined);
  });

  it('read checks the size first and downloads the generation it checked', async () => {
    const generation = gcs.put(BUCKET, 'datasets/a.csv', 'a,b\n');
    const result = await store().read(BUCKET, 'datasets/a.csv', { maxBytes: 100 });
    assert.equal(result?.data.toString(), 'a,b\n');
    assert.equal(result?.info.generation, generation);
    const ops = gcs.requests.map((r) => r.operation);
    assert.deepEqual(ops, ['get', 'media']);
    assert.equal(gcs.requests[1]!.query.generation, generation);
  });

  it('read refuses an object over maxBytes without downloading it', async () => {
    gcs.put(BUCKET, 'datasets/big.csv', Buffer.alloc(1000));
    await assert.rejects(store().read(BUCKET, 'datasets/big.csv', { maxBytes: 999 }), ObjectTooLargeError);
    assert.ok(!gcs.requests.some((r) => r.operation === 'media'));
  });

  it('read returns undefined for a missing object, and re-reads when the object is replaced mid-read', async () => {
    assert.equal(await store().read(BUCKET, 'nope'), undefined);
    gcs.put(BUCKET, 'runs/r1.json', '{"v":1}');
    let replaced = false;
    gcs.beforeMedia = (bucket, name) => {
      if (!replaced) gcs.put(bucket, name, '{"v":2}');
      replaced = true;
    };
    const result = await store().read(BUCKET, 'runs/r1.json');
    assert.equal(result?.data.toString(), '{"v":2}');
  });

  const drain = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  };

  it('readStream downloads exactly the generation named, in one media request', async () => {
    const body = Buffer.from('a,b\n'.repeat(50_000));
    const generation = gcs.put(BUCKET, 'datasets/a.csv', body);
    const data = await drain(store().readStream(BUCKET, 'datasets/a.csv', generation));
    assert.ok(data.equals(body));
    assert.deepEqual(
      gcs.requests.map((r) => [r.operation, r.object, r.query.generation]),
      [['media', 'datasets/a.csv', generation]],
    );
  });

  it('readStream of a generation since overwritten errors with ObjectGoneError, not the newer bytes', async () => {
    const first = gcs.put(BUCKET, 'datasets/a.csv', 'a,b\n1,2\n');
    gcs.put(BUCKET, 'datasets/a.csv', 'a,b\n3,4\n');
    await assert.rejects(drain(store().readStream(BUCKET, 'datasets/a.csv', first)), ObjectGoneError);
  });

  it('write sends ifGenerationMatch as a precondition and returns the new generation', async () => {
    const created = await store().write(BUCKET, 'runs/r1.json', '{"a":1}', {
      ifGenerationMatch: '0',
      contentType: 'application/json',
    });
    const insert = gcs.requests.find((r) => r.operation === 'insert')!;
    assert.equal(insert.query.ifGenerationMatch, '0');
    assert.equal(insert.query.uploadType, 'multipart');
    assert.equal(insert.resource?.contentType, 'application/json');
    assert.equal(created.size, 7);

    const updated = await store().write(BUCKET, 'runs/r1.json', '{"a":2}', { ifGenerationMatch: created.generation });
    assert.equal(BigInt(updated.generation), BigInt(created.generation) + 1n);
  });

  it('maps a lost compare-and-swap (HTTP 412) to PreconditionFailedError and leaves the object alone', async () => {
    gcs.put(BUCKET, 'runs/r1.json', 'theirs');
    await assert.rejects(
      store().write(BUCKET, 'runs/r1.json', 'mine', { ifGenerationMatch: '0' }),
      PreconditionFailedError,
    );
    assert.equal((await store().read(BUCKET, 'runs/r1.json'))?.data.toString(), 'theirs');
  });

  it('write without a precondition overwrites', async () => {
    gcs.put(BUCKET, 'x', 'old');
    await store().write(BUCKET, 'x', Buffer.from('new'));
    assert.equal(gcs.requests.find((r) => r.operation === 'insert')?.query.ifGenerationMatch, undefined);
    assert.equal((await store().read(BUCKET, 'x'))?.data.toString(), 'new');
  });

  it('writeStream uploads the chunks as one object in one multipart request', async () => {
    async function* chunks() {
      for (let i = 0; i < 200; i++) yield `line ${i}\n`;
    }
    const info = await store().writeStream(BUCKET, 'scoring/r1/instances.jsonl', chunks(), {
      contentType: 'application/jsonl',
    });
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
    assert.equal((await store().read(BUCKET, 'scoring/r1/instances.jsonl'))?.data.toString(), expected);
    const inserts = gcs.requests.filter((r) => r.operation === 'insert');
    assert.equal(inserts.length, 1);
    assert.equal(inserts[0]!.query.uploadType, 'multipart');
    assert.equal(inserts[0]!.resource?.contentType, 'application/jsonl');
    assert.equal(info.size, Buffer.byteLength(expected));
    assert.match(info.generation, /^\d+$/);
  });

  it('writeStream of a source that errors creates no object and rejects with the error', async () => {
    async function* broken() {
      yield 'a\n';
      throw new Error('the source broke');
    }
    await assert.rejects(store().writeStream(BUCKET, 'scoring/r1/x.csv', broken()), /the source broke/);
    assert.equal(await store().stat(BUCKET, 'scoring/r1/x.csv'), undefined);
  });

  it('list follows every page under the prefix', async () => {
    for (const n of ['runs/a', 'runs/b', 'runs/c', 'other/d']) gcs.put(BUCKET, n, n);
    const names = (await store().list(BUCKET, 'runs/')).map((o) => o.name);
    assert.deepEqual(names, ['runs/a', 'runs/b', 'runs/c']);
    assert.equal(gcs.requests.filter((r) => r.operation === 'list').length, 2);
    assert.equal(gcs.requests[0]!.query.prefix, 'runs/');
  });
});
