// Compare-and-swap over the object store: read → pure change → write with ifGenerationMatch: <generation read>.
// A lost race (PreconditionFailedError) re-reads and re-applies; after `maxAttempts` losses the update gives up with
// CasExhaustedError, which is transient (the event is redelivered later).
import { PreconditionFailedError, type ObjectStore } from '../ports';
import { CasExhaustedError } from '../pipeline/errors';

export const DEFAULT_CAS_ATTEMPTS = 8;

/** What a change returns: the next value and whether it differs (no write when it does not). */
export interface Change<T> {
  value: T;
  changed: boolean;
}

/**
 * Updates one JSON object by compare-and-swap. `change` receives the current value (undefined if the object does not
 * exist, then the write is create-only) and must be pure: it can run several times.
 */
export async function casUpdate<T>(
  store: ObjectStore,
  bucket: string,
  name: string,
  change: (current: T | undefined) => Change<T>,
  maxAttempts = DEFAULT_CAS_ATTEMPTS,
): Promise<Change<T>> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const found = await store.read(bucket, name);
    const current = found ? (JSON.parse(found.data.toString('utf8')) as T) : undefined;
    const next = change(current);
    if (!next.changed) return next;
    try {
      await store.write(bucket, name, `${JSON.stringify(next.value, null, 2)}\n`, {
        ifGenerationMatch: found ? found.info.generation : '0',
        contentType: 'application/json',
      });
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new CasExhaustedError(`gs://${bucket}/${name}: lost the compare-and-swap race ${maxAttempts} times`);
}
