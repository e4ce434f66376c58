// Graceful shutdown: on SIGTERM (Vertex scaling down or redeploying) or SIGINT, stop accepting connections,
// let in-flight predictions finish, then exit; a hung close is cut short so the platform is not kept waiting.

/** What shutdown needs from `process`, injectable for tests. */
export interface ProcessLike {
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exit(code: number): void;
}

export interface ShutdownOptions {
  close: () => Promise<void>;
  log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  process: ProcessLike;
  /** Longest wait for in-flight requests before exiting anyway. */
  timeoutMs?: number;
}

/** Installs SIGTERM/SIGINT handlers that close the server and exit 0 (1 if closing failed or timed out). */
export function exitGracefullyOnSignals({ close, log, process, timeoutMs = 10_000 }: ShutdownOptions): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting with requests still open');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.error({ err }, 'error while closing the server');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
