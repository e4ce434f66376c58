// Error classification: the retry policy as an API. Transient faults are thrown out of the handler (→ 500 → the event
// is redelivered with backoff); everything else is permanent: recorded on the run and acknowledged, because retrying
// a bad request for 24 hours helps nobody.
import { PreconditionFailedError } from '../ports';

/** gRPC codes worth retrying: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL. */
export const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([14, 4, 8, 10, 13]);
const TRANSIENT_GRPC_NAMES: ReadonlySet<string> = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
]);
/** Socket-level failures: the request may never have reached the service. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Something not finished or not reachable yet: always worth a redelivery (e.g. a training still running). */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

/** The ledger lost the compare-and-swap race too many times in a row: contention, so retry later. */
export class CasExhaustedError extends RetryableError {
  override name = 'CasExhaustedError';
}

export type ErrorClass = 'transient' | 'permanent';

function transientStatus(status: unknown): boolean {
  return typeof status === 'number' && (status === 429 || (status >= 500 && status <= 599));
}

/** Whether an error from a port (or our own code) should be retried. */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof RetryableError || err instanceof PreconditionFailedError) return 'transient';
  if (typeof err !== 'object' || err === null) return 'permanent';
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  if (typeof e.code === 'number') {
    // gRPC status codes are 0–16; anything from 100 up is an HTTP status (googleapis errors put it in `code`).
    if (e.code < 100 ? TRANSIENT_GRPC_CODES.has(e.code) : transientStatus(e.code)) return 'transient';
  }
  if (typeof e.code === 'string' && (TRANSIENT_NETWORK_CODES.has(e.code) || TRANSIENT_GRPC_NAMES.has(e.code)))
    return 'transient';
  if (transientStatus(e.status) || transientStatus(e.statusCode) || transientStatus(e.response?.status))
    return 'transient';
  return 'permanent';
}

/** A short reason for the run record and logs: the error's name and gRPC/HTTP code when present. */
export function errorReason(err: unknown): string {
  if (!(err instanceof Error)) return 'Error';
  const code = (err as { code?: unknown }).code;
  return code === undefined ? err.name : `${err.name}(${String(code)})`;
}

/** The error's message, whatever was thrown. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
