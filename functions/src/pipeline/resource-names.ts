// The Vertex AI resource names of the deployment, built in one place: the Google adapters, the local twins, the CLI
// and the run report name the same location, endpoint and model the same way.

export interface LocationNames {
  projectId: string;
  region: string;
}

/** A full endpoint resource name, as ENDPOINT_ID may already give it. */
const FULL_ENDPOINT_NAME = /^projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/]+$/;

/** `projects/<P>/locations/<REGION>` */
export const locationName = (n: LocationNames): string => `projects/${n.projectId}/locations/${n.region}`;

/**
 * `projects/<P>/locations/<REGION>/endpoints/<id>`. ENDPOINT_ID is a bare id or already the full name (kept as it
 * is, even of another project or region); anything else is refused, naming the setting.
 */
export function endpointName(n: LocationNames & { endpointId: string }): string {
  if (FULL_ENDPOINT_NAME.test(n.endpointId)) return n.endpointId;
  if (n.endpointId === '' || n.endpointId.includes('/'))
    throw new Error(
      `ENDPOINT_ID must be an endpoint id or projects/<p>/locations/<r>/endpoints/<id>, got ${JSON.stringify(n.endpointId)}`,
    );
  return `${locationName(n)}/endpoints/${n.endpointId}`;
}

/** The registry model, without a version: `projects/<P>/locations/<REGION>/models/<MODEL_ID>`. */
export const modelName = (n: LocationNames & { modelId: string }): string => `${locationName(n)}/models/${n.modelId}`;

/** A model name without its `@<version>` (Vertex answers either form). */
export const withoutVersion = (model: string): string => model.replace(/@.*$/, '');

/** One model version: `…/models/<id>@<versionId>`. */
export const modelVersionName = (model: { name: string; versionId: string }): string =>
  `${withoutVersion(model.name)}@${model.versionId}`;
