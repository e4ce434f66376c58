// The ports of a function process in local mode: the object store directly on the stack's folder (its lock files
// make compare-and-swap safe across processes), and every other service through the stack's control server, where
// the twins run (see rpc.ts). The stack passes both locations in the environment of the function servers.
import type { BuildService, EndpointService, ModelRegistry, Ports, Publisher, TrainingService } from '../ports';
import { localLayout } from './layout';
import { LocalObjectStore } from './object-store';
import { rpcClient } from './rpc';
import { LOCAL_CONTROL_URL_ENV, LOCAL_DIR_ENV } from './settings';

/** Builds the local ports from `RETRAIN_LOCAL_DIR` and `RETRAIN_LOCAL_CONTROL_URL`. */
export function createLocalPorts(env: Record<string, string | undefined> = process.env): Ports {
  const dir = env[LOCAL_DIR_ENV];
  const url = env[LOCAL_CONTROL_URL_ENV];
  if (!dir || !url) {
    throw new Error(
      `local mode needs ${LOCAL_DIR_ENV} and ${LOCAL_CONTROL_URL_ENV}: run the functions through the local stack (vertex-retrain up)`,
    );
  }
  return {
    store: new LocalObjectStore(localLayout(dir)),
    builds: rpcClient<BuildService>(url, 'builds'),
    training: rpcClient<TrainingService>(url, 'training'),
    endpoint: rpcClient<EndpointService>(url, 'endpoint'),
    registry: rpcClient<ModelRegistry>(url, 'registry'),
    publisher: rpcClient<Publisher>(url, 'publisher'),
    now: () => new Date(),
  };
}
