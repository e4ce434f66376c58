// The ledger's two shared documents next to the run records, both changed only by compare-and-swap:
// the per-endpoint version counter (endpoint_version N for the trainer and the `v<N>` alias) and the pointer to the
// latest accepted dataset (what a git-push build trains on).
import type { ObjectStore } from '../ports';
import type { DatasetLineage } from '../pipeline/run-record';
import type { TrafficPolicy } from '../pipeline/traffic-split';
import { DEFAULT_CAS_ATTEMPTS, casUpdate, readCasJson } from './cas';

export const ENDPOINT_VERSIONS_OBJECT = 'runs/_endpoint-versions.json';
export const LATEST_DATASET_OBJECT = 'runs/_latest-dataset.json';

/** Last allocated version per endpoint id. */
type EndpointVersions = Record<string, number>;

/** The newest dataset that passed validation, and the run that accepted it. */
export interface LatestDataset {
  runId: string;
  acceptedAt: string;
  dataset: DatasetLineage;
}

/** Allocates the next endpoint version (1, 2, 3…) for an endpoint. Each call returns a new number, even under races. */
export async function allocateEndpointVersion(
  store: ObjectStore,
  bucket: string,
  endpointId: string,
  maxAttempts = DEFAULT_CAS_ATTEMPTS,
): Promise<number> {
  const { value } = await casUpdate<EndpointVersions>(
    store,
    bucket,
    ENDPOINT_VERSIONS_OBJECT,
    (current) => ({ value: { ...current, [endpointId]: (current?.[endpointId] ?? 0) + 1 }, changed: true }),
    maxAttempts,
  );
  return value[endpointId] as number;
}

/** Moves the pointer to `latest` unless the pointer already names a dataset accepted later. */
export async function recordLatestDataset(
  store: ObjectStore,
  bucket: string,
  latest: LatestDataset,
  maxAttempts = DEFAULT_CAS_ATTEMPTS,
): Promise<LatestDataset> {
  const { value } = await casUpdate<LatestDataset>(
    store,
    bucket,
    LATEST_DATASET_OBJECT,
    // The same run again (a redelivery, a concurrent copy) changes nothing: comparing whole objects never matched
    // (the stored one carries its write token and an earlier acceptedAt), so every copy rewrote the pointer and a
    // burst of copies exhausted the compare-and-swap (a 500, redelivered).
    (current) =>
      current && (current.acceptedAt > latest.acceptedAt || current.runId === latest.runId)
        ? { value: current, changed: false }
        : { value: latest, changed: true },
    maxAttempts,
  );
  return value;
}

/** The latest accepted dataset, if any was accepted yet. */
export async function readLatestDataset(store: ObjectStore, bucket: string): Promise<LatestDataset | undefined> {
  return readCasJson<LatestDataset>(store, bucket, LATEST_DATASET_OBJECT);
}

export const DEPLOYMENT_OBJECT = 'runs/_deployment.json';

/** The traffic settings the functions run with, recorded so the CLI's promote and rollback use them, not its shell's. */
export interface DeploymentSettings {
  trafficPolicy: TrafficPolicy;
  keepDeployedVersions: number;
}

/** Records the functions' settings (a read only, when they are unchanged). */
export async function recordDeploymentSettings(
  store: ObjectStore,
  bucket: string,
  settings: DeploymentSettings,
): Promise<void> {
  await casUpdate<DeploymentSettings>(store, bucket, DEPLOYMENT_OBJECT, (current) => {
    const same =
      current !== undefined &&
      JSON.stringify(current.trafficPolicy) === JSON.stringify(settings.trafficPolicy) &&
      current.keepDeployedVersions === settings.keepDeployedVersions;
    return same ? { value: current, changed: false } : { value: settings, changed: true };
  });
}

/** The functions' recorded settings, if a tick recorded them yet. */
export async function readDeploymentSettings(
  store: ObjectStore,
  bucket: string,
): Promise<DeploymentSettings | undefined> {
  return readCasJson<DeploymentSettings>(store, bucket, DEPLOYMENT_OBJECT);
}
