// One JSON line per event, with Cloud Logging's `severity` and `message` keys (Vertex AI forwards the container's
// stdout to Cloud Logging). Hand-written rather than pino: the server logs a handful of lines in its life, and
// loading pino cost ~11 MB of RSS and 50-90 ms of start-up on the 2-core target (bench/README.md).
import type { ServerLogger } from './prediction-server';

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

export interface JsonLogger extends ServerLogger {
  warn(obj: object, msg?: string): void;
}

/** Errors as {type, message, stack}: JSON.stringify alone would drop all three. */
function fields(obj: object): object {
  const out: Record<string, unknown> = { ...obj };
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Error) out[key] = { type: value.name, message: value.message, stack: value.stack };
  }
  return out;
}

/** Writes events at `minimum` severity and above (LOG_LEVEL: debug, info, warn(ing), error) with `write`. */
export function jsonLogger(level = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): JsonLogger {
  const named = level.toUpperCase() === 'WARN' ? 'WARNING' : (level.toUpperCase() as Severity);
  const minimum = RANK[named] ?? RANK.INFO;
  const log = (severity: Severity) => (obj: object, message?: string) => {
    if (RANK[severity] < minimum) return;
    write(`${JSON.stringify({ severity, time: new Date().toISOString(), message, ...fields(obj) })}\n`);
  };
  return { info: log('INFO'), warn: log('WARNING'), error: log('ERROR') };
}
