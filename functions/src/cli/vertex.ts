// `--env vertex`: the read and predict commands against Google Cloud. Project, region, artifacts bucket and endpoint
// come from the same variables the deployed functions get (PROJECT_ID, REGION, ARTIFACTS_BUCKET, ENDPOINT_ID). The
// ledger is read through the Cloud Storage adapter; predictions go to the Vertex AI endpoint. Clients load on use.
// The variables may also come from `.env.vertex` (`terraform output -raw env_file > .env.vertex`, see docs/deploy.md)
// in the working directory, or from the file VERTEX_RETRAIN_ENV_FILE names; the environment wins over the file.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { createGcsStore } from '../gcp/storage';
import { toProtoValue } from '../gcp/proto-value';
import type { ProtoValue } from '../gcp/proto-value';
import { endpointName } from '../pipeline/resource-names';
import type { ObjectStore } from '../ports';
import type { PredictResponse } from './predict';

export interface VertexTarget {
  projectId: string;
  region: string;
  artifactsBucket: string;
  endpointId: string;
}

const VARIABLES = {
  projectId: 'PROJECT_ID',
  region: 'REGION',
  artifactsBucket: 'ARTIFACTS_BUCKET',
  endpointId: 'ENDPOINT_ID',
} as const;

/** The env file read when none is named: what docs/deploy.md writes with `terraform output -raw env_file`. */
export const DEFAULT_ENV_FILE = '.env.vertex';

type Env = Record<string, string | undefined>;

/**
 * `env` with the KEY=VALUE lines of an env file filled in under it (set variables are kept). The file is `envFile`,
 * else VERTEX_RETRAIN_ENV_FILE, else `.env.vertex`; a missing default file is no error, a named one is.
 */
export function withEnvFile(
  env: Env = process.env,
  envFile?: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Env {
  const named = envFile ?? env.VERTEX_RETRAIN_ENV_FILE;
  const path = named ?? DEFAULT_ENV_FILE;
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    if (named === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new Error(`cannot read the env file ${path}: ${(err as Error).message}`);
  }
  const fromFile = parseEnv(text);
  const merged: Env = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
}

/** Reads the target from the environment (and the env file); throws naming every missing variable. */
export function vertexTarget(env: Env = withEnvFile()): VertexTarget {
  const missing = Object.values(VARIABLES).filter((name) => !env[name]);
  if (missing.length > 0)
    throw new Error(
      `--env vertex needs ${missing.join(', ')} in the environment or in ${env.VERTEX_RETRAIN_ENV_FILE ?? DEFAULT_ENV_FILE} ` +
        '(write it with `terraform output -raw env_file > ../.env.vertex` in terraform/)',
    );
  return Object.fromEntries(
    Object.entries(VARIABLES).map(([key, name]) => [key, env[name]]),
  ) as unknown as VertexTarget;
}

/** The Cloud Storage store and the bucket holding the ledger. */
export function vertexStore(env: Env = withEnvFile()): {
  store: ObjectStore;
  artifactsBucket: string;
} {
  const target = vertexTarget(env);
  const store = createGcsStore({
    storage: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Storage } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      return new Storage({ projectId: target.projectId });
    },
  });
  return { store, artifactsBucket: target.artifactsBucket };
}

/** google.protobuf.Value (object form) → plain JSON. */
export function fromProtoValue(value: ProtoValue | Record<string, unknown>): unknown {
  const v = value as Record<string, unknown>;
  if ('numberValue' in v) return v.numberValue;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('listValue' in v) return ((v.listValue as { values?: ProtoValue[] }).values ?? []).map(fromProtoValue);
  if ('structValue' in v) {
    const fields = (v.structValue as { fields?: Record<string, ProtoValue> }).fields ?? {};
    return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fromProtoValue(f)]));
  }
  return null;
}

/** The one method of PredictionServiceClient used here. */
export interface PredictClient {
  predict(request: { endpoint: string; instances: ProtoValue[] }): Promise<
    [
      {
        predictions?: ProtoValue[] | null;
        deployedModelId?: string | null;
        model?: string | null;
        modelVersionId?: string | null;
      },
      ...unknown[],
    ]
  >;
}

function predictionClient(target: VertexTarget): PredictClient {
  // The client's own module, not the package index (which loads ~60 clients).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PredictionServiceClient } = require('@google-cloud/aiplatform/build/src/v1/prediction_service_client') as {
    PredictionServiceClient: new (opts: { apiEndpoint: string; projectId: string }) => PredictClient;
  };
  return new PredictionServiceClient({
    apiEndpoint: `${target.region}-aiplatform.googleapis.com`,
    projectId: target.projectId,
  });
}

/** endpoints.predict on the Vertex AI endpoint. */
export async function predictVertex(
  instances: unknown[],
  env: Env = withEnvFile(),
  client?: PredictClient,
): Promise<PredictResponse> {
  const target = vertexTarget(env);
  const [res] = await (client ?? predictionClient(target)).predict({
    endpoint: endpointName(target),
    instances: instances.map(toProtoValue),
  });
  return {
    predictions: (res.predictions ?? []).map(fromProtoValue),
    ...(res.deployedModelId ? { deployedModelId: res.deployedModelId } : {}),
    ...(res.model ? { model: res.model } : {}),
    ...(res.modelVersionId ? { modelVersionId: res.modelVersionId } : {}),
  };
}
