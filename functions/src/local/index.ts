// The local backend as the functions load it (function-entry.ts registers it with backend.ts). Kept light on purpose:
// a function process loads the object store and the RPC clients only, never the stack, esbuild or the twins.
import type { Ports } from '../ports';
import { createLocalPorts as portsFromEnv } from './local-ports';

/**
 * The ports of a function process run by the local stack. The configuration's names are the ones the stack was
 * started with; where the stack is comes from RETRAIN_LOCAL_DIR and RETRAIN_LOCAL_CONTROL_URL.
 */
export function createLocalPorts(_config?: unknown, env: Record<string, string | undefined> = process.env): Ports {
  return portsFromEnv(env);
}
