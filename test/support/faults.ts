// A seeded fault layer over every port: each async port method may fail, as the real services fail, so the
// reliability suite can prove the handlers neither lose nor repeat work. Three kinds of fault:
//  - transient BEFORE the call: the service never saw the request (gRPC 14 UNAVAILABLE, HTTP 429/503);
//  - transient AFTER the call: the effect HAPPENED but the caller sees an error (gRPC 4 DEADLINE_EXCEEDED, HTTP 503),
//    the nastiest case for exactly-once, since a retry must find the effect instead of repeating it;
//  - permanent, before the call (gRPC 3 INVALID_ARGUMENT / 7 PERMISSION_DENIED, HTTP 400/403).
// Errors the real port throws (PreconditionFailedError: a lost compare-and-swap, not a fault; ObjectTooLargeError…)
// pass through untouched. The error shapes follow what classifyError (pipeline/errors.ts) reads: a numeric `code`,
// gRPC 0-16 or an HTTP status, as @grpc/grpc-js and the Cloud Storage client put it.
import { Readable } from 'node:stream';
// The layer wraps every method of ports.ts PORT_METHODS; a stream method (STREAM_METHODS) faults by erroring before
// its first byte or after its last.
import { PORT_METHODS, STREAM_METHODS, type PortName, type Ports } from '../../functions/src/ports';
import { Prng } from './prng';

export type FaultKind = 'transient-before' | 'transient-after' | 'permanent';

/** An error the layer made up. `code` is a gRPC status (0-16) or, for the object store, an HTTP status. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
  /** Set only for gRPC-shaped faults, as @grpc/grpc-js does. */
  readonly details?: string;
  constructor(
    readonly code: number,
    readonly kind: FaultKind,
    /** `port.method`, e.g. `store.write`. */
    readonly method: string,
    grpc: boolean,
  ) {
    const what = grpc ? `${code} ${GRPC_NAMES[code] ?? 'UNKNOWN'}` : `HTTP ${code}`;
    super(`${what}: injected ${kind} fault in ${method}`);
    if (grpc) this.details = `injected ${kind} fault`;
  }
}

const GRPC_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  7: 'PERMISSION_DENIED',
  14: 'UNAVAILABLE',
};
const CODES: Record<'grpc' | 'http', Record<FaultKind, readonly number[]>> = {
  grpc: { 'transient-before': [14, 4], 'transient-after': [4, 14], permanent: [3, 7] },
  http: { 'transient-before': [503, 429], 'transient-after': [503], permanent: [400, 403] },
};

export interface FaultOptions {
  seed: number;
  /** Probability that a call fails with a transient fault (before or after the real call). */
  transientRate: number;
  /** Probability that a call fails with a permanent fault (before the real call). */
  permanentRate: number;
  /** Share of transient faults thrown AFTER the real call took effect. Default 0.5. */
  afterShare?: number;
  /** Only these methods fail: `port.method` or a whole `port` (e.g. `['store.write', 'builds']`). Default: all. */
  methods?: readonly string[];
}

export interface MethodStats {
  calls: number;
  /** Calls that returned normally. */
  ok: number;
  /** Errors thrown by the real port and passed through unchanged (e.g. PreconditionFailedError). */
  realErrors: number;
  faults: Record<FaultKind, number>;
}

/** One injected fault, in call order: replaying the same seed over the same calls gives the same list. */
export interface FaultEvent {
  call: number;
  method: string;
  kind: FaultKind;
  code: number;
}

export interface FaultStats {
  readonly byMethod: Record<string, MethodStats>;
  readonly events: FaultEvent[];
  /** Sums over every method. */
  totals(): MethodStats;
}

export interface FaultyPorts {
  ports: Ports;
  stats: FaultStats;
  /** Turns injection off (e.g. while a test seeds data) or back on; calls are counted either way. */
  setEnabled(enabled: boolean): void;
}

function emptyStats(): MethodStats {
  return { calls: 0, ok: 0, realErrors: 0, faults: { 'transient-before': 0, 'transient-after': 0, permanent: 0 } };
}

