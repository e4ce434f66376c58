import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ObjectGoneError, ObjectTooLargeError, PreconditionFailedError } from '../../functions/src/ports';
import { MemoryObjectStore } from './memory-store';

describe('test/support/memory-store', () => {
  it('every write makes a new, larger generation and reports size and md5', async () => {
    const s = new MemoryObjectStore();
    const a = await s.write('b', 'x', 'one');
    const b = await s.write('b', 'x', 'two!');
    assert.ok(BigInt(b.generation) > BigInt(a.generation));
    assert.equal(b.size, 4);
    assert.equal(b.md5Hash, createHash('md5').update('two!').digest('base64'));
    assert.equal((await s.read('b', 'x'))?.data.toString(), 'two!');
    assert.equal((await s.stat('b', 'x'))?.generation, b.generation);
  });

  it("ifGenerationMatch '0' creates only if absent", async () => {
    const s = new MemoryObjectStore();
    await s.write('b', 'x', '1', { ifGenerationMatch: '0' });
    await assert.rejects(s.write('b', 'x', '2', { ifGenerationMatch: '0' }), PreconditionFailedError);
    assert.equal(s.text('b', 'x'), '1');
  });

  it('ifGenerationMatch <gen> succeeds only on that generation', async () => {
    const s = new MemoryObjectStore();
    const first = await s.write('b', 'x', '1');
    const second = await s.write('b', 'x', '2', { ifGenerationMatch: first.generation });
    await assert.rejects(s.write('b', 'x', '3', { ifGenerationMatch: first.generation }), PreconditionFailedError);
    await s.write('b', 'x', '4', { ifGenerationMatch: second.generation });
    assert.equal(s.text('b', 'x'), '4');
  });

  it('of concurrent create-only writes exactly one wins', async () => {
    const s = new MemoryObjectStore();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => s.write('b', 'x', String(i), { ifGenerationMatch: '0' })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('bounded reads refuse larger objects; missing objects read as undefined', async () => {
    const s = new MemoryObjectStore();
    await s.write('b', 'x', '12345');
    await assert.rejects(s.read('b', 'x', { maxBytes: 4 }), ObjectTooLargeError);
    assert.equal((await s.read('b', 'x', { maxBytes: 5 }))?.data.length, 5);
    assert.equal(await s.read('b', 'nope'), undefined);
  });

  it('lists by bucket and prefix', async () => {
    const s = new MemoryObjectStore();
    await s.write('b', 'runs/a.json', '');
    await s.write('b', 'runs/b.json', '');
    await s.write('b', 'other', '');
    await s.write('c', 'runs/c.json', '');
    assert.deepEqual(
      (await s.list('b', 'runs/')).map((o) => o.name),
      ['runs/a.json', 'runs/b.json'],
    );
  });

  it('readStream streams the live generation; any other one is gone', async () => {
    const store = new MemoryObjectStore();
    const first = await store.write('b', 'o', 'one');
    const drain = async (stream: NodeJS.ReadableStream): Promise<string> => {
      let text = '';
      for await (const chunk of stream) text += Buffer.from(chunk as Uint8Array).toString();
      return text;
    };
    assert.equal(await drain(store.readStream('b', 'o', first.generation)), 'one');
    await store.write('b', 'o', 'two');
    await assert.rejects(drain(store.readStream('b', 'o', first.generation)), ObjectGoneError);
  });
});
