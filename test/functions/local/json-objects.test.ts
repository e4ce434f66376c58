import assert from 'node:assert/strict';
import { readJson, updateJson } from '../../../functions/src/local/json-objects';
import { PreconditionFailedError } from '../../../functions/src/ports';
import { MemoryObjectStore } from '../../support/memory-store';

type Doc = { items: string[] };
const add = (item: string) => (current: Doc | undefined) => ({ items: [...(current?.items ?? []), item] });

describe('local/json-objects', () => {
  it('concurrent updates of one document all land (the ledger’s CAS loop re-applies a lost race)', async () => {
    const s = new MemoryObjectStore();
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => updateJson<Doc>(s, 'b', 'd.json', add(x))));
    assert.deepEqual((await readJson<Doc>(s, 'b', 'd.json'))?.items.sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('a write that landed but answered 412 is not applied twice', async () => {
    const s = new MemoryObjectStore();
    await updateJson<Doc>(s, 'b', 'd.json', add('a'));
    const write = s.write.bind(s);
    let lost = 1;
    s.write = async (...args) => {
      const info = await write(...args);
      if (lost-- > 0) throw new PreconditionFailedError('412 on the retry of a write that landed');
      return info;
    };
    assert.deepEqual(await updateJson<Doc>(s, 'b', 'd.json', add('b')), { items: ['a', 'b'] });
    assert.deepEqual(await readJson<Doc>(s, 'b', 'd.json'), { items: ['a', 'b'] });
  });

  it('a change answering undefined writes nothing and returns the stored value', async () => {
    const s = new MemoryObjectStore();
    await updateJson<Doc>(s, 'b', 'd.json', add('a'));
    const before = (await s.stat('b', 'd.json'))?.generation;
    assert.deepEqual(await updateJson<Doc>(s, 'b', 'd.json', () => undefined), { items: ['a'] });
    assert.equal((await s.stat('b', 'd.json'))?.generation, before);
    assert.equal(await updateJson<Doc>(s, 'b', 'none.json', () => undefined), undefined);
  });
});
