// JSON documents in the object store, updated by compare-and-swap: how the twins keep their state (builds,
// training jobs, models, the endpoint) in the local bucket, safe against any other process writing the same one.
import { PreconditionFailedError } from '../ports';
import type { ObjectStore } from '../ports';

export async function readJson<T>(store: ObjectStore, bucket: string, name: string): Promise<T | undefined> {
  const got = await store.read(bucket, name);
  return got && (JSON.parse(got.data.toString('utf8')) as T);
}

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
  for (let attempt = 0; ; attempt++) {
    const got = await store.read(bucket, name);
    const current = got && (JSON.parse(got.data.toString('utf8')) as T);
    const next = change(current);
    if (next === undefined) return current;
    try {
      await store.write(bucket, name, JSON.stringify(next, null, 2), {
        ifGenerationMatch: got?.info.generation ?? '0',
        contentType: 'application/json',
      });
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError) || attempt > 50) throw err;
    }
  }
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
