// How the function processes reach the twins that live in the stack's process (builds, training, endpoint,
// registry, Pub/Sub): one JSON call per port method, `POST <control>/rpc/<service>/<method>` with `{args}`.
// Errors keep their name and message, so a handler sees the same error classes as in-process, and the HTTP status (or
// the socket error code when the stack cannot be reached), so the retry policy classifies them as it would a cloud
// API's: a 5xx or a refused connection is transient (redelivered), a 400 is permanent. Every call carries the
// stack's random token (control-server.ts refuses calls without it: any web page can reach 127.0.0.1).

import { PORT_METHODS } from '../ports';

/** The header carrying the stack's control token on every RPC. */
export const CONTROL_TOKEN_HEADER = 'x-retrain-control-token';

/** The environment variable the stack passes its control token to the function processes in. */
export const LOCAL_CONTROL_TOKEN_ENV = 'RETRAIN_LOCAL_CONTROL_TOKEN';

/**
 * The services and methods the control server exposes; nothing else is callable. Every port's methods but the
 * object store's and the run events': a function process writes the local buckets and its run events itself.
 */
const { store: _store, runEvents: _runEvents, ...RPC_METHODS } = PORT_METHODS;
export { RPC_METHODS };

export type RpcService = keyof typeof RPC_METHODS;

/** An error raised by the twin on the other side of an RPC, with its original name and the HTTP status it came with. */
export class RemoteError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = name;
  }
}

/** The control server could not be reached; `code` is the socket error's (ECONNREFUSED…). */
export class StackUnreachableError extends Error {
  override name = 'StackUnreachableError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A client implementing a port by calling the control server with the stack's `token`. */
export function rpcClient<T>(baseUrl: string, service: RpcService, token: string): T {
  const client: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of RPC_METHODS[service]) {
    client[method] = async (...args: unknown[]) => {
      let res: Response;
      try {
        res = await fetch(`${baseUrl}/rpc/${service}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CONTROL_TOKEN_HEADER]: token },
          body: JSON.stringify({ args }),
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? 'ECONNREFUSED';
        throw new StackUnreachableError(
          `local stack unreachable at ${baseUrl} (${service}.${method}): ${(err as Error).message} (${code})`,
          code,
        );
      }
      const body = (await res.json().catch(() => ({}))) as {
        result?: unknown;
        error?: { name: string; message: string };
      };
      if (!res.ok)
        throw new RemoteError(body.error?.name ?? 'Error', body.error?.message ?? `HTTP ${res.status}`, res.status);
      return body.result;
    };
  }
  return client as T;
}
