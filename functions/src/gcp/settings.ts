// The deployment facts the Google Cloud adapters need, and the resource names derived from them.

/** Mirrors the environment the functions run with (PROJECT_ID, REGION, … read by the config module). */
export interface GcpSettings {
  projectId: string;
  region: string;
  dataBucket: string;
  artifactsBucket: string;
  /** Artifact Registry repository, e.g. `europe-west1-docker.pkg.dev/<project>/<repo>`. */
  imageRepository: string;
  imageName: string;
  /** `gs://bucket/object.tar.gz`: the trainer source archive Cloud Build builds from. */
  trainerSourceUri: string;
  /** Topic (short id or `projects/…/topics/…`) the trainer reports training events to. */
  trainingEventsTopic: string;
  /** Numeric endpoint id or full `projects/…/locations/…/endpoints/…` name. */
  endpointId: string;
  /** The registry model every run adds a version to. */
  modelId: string;
  trainingMachineType: string;
  servingMachineType: string;
  /** Service account e-mails. */
  trainingServiceAccount: string;
  servingServiceAccount: string;
  buildServiceAccount: string;
  /** Path of the repository's cloudbuild.yaml, turned into the Build request. */
  cloudbuildYamlPath: string;
  /** Command that starts the prediction server inside the trainer image. */
  servingCommand: string[];
}

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
