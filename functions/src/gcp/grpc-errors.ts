// google.rpc.Code values the adapters branch on. Errors are otherwise rethrown as the client raised them, with
// their numeric `code`, so handlers can tell transient failures (UNAVAILABLE, DEADLINE_EXCEEDED…) from permanent ones.
export const NOT_FOUND = 5;

export const grpcCode = (err: unknown): number | undefined =>
  typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : undefined;

export const isNotFound = (err: unknown): boolean => grpcCode(err) === NOT_FOUND;
