// The deployment facts the Google Cloud adapters need, and the resource names derived from them.
import type { Config } from '../config';

/** The configuration fields the adapters read (config.ts documents them). */
export const GCP_CONFIG_KEYS = [
  'projectId',
  'region',
  'dataBucket',
  'artifactsBucket',
  'imageRepository',
  'imageName',
  'trainerSourceUri',
  'trainingEventsTopic',
  'runEventsTopic',
  'endpointId',
  'modelId',
  'trainingMachineType',
  'servingMachineType',
] as const;

export type GcpSettings = Pick<Config, (typeof GCP_CONFIG_KEYS)[number]> & {
  /** Service account e-mails: optional in Config, required on Vertex. */
  trainingServiceAccount: string;
  servingServiceAccount: string;
  buildServiceAccount: string;
  /** Path of the repository's cloudbuild.yaml, turned into the Build request. */
  cloudbuildYamlPath: string;
  /** Command that starts the prediction server inside the trainer image. */
  servingCommand: string[];
};

/** `projects/<P>/locations/<REGION>` */
export const locationName = (s: GcpSettings): string => `projects/${s.projectId}/locations/${s.region}`;

/** The registry model (without version): `projects/<P>/locations/<REGION>/models/<MODEL_ID>`. */
export const modelName = (s: GcpSettings): string => `${locationName(s)}/models/${s.modelId}`;

/** One model version: `…/models/<id>@<versionId>`. */
export const modelVersionName = (model: { name: string; versionId: string }): string =>
  `${model.name.replace(/@.*$/, '')}@${model.versionId}`;

export const endpointName = (s: GcpSettings): string =>
  s.endpointId.startsWith('projects/') ? s.endpointId : `${locationName(s)}/endpoints/${s.endpointId}`;

/** The Vertex AI regional API host (the global host does not serve regional resources). */
export const vertexApiEndpoint = (s: GcpSettings): string => `${s.region}-aiplatform.googleapis.com`;

/** Cloud Build wants `projects/<P>/serviceAccounts/<email>`; accept either form in the setting. */
export const buildServiceAccountName = (s: GcpSettings): string =>
  s.buildServiceAccount.startsWith('projects/')
    ? s.buildServiceAccount
    : `projects/${s.projectId}/serviceAccounts/${s.buildServiceAccount}`;

/** Splits `gs://bucket/path`; throws on anything else so a bad setting is reported by name. */
export function parseGsUri(uri: string, what: string): { bucket: string; name: string } {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`${what} must be gs://bucket/object, got ${JSON.stringify(uri)}`);
  return { bucket: match[1]!, name: match[2]! };
}
