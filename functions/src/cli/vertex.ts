// `--env vertex`: the read and predict commands against Google Cloud, with project, region and names from the
// functions' configuration (the same environment variables the deployed functions get).
import type { ObjectStore } from '../ports';
import type { PredictResponse } from './predict';

/** The Cloud Storage store and the artifacts bucket holding the ledger. */
export function vertexStore(): { store: ObjectStore; artifactsBucket: string } {
  throw new Error('--env vertex needs the Google Cloud adapters (functions/src/gcp), which are not in this build yet');
}

export async function predictVertex(_instances: unknown[]): Promise<PredictResponse> {
  throw new Error('--env vertex needs the Google Cloud adapters (functions/src/gcp), which are not in this build yet');
}
