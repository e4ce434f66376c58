// BuildService over Cloud Build: starts the repository's cloudbuild.yaml on the trainer source archive and
// returns at once. Completion arrives later as a `cloud-builds` Pub/Sub message, never by waiting here.
import type { CloudBuildClient } from '@google-cloud/cloudbuild';
import { BUILD_TAG, type BuildRef, type BuildService, runBuildTag, type TrainerBuildRequest } from '../ports';
import type { GcpClients } from './clients';
import { loadBuildConfig } from './cloudbuild-config';
import { buildServiceAccountName, type GcpSettings, locationName, parseGsUri } from './settings';

/** Every build this backend starts carries this tag (the project-wide topic also reports other builds). */

type BuildMessage = Record<string, unknown> & { substitutions?: Record<string, string>; tags?: string[] };

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
  };
}
