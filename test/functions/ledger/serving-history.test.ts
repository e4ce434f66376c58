import assert from 'node:assert/strict';
import { readCasJson } from '../../../functions/src/ledger/cas';
import { SERVING_HISTORY_OBJECT, ServingHistories } from '../../../functions/src/ledger/serving-history';
import type { ServedEntry, TrafficMove } from '../../../functions/src/pipeline/serving-history';
import { MemoryObjectStore } from '../../support/memory-store';

const T0 = '2026-03-01T12:00:00.000Z';
const T1 = '2026-03-01T12:00:01.000Z';
const move = (to: string): TrafficMove => ({ at: T1, to, split: { [to]: 100 }, runIds: { [to]: `run-${to}` } });
const ids = (h: ServedEntry[]) => h.map((e) => e.deployedModelId);

/** A history whose builder from the run records counts its calls (each call is a listing of the ledger). */
function histories(store: MemoryObjectStore, endpointId = 'e1', fromRecords: ServedEntry[] = []) {
  const built = { calls: 0 };
  const h = new ServingHistories(store, 'a', endpointId, () => {
    built.calls++;
    return Promise.resolve(fromRecords);
  });
  return { h, built };
}

describe('ledger/serving-history', () => {
  it('appends traffic moves per endpoint; a repeated move writes nothing', async () => {
    const store = new MemoryObjectStore();
    const { h } = histories(store);
    await h.record(move('1'));
    await h.record(move('2'));
    const before = await store.stat('a', SERVING_HISTORY_OBJECT);
    await h.record(move('2'));
    assert.equal((await store.stat('a', SERVING_HISTORY_OBJECT))?.generation, before?.generation, 'not rewritten');
    assert.deepEqual(ids(await h.read()), ['2', '1']);
    const { h: other } = histories(store, 'e2');
    await other.record(move('9'));
    assert.deepEqual(ids(await other.read()), ['9']);
    assert.deepEqual(ids(await h.read()), ['2', '1'], 'each endpoint its own history');
  });

  it('migration: a ledger without the document has it built once from its run records, then read from it', async () => {
    const store = new MemoryObjectStore();
    const old = [
      { deployedModelId: '2', runId: 'run-2', at: T0 },
      { deployedModelId: '1', runId: 'run-1', at: T0 },
    ];
    const { h, built } = histories(store, 'e1', old);
    assert.deepEqual(ids(await h.read()), ['2', '1']);
    assert.equal(built.calls, 1);
    const stored = await readCasJson<Record<string, ServedEntry[]>>(store, 'a', SERVING_HISTORY_OBJECT);
    assert.deepEqual(stored?.e1, old, 'written');
    await h.record(move('3'));
    assert.deepEqual(ids(await h.read()), ['3', '2', '1']);
    assert.equal(built.calls, 1, 'built once: later reads and appends do not list the ledger');
  });

  it('migration on an append: the built history is kept under the new move', async () => {
    const store = new MemoryObjectStore();
    const { h, built } = histories(store, 'e1', [{ deployedModelId: '1', runId: 'run-1', at: T0 }]);
    await h.record(move('2'));
    assert.equal(built.calls, 1);
    assert.deepEqual(ids(await h.read()), ['2', '1']);
    assert.equal(built.calls, 1);
  });

  it('concurrent appends (compare-and-swap) lose none', async () => {
    const store = new MemoryObjectStore();
    const { h } = histories(store);
    await Promise.all(['1', '2', '3', '4', '5'].map((id) => h.record(move(id))));
    assert.deepEqual(ids(await h.read()).sort(), ['1', '2', '3', '4', '5']);
  });
});
