// BuildService over Cloud Build: starts the trainer image build for a data drop and returns at once. Completion
// arrives later as a `cloud-builds` Pub/Sub message, never by waiting here; getBuild reads a build back for the
// reconciler when that message was lost. Where the code comes from (docs/deploy.md, "Which code a data drop builds"):
//   - BUILD_TRIGGER_ID set (a connected repository): RunBuildTrigger on main, so the drop builds main as it is now;
//   - otherwise CreateBuild of cloudbuild.yaml on a source archive: the one TRAINER_SOURCE_POINTER names (the
//     git-push build rewrites it), or, before any push build wrote it, TRAINER_SOURCE_URI (terraform apply's upload).
// Either way the build carries the run's _RUN_ID substitution, which maps its completion message back to the run.
import type { CloudBuildClient } from '@google-cloud/cloudbuild';
import { z } from 'zod';
import {
  BUILD_TAG,
  type BuildRef,
  type BuildResource,
  type BuildService,
  runBuildTag,
  type TrainerBuildRequest,
} from '../ports';
import { runIdFromBuild } from '../pipeline/run-id';
import type { GcpClients } from './clients';
import { loadBuildConfig } from './cloudbuild-config';
import { parseGsUri } from '../pipeline/gs-uri';
import { buildServiceAccountName, type GcpSettings, locationName } from './settings';
import { createGcsStore } from './storage';

/** The branch a data drop builds through the trigger. */
export const DATA_DROP_BRANCH = 'main';

/** What the git-push build writes to TRAINER_SOURCE_POINTER (cloudbuild.yaml, step publish-source). */
const SourcePointer = z.object({ sourceUri: z.string().regex(/^gs:\/\/[^/]+\/.+\.(zip|tar\.gz)$/) }).passthrough();

/** `projects/<p>/locations/<l>/triggers/<id>` → its parts; throws naming the setting otherwise. */
export function parseTriggerName(name: string): { projectId: string; location: string; triggerId: string } {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/triggers\/([^/]+)$/.exec(name);
  if (!m)
    throw new Error(`BUILD_TRIGGER_ID must be projects/<p>/locations/<l>/triggers/<id>, got ${JSON.stringify(name)}`);
  return { projectId: m[1]!, location: m[2]!, triggerId: m[3]! };
}

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

/** What onBuildStatus needs back in every data-drop build, whichever way it was started. */
function runSubstitutions(settings: GcpSettings, req: TrainerBuildRequest): Record<string, string> {
  return {
    _RUN_ID: req.runId,
    _DATASET_URI: req.datasetUri,
    // The image tag: the run id (cloudbuild.yaml defaults it to the commit for git-push builds).
    _IMAGE_TAG: req.runId,
    _IMAGE_REPOSITORY: settings.imageRepository,
    _IMAGE_NAME: settings.imageName,
  };
}

type Queued = { build?: { id?: string; logUrl?: string } } | null;

/** How many builds of the trigger findBuildForRun looks through for the run's _RUN_ID (newest first). */
const TRIGGER_BUILDS_SCANNED = 50;

