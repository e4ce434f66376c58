// The prediction server's settings, from the Vertex AI serving contract's environment (AIP_*) and the command line.
import { parseArgs } from 'node:util';

export interface ServeConfig {
  port: number;
  /** 0.0.0.0 on Vertex (the contract); 127.0.0.1 in local mode. */
  host: string;
  healthRoute: string;
  predictRoute: string;
  /** Directory (gs:// or local) holding the model artifact. */
  storageUri: string;
}

/** A setting that makes serving impossible; the CLI prints it and exits 2. */
export class ServeConfigError extends Error {
  override name = 'ServeConfigError';
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HEALTH_ROUTE = '/health';
export const DEFAULT_PREDICT_ROUTE = '/predict';
export const DEFAULT_HOST = '0.0.0.0';

/**
 * Reads `AIP_HTTP_PORT`, `AIP_HEALTH_ROUTE`, `AIP_PREDICT_ROUTE`, `AIP_STORAGE_URI` (set by Vertex) and the bind address
 * (`--host <addr>`, else `SERVE_HOST`, else 0.0.0.0). Empty variables count as unset. Throws ServeConfigError.
 */
export function readServeConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): ServeConfig {
  let flags: { host?: string };
  try {
    flags = parseArgs({ args: [...argv], options: { host: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    throw new ServeConfigError(`${(err as Error).message}; usage: serve [--host <address>]`);
  }
  const storageUri = setting(env, 'AIP_STORAGE_URI');
  if (storageUri === undefined) {
    throw new ServeConfigError(
      'AIP_STORAGE_URI is not set: it names the directory holding model.json (Vertex sets it from the model artifactUri)',
    );
  }
  return {
    port: port(setting(env, 'AIP_HTTP_PORT')),
    host: flags.host || setting(env, 'SERVE_HOST') || DEFAULT_HOST,
    healthRoute: route('AIP_HEALTH_ROUTE', setting(env, 'AIP_HEALTH_ROUTE') ?? DEFAULT_HEALTH_ROUTE),
    predictRoute: route('AIP_PREDICT_ROUTE', setting(env, 'AIP_PREDICT_ROUTE') ?? DEFAULT_PREDICT_ROUTE),
    storageUri,
  };
}

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new ServeConfigError(`AIP_HTTP_PORT must be a port number from 1 to 65535, got "${value}"`);
  }
  return n;
}

function route(name: string, value: string): string {
  // '*' would be a wildcard to the router, '?' and '#' never reach a path: all are refused rather than misread.
  if (!/^\/[^\s?#*]*$/.test(value)) {
    throw new ServeConfigError(
      `${name} must be a path starting with "/" without spaces, "?", "#" or "*", got "${value}"`,
    );
  }
  return value;
}
