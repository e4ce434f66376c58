// BuildService over Cloud Build: starts the repository's cloudbuild.yaml on the trainer source archive and
// returns at once. Completion arrives later as a `cloud-builds` Pub/Sub message, never by waiting here; getBuild
// reads a build back for the reconciler when that message was lost.
import type { CloudBuildClient } from '@google-cloud/cloudbuild';
import {
  BUILD_TAG,
  type BuildRef,
  type BuildResource,
  type BuildService,
  runBuildTag,
  type TrainerBuildRequest,
} from '../ports';
import type { GcpClients } from './clients';
import { loadBuildConfig } from './cloudbuild-config';
import { parseGsUri } from '../pipeline/gs-uri';
import { buildServiceAccountName, type GcpSettings, locationName } from './settings';

/** Every build this backend starts carries this tag (the project-wide topic also reports other builds). */

type BuildMessage = Record<string, unknown> & { substitutions?: Record<string, string>; tags?: string[] };

// Build.Status and Build.FailureInfo.FailureType by number: the client may hand enums over as numbers rather than
// names (LRO-decoded messages do). Pinned by a test against google/devtools/cloudbuild/v1/cloudbuild.proto.
export const BUILD_STATUSES: Readonly<Record<number, string>> = {
  0: 'STATUS_UNKNOWN',
  10: 'PENDING',
  1: 'QUEUED',
  2: 'WORKING',
  3: 'SUCCESS',
  4: 'FAILURE',
  5: 'INTERNAL_ERROR',
  6: 'TIMEOUT',
  7: 'CANCELLED',
  9: 'EXPIRED',
};
export const FAILURE_TYPES: readonly string[] = [
  'FAILURE_TYPE_UNSPECIFIED',
  'PUSH_FAILED',
  'PUSH_IMAGE_NOT_FOUND',
  'PUSH_NOT_AUTHORIZED',
  'LOGGING_FAILURE',
  'USER_BUILD_STEP',
  'FETCH_SOURCE_FAILED',
];

const enumName = (value: unknown, names: Readonly<Record<number, string>>): string =>
  typeof value === 'number' ? (names[value] ?? String(value)) : String(value ?? '');

interface ClientBuild {
  id?: string | null;
  status?: unknown;
  statusDetail?: string | null;
  tags?: string[] | null;
  substitutions?: Record<string, string> | null;
  logUrl?: string | null;
  results?: { images?: { name?: string | null; digest?: string | null }[] | null } | null;
  failureInfo?: { type?: unknown; detail?: string | null } | null;
}

/** The client's Build as the port's BuildResource: enums as names, empty and null fields left out. */
export function toBuildResource(build: ClientBuild, requestedId: string): BuildResource {
  const images = (build.results?.images ?? []).map((i) => ({
    ...(i.name ? { name: i.name } : {}),
    ...(i.digest ? { digest: i.digest } : {}),
  }));
  const failure = build.failureInfo;
  return {
    id: build.id || requestedId,
    status: enumName(build.status, BUILD_STATUSES),
    tags: build.tags ?? [],
    substitutions: build.substitutions ?? {},
    ...(build.logUrl ? { logUrl: build.logUrl } : {}),
    ...(build.statusDetail ? { statusDetail: build.statusDetail } : {}),
    ...(images.length > 0 ? { results: { images } } : {}),
    ...(failure && (failure.detail || failure.type)
      ? {
          failureInfo: {
            type: enumName(failure.type, FAILURE_TYPES),
            ...(failure.detail ? { detail: failure.detail } : {}),
          },
        }
      : {}),
  };
}

export function createCloudBuildService(settings: GcpSettings, clients: Pick<GcpClients, 'cloudBuild'>): BuildService {
  let config: BuildMessage | undefined;
  const parent = locationName(settings);
  const projectId = settings.projectId;

  /** The Build message for one run: the YAML plus source, run substitutions, tags and service account. */
  function buildFor(req: TrainerBuildRequest): BuildMessage {
    config ??= loadBuildConfig(settings.cloudbuildYamlPath) as BuildMessage;
    const declared = config.substitutions ?? {};
    // Settings-derived values only for substitutions the YAML declares: Cloud Build rejects unknown ones (MUST_MATCH).
    const fromSettings: Record<string, string> = {
      _REGION: settings.region,
      _IMAGE_REPOSITORY: settings.imageRepository,
      _IMAGE_NAME: settings.imageName,
    };
    const substitutions: Record<string, string> = { ...declared };
    for (const [k, v] of Object.entries(fromSettings)) if (k in declared) substitutions[k] = v;
    substitutions._RUN_ID = req.runId;
    substitutions._DATASET_URI = req.datasetUri;
    const { bucket, name } = parseGsUri(settings.trainerSourceUri, 'TRAINER_SOURCE_URI');
    return {
      ...config,
      source: { storageSource: { bucket, object: name } },
      substitutions,
      tags: [...new Set([...(config.tags ?? []), BUILD_TAG, runBuildTag(req.runId)])],
      serviceAccount: buildServiceAccountName(settings),
    };
  }

  async function findBuildForRun(runId: string): Promise<BuildRef | undefined> {
    const client: CloudBuildClient = clients.cloudBuild();
    const [builds] = await client.listBuilds(
      { projectId, parent, filter: `tags="${runBuildTag(runId)}"`, pageSize: 5 },
      { autoPaginate: false },
    );
    const build = builds[0]; // newest first
    return build?.id ? { buildId: build.id, ...(build.logUrl ? { logUrl: build.logUrl } : {}) } : undefined;
  }

  return {
    async startBuild(req) {
      const build = buildFor(req);
      const [operation] = await clients.cloudBuild().createBuild({ projectId, parent, build });
      // The operation's first response carries BuildOperationMetadata{build} (the queued build with its id);
      // gax decodes it into operation.metadata. Not awaiting operation.promise(): builds outlive the function.
      const queued = (operation.metadata as { build?: { id?: string; logUrl?: string } } | null)?.build;
      if (queued?.id) return { buildId: queued.id, ...(queued.logUrl ? { logUrl: queued.logUrl } : {}) };
      const found = await findBuildForRun(req.runId);
      if (!found)
        throw new Error(`Cloud Build accepted ${operation.name} but reported no build id for run ${req.runId}`);
      return found;
    },
    findBuildForRun,
    async getBuild(buildId) {
      const [build] = await clients
        .cloudBuild()
        .getBuild({ projectId, id: buildId, name: `${parent}/builds/${buildId}` });
      return toBuildResource(build as ClientBuild, buildId);
    },
  };
}
