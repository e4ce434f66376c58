// Compare-and-swap over the object store: read → pure change → write with ifGenerationMatch: <generation read>.
// A lost race (PreconditionFailedError) re-reads and re-applies; after `maxAttempts` losses the update gives up with
// CasExhaustedError, which is transient (the event is redelivered later). The one CAS loop: the ledger's documents
// and the local twins' state (local/json-objects.ts) both go through it.
import { randomUUID } from 'node:crypto';
import { PreconditionFailedError, type ObjectStore } from '../ports';
import { CasExhaustedError } from '../pipeline/errors';
import { gsUri } from '../pipeline/gs-uri';

export const DEFAULT_CAS_ATTEMPTS = 8;

/**
 * Each write stamps the object with a fresh token. The Storage client retries a conditional write whose response was
 * lost; if the first attempt had landed, the retry answers 412 although the write is ours. Finding our own token on
 * the next read tells the two apart, so the caller is not told it lost a race it won.
 */
export const WRITE_TOKEN_FIELD = '_writeToken';

/** What a change returns: the next value and whether it differs (no write when it does not). */
export interface Change<T> {
  value: T;
  changed: boolean;
}

type Stamped = Record<string, unknown> & { [WRITE_TOKEN_FIELD]?: string };

/** A document written by casUpdate, as its writer meant it: without the write token. */
function withoutToken<T>(stamped: Stamped): T {
  const { [WRITE_TOKEN_FIELD]: _token, ...value } = stamped;
  return value as T;
}

/** Reads a JSON document written by casUpdate (undefined if it does not exist), without its write token. */
export async function readCasJson<T>(store: ObjectStore, bucket: string, name: string): Promise<T | undefined> {
  const found = await store.read(bucket, name);
  return found && withoutToken<T>(JSON.parse(found.data.toString('utf8')) as Stamped);
}

/**
 * Updates one JSON object by compare-and-swap. `change` receives the current value (undefined if the object does not
 * exist, then the write is create-only; never the write token) and must be pure: it can run several times.
 */
export async function casUpdate<T>(
  store: ObjectStore,
  bucket: string,
  name: string,
  change: (current: T | undefined) => Change<T>,
  maxAttempts = DEFAULT_CAS_ATTEMPTS,
): Promise<Change<T>> {
  let pending: { token: string; next: Change<T> } | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const found = await store.read(bucket, name);
    const stamped = found ? (JSON.parse(found.data.toString('utf8')) as Stamped) : undefined;
    if (pending && stamped?.[WRITE_TOKEN_FIELD] === pending.token) {
      return pending.next; // the 412 was our own write, retried after it landed
    }
    const next = change(stamped && withoutToken<T>(stamped));
    if (!next.changed) return next;
    const token = randomUUID();
    try {
      await store.write(bucket, name, `${JSON.stringify({ ...next.value, [WRITE_TOKEN_FIELD]: token }, null, 2)}\n`, {
        ifGenerationMatch: found ? found.info.generation : '0',
        contentType: 'application/json',
      });
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      pending = { token, next };
    }
  }
  throw new CasExhaustedError(`${gsUri(bucket, name)}: lost the compare-and-swap race ${maxAttempts} times`);
}
