// From an event to "advance run X": a dataset drop ensures its run, a build or training notice names its run. No
// decision is taken here beyond "is this event ours and which run does it name".
import { readLatestDataset } from '../ledger/pointers';
import { runIdForBuild, runIdForDataset, runIdFromBuild } from '../pipeline/run-id';
import { PREDICTIONS_SUFFIX } from '../pipeline/batch-results';
import { newGitPushRecord, newRunRecord, newScoringRecord, type DatasetLineage } from '../pipeline/run-record';
import { FAILED_BUILD_STATUSES } from '../pipeline/plan';
import { BUILD_TAG, type BuildResource } from '../ports';
import { advance } from './advance';
import { forRun, nowIso, type StepContext, type StepResult } from './context';

/** The fields of a storage finalize event the engine uses (int64s already parsed). */
export interface FinalizedObject {
  bucket: string;
  name: string;
  generation: string;
  size: number;
  md5Hash?: string;
}

export interface TrainingNotice {
  runId: string;
  trainingName?: string;
}

/** Why an object is not a dataset to act on, or undefined if it is one. */
export function notADataset(config: StepContext['config'], obj: FinalizedObject): string | undefined {
  const { dataBucket, datasetPrefix, scoringPrefix } = config;
  if (obj.bucket !== dataBucket) return `bucket ${obj.bucket} is not the data bucket ${dataBucket}`;
  const scoring = obj.name.startsWith(scoringPrefix);
  if (!obj.name.startsWith(datasetPrefix) && !scoring)
    return `outside the watched prefixes ${datasetPrefix} and ${scoringPrefix}`;
  if (!obj.name.toLowerCase().endsWith('.csv')) return 'not a .csv file';
  // The pipeline writes the predictions next to the scored file: they are its output, not a new drop.
  if (scoring && obj.name.toLowerCase().endsWith(PREDICTIONS_SUFFIX)) return 'a predictions file the pipeline wrote';
  return undefined;
}

const strip = ({ record: _record, ...result }: StepResult & { record?: unknown }): StepResult => result;

/** A dataset landed: its run (one per object generation) is created if new, then advanced. */
export async function datasetFinalized(ctx: StepContext, obj: FinalizedObject): Promise<StepResult> {
  const skip = notADataset(ctx.config, obj);
  if (skip) return { outcome: 'ignored', detail: { object: `gs://${obj.bucket}/${obj.name}`, why: skip } };
  const runId = runIdForDataset(obj.bucket, obj.name, obj.generation);
  const dataset: DatasetLineage = {
    uri: `gs://${obj.bucket}/${obj.name}`,
    bucket: obj.bucket,
    name: obj.name,
    generation: obj.generation,
    size: obj.size,
    ...(obj.md5Hash ? { md5Hash: obj.md5Hash } : {}),
  };
  // A file under the scoring prefix is rows to score with the serving version: a scoring run of its own kind.
  const record = obj.name.startsWith(ctx.config.scoringPrefix)
    ? newScoringRecord(runId, nowIso(ctx), dataset)
    : newRunRecord(runId, 'dataset-drop', nowIso(ctx), dataset);
  await ctx.ledger.create(record);
  return strip(await advance(ctx, runId, { source: 'dataset' }));
}

/** A build notification: only our builds and final statuses; a git-push build becomes a run on the latest dataset. */
export async function buildStatus(ctx: StepContext, build: BuildResource): Promise<StepResult> {
  if (!(build.tags ?? []).includes(BUILD_TAG))
    return { outcome: 'ignored', detail: { buildId: build.id, why: 'not a vertex-retrain build' } };
  const failed = FAILED_BUILD_STATUSES.has(build.status);
  if (build.status !== 'SUCCESS' && !failed)
    return { outcome: 'ignored', detail: { buildId: build.id, why: `status ${build.status}` } };
  let runId = runIdFromBuild(build.tags, build.substitutions);
  if (!runId && !failed) {
    const latest = await readLatestDataset(ctx.ports.store, ctx.config.artifactsBucket);
    if (!latest) {
      ctx.log.warn({ buildId: build.id }, 'git-push build succeeded but no dataset was accepted yet: nothing to train');
      return { outcome: 'no-dataset', detail: { buildId: build.id } };
    }
    runId = runIdForBuild(build.id);
    const record = newGitPushRecord(
      runId,
      nowIso(ctx),
      { id: build.id, ...(build.logUrl ? { logUrl: build.logUrl } : {}) },
      latest.dataset,
    );
    const { created } = await ctx.ledger.create(record);
    if (created)
      forRun(ctx, runId).log.info({ buildId: build.id, dataset: latest.dataset.uri }, 'git-push run created');
  }
  if (!runId || !(await ctx.ledger.get(runId))) {
    ctx.log.warn(
      { runId, buildId: build.id, logUrl: build.logUrl },
      'build names a run this ledger does not know: ignored',
    );
    return { outcome: failed ? 'build-failed' : 'unknown-run', ...(runId ? { runId } : {}) };
  }
  const result = strip(await advance(ctx, runId, { source: 'build', build }));
  return failed && result.outcome === 'failed' ? { ...result, outcome: 'build-failed' } : result;
}

/** A training outcome message: advance its run (the training is read back, never trusted from the message). */
export async function trainingStatus(ctx: StepContext, notice: TrainingNotice): Promise<StepResult> {
  return strip(
    await advance(ctx, notice.runId, {
      source: 'training',
      ...(notice.trainingName ? { trainingName: notice.trainingName } : {}),
    }),
  );
}
