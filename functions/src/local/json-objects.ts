// JSON documents in the object store, updated by compare-and-swap: how the twins keep their state (builds,
// training jobs, models, the endpoint) in the local bucket, safe against any other process writing the same one.
// The CAS loop itself is the ledger's (ledger/cas.ts); this is the twins' way of calling it.
import type { ObjectStore } from '../ports';
import { casUpdate, readCasJson } from '../ledger/cas';

/**
 * The twins' documents see more contention than the ledger's (every request of a burst of runs changes the one
 * endpoint document, every operation its own), and a twin has no redelivery to fall back on: more attempts.
 */
const TWIN_CAS_ATTEMPTS = 64;

/** A twin's document (undefined if absent). */
export const readJson = readCasJson;

/**
 * Read-modify-write with CAS, retried on a lost race. `change` gets the current value (undefined if absent) and
 * returns the new one, or undefined to leave the object as it is. Returns the value stored afterwards.
 */
export async function updateJson<T>(
  store: ObjectStore,
  bucket: string,
  name: string,
  change: (current: T | undefined) => T | undefined,
): Promise<T | undefined> {
  const { value } = await casUpdate<T | undefined>(
    store,
    bucket,
    name,
    (current) => {
      const next = change(current);
      return next === undefined ? { value: current, changed: false } : { value: next, changed: true };
    },
    TWIN_CAS_ATTEMPTS,
  );
  return value;
}

/** Every JSON document under a prefix. */
export async function listJson<T>(store: ObjectStore, bucket: string, prefix: string): Promise<T[]> {
  const out: T[] = [];
  for (const info of await store.list(bucket, prefix)) {
    const value = await readJson<T>(store, bucket, info.name).catch(() => undefined);
    if (value !== undefined) out.push(value);
  }
  return out;
}