export function createCloudBuildService(
  settings: GcpSettings,
  clients: Pick<GcpClients, 'cloudBuild' | 'storage'>,
): BuildService {
  let config: BuildMessage | undefined;
  const projectId = settings.projectId;
  const trigger = settings.buildTriggerId ? parseTriggerName(settings.buildTriggerId) : undefined;
  // A trigger's builds run in the trigger's region (a 2nd-gen repository's), which may differ from REGION.
  const parent = trigger ? `projects/${projectId}/locations/${trigger.location}` : locationName(settings);

  /** The Build message for one run: the YAML plus source, run substitutions, tags and service account. */
  function buildFor(req: TrainerBuildRequest, source: { bucket: string; name: string }): BuildMessage {
    config ??= loadBuildConfig(settings.cloudbuildYamlPath) as BuildMessage;
    const declared = config.substitutions ?? {};
    // Only substitutions the YAML declares: Cloud Build rejects unknown ones (MUST_MATCH). _RUN_ID and _DATASET_URI
    // always: onBuildStatus finds the run by them.
    const substitutions: Record<string, string> = { ...declared };
    for (const [k, v] of Object.entries(runSubstitutions(settings, req)))
      if (k in declared || k === '_RUN_ID' || k === '_DATASET_URI') substitutions[k] = v;
    return {
      ...config,
      source: { storageSource: { bucket: source.bucket, object: source.name } },
      substitutions,
      tags: [...new Set([...(config.tags ?? []), BUILD_TAG, runBuildTag(req.runId)])],
      serviceAccount: buildServiceAccountName(settings),
    };
  }

  /** The archive a CreateBuild uses: the pointer's, once a git-push build has written it; else Terraform's upload. */
  async function sourceArchive(): Promise<{ bucket: string; name: string; uri: string }> {
    let uri = settings.trainerSourceUri;
    let what = 'TRAINER_SOURCE_URI';
    if (settings.trainerSourcePointer) {
      const pointer = parseGsUri(settings.trainerSourcePointer, 'TRAINER_SOURCE_POINTER');
      const found = await createGcsStore(clients).read(pointer.bucket, pointer.name, { maxBytes: 64 * 1024 });
      if (found) {
        let json: unknown;
        try {
          json = JSON.parse(found.data.toString('utf8'));
        } catch (err) {
          throw new Error(`${settings.trainerSourcePointer} is not JSON: ${(err as Error).message}`);
        }
        const parsed = SourcePointer.safeParse(json);
        if (!parsed.success)
          throw new Error(
            `${settings.trainerSourcePointer}: "sourceUri" must be gs://bucket/<archive>.zip or .tar.gz, got ${JSON.stringify((json as { sourceUri?: unknown } | null)?.sourceUri)}`,
          );
        uri = parsed.data.sourceUri;
        what = settings.trainerSourcePointer;
      }
    }
    return { ...parseGsUri(uri, what), uri };
  }

  async function createBuild(req: TrainerBuildRequest): Promise<BuildRef> {
    const archive = await sourceArchive();
    const build = buildFor(req, archive);
    const [operation] = await clients.cloudBuild().createBuild({ projectId, parent, build });
    return queuedBuild(req.runId, operation, archive.uri);
  }

  async function runTrigger(req: TrainerBuildRequest, t: NonNullable<typeof trigger>): Promise<BuildRef> {
    const [operation] = await clients.cloudBuild().runBuildTrigger({
      name: settings.buildTriggerId,
      projectId,
      triggerId: t.triggerId,
      // The trigger's own substitutions (image coordinates) are merged under these; trigger builds always allow
      // substitutions the YAML does not declare (ALLOW_LOOSE), so all of them are sent.
      source: { branchName: DATA_DROP_BRANCH, substitutions: runSubstitutions(settings, req) },
    });
    return queuedBuild(req.runId, operation, `${settings.buildTriggerId} on ${DATA_DROP_BRANCH}`);
  }

  /** The operation's first response carries BuildOperationMetadata{build} (the queued build with its id); gax
   * decodes it into operation.metadata. Not awaiting operation.promise(): builds outlive the function. */
  async function queuedBuild(
    runId: string,
    operation: { name?: string | null; metadata?: unknown },
    source: string,
  ): Promise<BuildRef> {
    const queued = (operation.metadata as Queued)?.build;
    const ref = queued?.id
      ? { buildId: queued.id, ...(queued.logUrl ? { logUrl: queued.logUrl } : {}) }
      : await findBuildForRun(runId);
    if (!ref) throw new Error(`Cloud Build accepted ${operation.name} but reported no build id for run ${runId}`);
    return { ...ref, source };
  }

  async function findBuildForRun(runId: string): Promise<BuildRef | undefined> {
    const client: CloudBuildClient = clients.cloudBuild();
    // Archive builds carry the run tag; a trigger's builds carry the YAML's tags only, so they are found among the
    // trigger's newest builds by their _RUN_ID substitution.
    const [builds] = await client.listBuilds(
      trigger
        ? { projectId, parent, filter: `trigger_id="${trigger.triggerId}"`, pageSize: TRIGGER_BUILDS_SCANNED }
        : { projectId, parent, filter: `tags="${runBuildTag(runId)}"`, pageSize: 5 },
      { autoPaginate: false },
    );
    // Newest first.
    const build = trigger
      ? builds.find((b) => runIdFromBuild(b.tags ?? [], b.substitutions ?? {}) === runId)
      : builds[0];
    return build?.id ? { buildId: build.id, ...(build.logUrl ? { logUrl: build.logUrl } : {}) } : undefined;
  }

  return {
    startBuild: (req) => (trigger ? runTrigger(req, trigger) : createBuild(req)),
    findBuildForRun,
    async getBuild(buildId) {
      const [build] = await clients
        .cloudBuild()
        .getBuild({ projectId, id: buildId, name: `${parent}/builds/${buildId}` });
      return toBuildResource(build, buildId);
    },
  };
}
