// The deployment facts the Google Cloud adapters need, and the resource names derived from them.
import type { VertexConfig } from '../config';
import type { TrainerManifest } from '../contract/manifest';

/** The configuration fields the adapters read (config.ts documents them). */
export const GCP_CONFIG_KEYS = [
  'projectId',
  'region',
  'dataBucket',
  'artifactsBucket',
  'imageRepository',
  'imageName',
  'trainerSourceUri',
  'buildTriggerId',
  'trainerSourcePointer',
  'trainingEventsTopic',
  'runEventsTopic',
  'endpointId',
  'modelId',
  'servingMachineType',
  'trainingServiceAccount',
  'servingServiceAccount',
  'buildServiceAccount',
] as const;

export type GcpSettings = Pick<VertexConfig, (typeof GCP_CONFIG_KEYS)[number]> & {
  /** Path of the repository's cloudbuild.yaml, turned into the Build request. */
  cloudbuildYamlPath: string;
  /**
   * The trainer's two commands (its trainer.yaml `train` and `serve`): the training job's command and extra
   * arguments, and the serving container's command, arguments, port and routes (`modelToUpload.containerSpec`).
   */
  trainer: Pick<TrainerManifest, 'train' | 'serve'>;
};

// The resource names (location, endpoint, model, model version) are the pipeline's, shared with the twins and the CLI.
export { endpointName, locationName, modelName, modelVersionName } from '../pipeline/resource-names';

/** The Vertex AI regional API host (the global host does not serve regional resources). */
export const vertexApiEndpoint = (s: GcpSettings): string => `${s.region}-aiplatform.googleapis.com`;

/** Cloud Build wants `projects/<P>/serviceAccounts/<email>`; accept either form in the setting. */
export const buildServiceAccountName = (s: GcpSettings): string =>
  s.buildServiceAccount.startsWith('projects/')
    ? s.buildServiceAccount
    : `projects/${s.projectId}/serviceAccounts/${s.buildServiceAccount}`;
