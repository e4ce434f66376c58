// Logging for Cloud Logging: one JSON line per entry with `severity` and `message`, the run id on every line of a run
// (child loggers), and the trace of the incoming event so a run's lines group under its request in the console.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** pino level → Cloud Logging LogSeverity. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** The root logger. `destination` defaults to stdout (which Cloud Run functions ship to Cloud Logging). */
export function createLogger(opts: { logLevel: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.logLevel,
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
    },
    destination,
  );
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The Cloud Logging trace fields for a W3C `traceparent` (the framework copies the header onto the CloudEvent).
 * Empty when there is no usable traceparent or no project to name the trace in.
 */
export function traceFields(traceparent: unknown, projectId: string | undefined): Record<string, string | boolean> {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (!m || !projectId || /^0+$/.test(m[1] as string)) return {};
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${m[1]}`,
    'logging.googleapis.com/spanId': m[2] as string,
    'logging.googleapis.com/trace_sampled': (Number.parseInt(m[3] as string, 16) & 1) === 1,
  };
}

/**
 * The logger of one run's work: every line carries `runId` at the top level (the log-based metrics in
 * terraform/monitoring.tf filter on jsonPayload.runId). Binding is idempotent — pino writes a key once per binding,
 * so binding the same run twice would put `runId` twice on every line. pino cannot unbind, so a logger bound to
 * another run would also write two; the engine binds at a run's entry points only and never nests runs.
 */
export function withRunId(log: Logger, runId: string): Logger {
  return log.bindings().runId === runId ? log : log.child({ runId });
}