/** Wraps every async method of every port with seeded faults; the original ports are not modified. */
export function withFaults(ports: Ports, options: FaultOptions): FaultyPorts {
  const { transientRate, permanentRate, afterShare = 0.5 } = options;
  if (!(transientRate >= 0 && permanentRate >= 0 && transientRate + permanentRate <= 1))
    throw new RangeError('transientRate and permanentRate must be >= 0 and sum to at most 1');
  const prng = new Prng(options.seed);
  const selected = options.methods ? new Set(options.methods) : undefined;
  const byMethod: Record<string, MethodStats> = {};
  const events: FaultEvent[] = [];
  let enabled = true;
  let callCount = 0;

  const decide = (method: string): { kind: FaultKind; code: number } | undefined => {
    // Three draws per call whatever the outcome, so one decision never shifts the ones after it.
    const [r, side, pick] = [prng.float(), prng.float(), prng.float()];
    if (!enabled) return undefined;
    let kind: FaultKind;
    if (r < permanentRate) kind = 'permanent';
    else if (r < permanentRate + transientRate) kind = side < afterShare ? 'transient-after' : 'transient-before';
    else return undefined;
    const codes = CODES[method.startsWith('store.') ? 'http' : 'grpc'][kind];
    return { kind, code: codes[Math.floor(pick * codes.length)] as number };
  };

  /** Counts one call of a wrapped method and draws its fault; `fail` records and throws it. */
  const startCall = (port: PortName, method: string, stats: ReturnType<typeof emptyStats>, faulty: boolean) => {
    stats.calls++;
    const call = ++callCount;
    const fault = faulty ? decide(method) : undefined;
    const fail = (f: { kind: FaultKind; code: number }): never => {
      stats.faults[f.kind]++;
      events.push({ call, method, ...f });
      throw new InjectedFault(f.code, f.kind, method, port !== 'store');
    };
    return { fault, fail };
  };

  const wrap = (port: PortName, name: string, target: object): ((...args: unknown[]) => Promise<unknown>) => {
    const method = `${port}.${name}`;
    const stats = (byMethod[method] = emptyStats());
    const real = (target as Record<string, (...args: unknown[]) => Promise<unknown>>)[name] as (
      ...args: unknown[]
    ) => Promise<unknown>;
    const faulty = !selected || selected.has(method) || selected.has(port);
    return async (...args: unknown[]) => {
      const { fault, fail } = startCall(port, method, stats, faulty);
      if (fault && fault.kind !== 'transient-after') fail(fault);
      let result: unknown;
      try {
        result = await real.apply(target, args);
      } catch (err) {
        stats.realErrors++;
        throw err; // the real outcome wins: a CAS loss or a missing object is not replaced by a made-up fault
      }
      if (fault) fail(fault);
      stats.ok++;
      return result;
    };
  };

  const wrapStream = (port: PortName, name: string, target: object): ((...args: unknown[]) => Readable) => {
    const method = `${port}.${name}`;
    const stats = (byMethod[method] = emptyStats());
    const real = (target as Record<string, (...args: unknown[]) => Readable>)[name] as (...args: unknown[]) => Readable;
    const faulty = !selected || selected.has(method) || selected.has(port);
    return (...args: unknown[]) => {
      const { fault, fail } = startCall(port, method, stats, faulty);
      return Readable.from(
        (async function* () {
          if (fault && fault.kind !== 'transient-after') fail(fault);
          try {
            yield* real.apply(target, args);
          } catch (err) {
            stats.realErrors++;
            throw err;
          }
          if (fault) fail(fault);
          stats.ok++;
        })(),
        { objectMode: false },
      );
    };
  };

  const wrapped = { now: () => ports.now() } as Ports;
  for (const port of Object.keys(PORT_METHODS) as PortName[]) {
    const target = ports[port] as object;
    const streams: readonly string[] = (STREAM_METHODS as Partial<Record<PortName, readonly string[]>>)[port] ?? [];
    const methods = new Map<string, (...args: unknown[]) => unknown>([
      ...PORT_METHODS[port].map((name) => [name as string, wrap(port, name, target)] as const),
      ...streams.map((name) => [name, wrapStream(port, name, target)] as const),
    ]);
    // A proxy rather than a copy: other members (a fake's test controls) still reach the original object.
    (wrapped as unknown as Record<string, object>)[port] = new Proxy(target, {
      get: (obj, prop, receiver) =>
        typeof prop === 'string' && methods.has(prop) ? methods.get(prop) : Reflect.get(obj, prop, receiver),
    });
  }

  return {
    ports: wrapped,
    setEnabled: (on) => void (enabled = on),
    stats: {
      byMethod,
      events,
      totals: () => {
        const sum = emptyStats();
        for (const s of Object.values(byMethod)) {
          sum.calls += s.calls;
          sum.ok += s.ok;
          sum.realErrors += s.realErrors;
          for (const k of Object.keys(sum.faults) as FaultKind[]) sum.faults[k] += s.faults[k];
        }
        return sum;
      },
    },
  };
}
