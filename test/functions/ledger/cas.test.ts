import assert from 'node:assert/strict';
import { WRITE_TOKEN_FIELD, casUpdate, readCasJson } from '../../../functions/src/ledger/cas';
import { PreconditionFailedError } from '../../../functions/src/ports';
import { MemoryObjectStore } from '../../support/memory-store';

type Counter = { n: number };
const increment = (current: Counter | undefined) => ({ value: { n: (current?.n ?? 0) + 1 }, changed: true });
const read = async (s: MemoryObjectStore) =>
  JSON.parse((await s.read('b', 'c.json'))!.data.toString('utf8')) as Counter;

describe('ledger/cas', () => {
  it('a write that landed but answered 412 (the client retried it) counts as ours: applied once, changed', async () => {
    const s = new MemoryObjectStore();
    await casUpdate<Counter>(s, 'b', 'c.json', increment);
    const write = s.write.bind(s);
    let lostResponses = 1;
    s.write = async (...args) => {
      const info = await write(...args);
      if (lostResponses-- > 0) throw new PreconditionFailedError('412 on the retry of a write that landed');
      return info;
    };
    const result = await casUpdate<Counter>(s, 'b', 'c.json', increment);
    assert.equal(result.changed, true);
    assert.equal(result.value.n, 2);
    assert.equal((await read(s)).n, 2, 'not incremented twice');
  });

  it('a race really lost to another writer re-reads and re-applies on top of it', async () => {
    const s = new MemoryObjectStore();
    await casUpdate<Counter>(s, 'b', 'c.json', increment);
    let interfere = true;
    const result = await casUpdate<Counter>(s, 'b', 'c.json', (current) => {
      if (interfere) {
        interfere = false;
        void s.write('b', 'c.json', JSON.stringify({ n: 10 }));
      }
      return increment(current);
    });
    assert.equal(result.changed, true);
    assert.equal((await read(s)).n, 11);
  });

  it('stamps every write with a token that neither change nor readCasJson ever sees', async () => {
    const s = new MemoryObjectStore();
    const seen: unknown[] = [];
    for (let i = 0; i < 2; i++)
      await casUpdate<Counter>(s, 'b', 'c.json', (current) => {
        seen.push(current);
        return increment(current);
      });
    assert.deepEqual(seen, [undefined, { n: 1 }]);
    const stored = await read(s);
    assert.equal(typeof (stored as Record<string, unknown>)[WRITE_TOKEN_FIELD], 'string');
    assert.deepEqual(await readCasJson<Counter>(s, 'b', 'c.json'), { n: 2 });
    assert.equal(await readCasJson<Counter>(s, 'b', 'absent.json'), undefined);
  });
});
