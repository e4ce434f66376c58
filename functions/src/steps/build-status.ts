// Step 2 — a Cloud Build notification: only our builds (tag `vertex-retrain`), only terminal statuses. Success claims
// the run's training and submits it with the image pinned by digest; a git-push build (no run id) becomes a run on
// the latest accepted dataset; a failed build fails the run with the build's log URL.
import { allocateEndpointVersion, readLatestDataset } from '../ledger/pointers';
import { runIdForBuild, runIdFromBuild } from '../pipeline/run-id';
import { newGitPushRecord, pinnedDatasetUri, type DatasetLineage, type RunRecord } from '../pipeline/run-record';
import { nowIso, type StepContext, type StepResult } from './context';
import { failOnPermanent, failRun, underClaim } from './side-effect';
import { BUILD_TAG, type BuildResource } from '../ports';

/** The tag every build of this project carries (cloudbuild.yaml and the trigger). */
export const FAILED_BUILD_STATUSES: ReadonlySet<string> = new Set([
  'FAILURE',
  'INTERNAL_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'EXPIRED',
]);

/** The Build resource fields the step reads (string enums, as in the Pub/Sub message): the port's shape. */
export type BuildNotice = BuildResource;

/** The pushed trainer image as `<name without tag>@<digest>`, preferring IMAGE_REPOSITORY/IMAGE_NAME. */
export function pinnedImage(ctx: StepContext, build: BuildNotice): { uri: string; digest: string } | undefined {
  const wanted = `${ctx.config.imageRepository}/${ctx.config.imageName}`;
  const untagged = (name: string): string => name.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const images = (build.results?.images ?? []).filter((i) => i.name && i.digest?.startsWith('sha256:'));
  const image = images.find((i) => untagged(i.name as string) === wanted) ?? images[0];
  return image
    ? { uri: `${untagged(image.name as string)}@${image.digest}`, digest: image.digest as string }
    : undefined;
}

async function startTraining(ctx: StepContext, claimed: RunRecord, image: { uri: string }): Promise<StepResult> {
  const runId = claimed.runId;
  return underClaim(ctx, runId, 'training', async () => {
    let endpointVersion = claimed.training?.endpointVersion;
    if (endpointVersion === undefined) {
      const allocated = await allocateEndpointVersion(
        ctx.ports.store,
        ctx.config.artifactsBucket,
        ctx.config.endpointId,
      );
      const { record } = await ctx.ledger.update(runId, {
        type: 'endpointVersionAllocated',
        at: nowIso(ctx),
        endpointVersion: allocated,
      });
      endpointVersion = record.training?.endpointVersion ?? allocated;
    }
    const retaken = (claimed.training?.claim?.attempt ?? 1) > 1;
    const existing = retaken ? await ctx.ports.training.findTrainingForRun(runId) : undefined;
    const training =
      existing ??
      (await ctx.ports.training.startTraining({
        runId,
        imageUri: image.uri,
        datasetUri: pinnedDatasetUri(claimed.dataset as DatasetLineage),
        endpointVersion,
        baseOutputDir: claimed.training?.baseOutputDir as string,
      }));
    await ctx.ledger.update(runId, { type: 'trainingStarted', at: nowIso(ctx), trainingName: training.name });
    ctx.log.info(
      { runId, training: training.name, endpointVersion, imageUri: image.uri },
      existing ? 'training found after a crash' : 'training started',
    );
    return {
      outcome: existing ? 'training-found' : 'training-started',
      runId,
      detail: { training: training.name, endpointVersion },
    };
  });
}

/** Handles one build notification. Throws only transient errors. */
export async function buildStatus(ctx: StepContext, build: BuildNotice): Promise<StepResult> {
  if (!(build.tags ?? []).includes(BUILD_TAG))
    return { outcome: 'ignored', detail: { buildId: build.id, why: 'not a vertex-retrain build' } };
  const failed = FAILED_BUILD_STATUSES.has(build.status);
  if (build.status !== 'SUCCESS' && !failed)
    return { outcome: 'ignored', detail: { buildId: build.id, why: `status ${build.status}` } };

  let runId = runIdFromBuild(build.tags, build.substitutions);
  if (failed) {
    const detail = build.failureInfo?.detail ?? build.statusDetail ?? '';
    const message = `build ${build.id} ended ${build.status}${detail ? `: ${detail}` : ''}${build.logUrl ? ` (logs: ${build.logUrl})` : ''}`;
    if (runId && (await ctx.ledger.get(runId)))
      await failRun(ctx, runId, ['BUILDING'], `Build${build.status}`, message);
    else ctx.log.warn({ buildId: build.id, logUrl: build.logUrl }, message);
    return { outcome: 'build-failed', ...(runId ? { runId } : {}), detail: { status: build.status } };
  }

  const image = pinnedImage(ctx, build);
  if (!runId) {
    const latest = await readLatestDataset(ctx.ports.store, ctx.config.artifactsBucket);
    if (!latest) {
      ctx.log.warn({ buildId: build.id }, 'git-push build succeeded but no dataset was accepted yet: nothing to train');
      return { outcome: 'no-dataset', detail: { buildId: build.id } };
    }
    runId = runIdForBuild(build.id);
    const { created } = await ctx.ledger.create(
      newGitPushRecord(
        runId,
        nowIso(ctx),
        { id: build.id, ...(build.logUrl ? { logUrl: build.logUrl } : {}) },
        latest.dataset,
      ),
    );
    if (created) ctx.log.info({ runId, buildId: build.id, dataset: latest.dataset.uri }, 'git-push run created');
  } else if (!(await ctx.ledger.get(runId))) {
    ctx.log.warn({ runId, buildId: build.id }, 'build names a run this ledger does not know: ignored');
    return { outcome: 'unknown-run', runId };
  }
  const known = runId;
  return failOnPermanent(ctx, known, ['BUILDING'], () => claimAndTrain(ctx, known, build, image));
}

/** Claims the run's training and submits it (or fails the run when the build reported no image). */
async function claimAndTrain(
  ctx: StepContext,
  runId: string,
  build: BuildNotice,
  image: { uri: string; digest: string } | undefined,
): Promise<StepResult> {
  if (!image) {
    await failRun(
      ctx,
      runId,
      ['BUILDING'],
      'NoImageDigest',
      `build ${build.id} succeeded but reported no image digest`,
    );
    return { outcome: 'failed', runId };
  }

  const claim = await ctx.ledger.update(runId, {
    type: 'claimTraining',
    at: nowIso(ctx),
    leaseSeconds: ctx.config.claimLeaseSeconds,
    buildId: build.id,
    ...(build.logUrl ? { logUrl: build.logUrl } : {}),
    imageUri: image.uri,
    imageDigest: image.digest,
    baseOutputDir: `gs://${ctx.config.artifactsBucket}/runs/${runId}/`,
  });
  if (!claim.changed) return { outcome: 'duplicate', runId };
  return startTraining(ctx, claim.record, { uri: claim.record.build?.imageUri ?? image.uri });
}
