// The ports of a function process in local mode: the object store directly on the stack's folder (its lock files
// make compare-and-swap safe across processes), run events appended to the folder's run-events file, and every other
// service through the stack's control server, where the twins run (see rpc.ts). The stack passes both locations, and its RPC token, in the environment of the function
// servers; a command run from another process (promote, rollback) reads the token from the stack's folder instead.
import { readFileSync } from 'node:fs';
import type {
  BatchPredictionService,
  BuildService,
  EndpointService,
  ModelRegistry,
  Ports,
  Publisher,
  TrainingService,
} from '../ports';
import { localLayout } from './layout';
import { LocalObjectStore } from './object-store';
import { LOCAL_CONTROL_TOKEN_ENV, rpcClient } from './rpc';
import { LocalRunEvents } from './run-events';
import { LOCAL_CONTROL_URL_ENV, LOCAL_DIR_ENV } from './settings';

/**
 * Builds the local ports from `RETRAIN_LOCAL_DIR` and `RETRAIN_LOCAL_CONTROL_URL`, with the RPC token from
 * `RETRAIN_LOCAL_CONTROL_TOKEN` or else the running stack's `<dir>/control-token`.
 */
export function createLocalPorts(env: Record<string, string | undefined> = process.env): Ports {
  const dir = env[LOCAL_DIR_ENV];
  const url = env[LOCAL_CONTROL_URL_ENV];
  if (!dir || !url) {
    throw new Error(
      `local mode needs ${LOCAL_DIR_ENV} and ${LOCAL_CONTROL_URL_ENV}: run the functions through the local stack (vertex-retrain up)`,
    );
  }
  const layout = localLayout(dir);
  const token = env[LOCAL_CONTROL_TOKEN_ENV] || readToken(layout.controlToken);
  return {
    store: new LocalObjectStore(layout),
    builds: rpcClient<BuildService>(url, 'builds', token),
    training: rpcClient<TrainingService>(url, 'training', token),
    endpoint: rpcClient<EndpointService>(url, 'endpoint', token),
    registry: rpcClient<ModelRegistry>(url, 'registry', token),
    publisher: rpcClient<Publisher>(url, 'publisher', token),
    runEvents: new LocalRunEvents(layout),
    batch: rpcClient<BatchPredictionService>(url, 'batch', token),
    now: () => new Date(),
  };
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(
      `local mode needs ${LOCAL_CONTROL_TOKEN_ENV} or the running stack's ${file} (${(err as Error).message}): is the stack running?`,
    );
  }
}
