// A scoring run's side effects: the claim on its batch job, the job itself (its instances written first), and the
// predictions file once the job succeeded. Each writes the run record once through the state machine, as act.ts's
// training actions do; the batch port's check-before-create (the job carries the run id) makes a retaken claim find
// the job an earlier attempt started instead of starting a second one.
import { BatchResultsError, batchSummary, predictionsObjectName, ROW_KEY } from '../pipeline/batch-results';
import { errorMessage } from '../pipeline/errors';
import { gsUri, parseGsUri } from '../pipeline/gs-uri';
import type { Action } from '../pipeline/plan';
import type { DatasetLineage, RunRecord } from '../pipeline/run-record';
import { classifyError } from '../pipeline/errors';
import type { BatchJobStatus, ObjectInfo } from '../ports';
import type { Acted } from './act';
import { nowIso, type StepContext } from './context';
import { mergeResults, writeInstances } from './scoring-passes';
import { underClaim, UnrecordedEffectError } from './side-effect';

/**
 * Where scoring runs keep their instances and the jobs' results in the artifacts bucket: a prefix of its own, the one
 * the batch job's account may write (terraform/iam.tf serving_scoring_folder, locals.tf scoring_artifacts_prefix).
 */
export const SCORING_ARTIFACTS_PREFIX = 'scoring/';

/** The run's scoring folder: the instances file, and the job's results folder under it. */
export const scoringFolder = (artifactsBucket: string, runId: string): string =>
  gsUri(artifactsBucket, `${SCORING_ARTIFACTS_PREFIX}${runId}/`);

/** The results files of a job's output folder (`prediction.results-*`; error lines come in the same shape). */
const RESULT_FILE = /\/prediction\.(results|errors_stats)-\d+-of-\d+$/;

export async function claimScoring(
  ctx: StepContext,
  r: RunRecord,
  a: Extract<Action, { kind: 'claimScoring' }>,
): Promise<Acted> {
  const folder = scoringFolder(ctx.config.artifactsBucket, r.runId);
  const claim = await ctx.ledger.update(r.runId, {
    type: 'claimScoring',
    at: nowIso(ctx),
    leaseSeconds: ctx.config.claimLeaseSeconds,
    model: a.model,
    deployedModelId: a.deployedModelId,
    ...(a.servingRunId ? { servingRunId: a.servingRunId } : {}),
    inputUri: `${folder}instances.jsonl`,
    outputUriPrefix: folder,
  });
  if (!claim.changed) return { ...claim, outcome: 'duplicate' };
  const model = claim.record.scoring?.model;
  ctx.log.info(
    { runId: r.runId, model: model && `${model.name}@${model.versionId}`, servingRunId: a.servingRunId },
    'scoring claimed with the serving version',
  );
  return { ...claim, claimed: 'scoring', outcome: 'scoring-claimed' };
}

export async function startScoring(ctx: StepContext, r: RunRecord, retaken: boolean): Promise<Acted> {
  const { runId } = r;
  const s = r.scoring as NonNullable<RunRecord['scoring']>;
  let acted: Acted | undefined;
  const result = await underClaim(ctx, runId, 'scoring', async () => {
    const ds = r.dataset as DatasetLineage;
    const { rows } = await writeInstances(
      ctx.ports.store,
      ds,
      ctx.config.trainerDir,
      parseGsUri(s.inputUri as string, 'inputUri'),
    );
    const job = await ctx.ports.batch.startBatchJob({
      runId,
      model: s.model as { name: string; versionId: string },
      inputUri: s.inputUri as string,
      instancesFormat: 'jsonl',
      outputUriPrefix: s.outputUriPrefix as string,
      keyField: ROW_KEY,
    });
    try {
      acted = {
        ...(await ctx.ledger.update(runId, { type: 'scoringStarted', at: nowIso(ctx), jobName: job.name })),
        outcome: 'scoring-started',
      };
    } catch (err) {
      if (classifyError(err) !== 'transient') throw err;
      throw new UnrecordedEffectError(`batch job ${job.name} started but not recorded: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    ctx.log.info({ runId, jobName: job.name, rows, retaken }, 'batch prediction job started');
    return { outcome: 'scoring-started' };
  });
  return acted ?? { record: (await ctx.ledger.get(runId)) ?? r, changed: false, outcome: result.outcome };
}

/** Every results file of the job's output folder, in name order. */
async function jobOutputs(ctx: StepContext, job: BatchJobStatus): Promise<ObjectInfo[]> {
  if (!job.outputDirectory) throw new Error(`batch prediction job ${job.name} succeeded without an output folder`);
  const dir = parseGsUri(job.outputDirectory.replace(/\/?$/, '/'), 'outputDirectory');
  const listed = (await ctx.ports.store.list(dir.bucket, dir.name)).filter((o) => RESULT_FILE.test(`/${o.name}`));
  return listed.sort((a, b) => a.name.localeCompare(b.name));
}

export async function writePredictions(ctx: StepContext, r: RunRecord, job: BatchJobStatus): Promise<Acted> {
  const { runId } = r;
  const ds = r.dataset as DatasetLineage;
  const s = r.scoring as NonNullable<RunRecord['scoring']>;
  const name = predictionsObjectName(ds.name);
  let merged;
  try {
    merged = await mergeResults(
      ctx.ports.store,
      ds,
      ctx.config.trainerDir,
      await jobOutputs(ctx, job),
      { bucket: ds.bucket, name },
      parseGsUri(s.inputUri as string, 'inputUri'),
    );
  } catch (err) {
    if (!(err instanceof BatchResultsError)) throw err;
    const { record, changed } = await ctx.ledger.update(runId, {
      type: 'fail',
      at: nowIso(ctx),
      from: ['SCORING'],
      reason: 'BatchResultsIncomplete',
      message: err.message,
    });
    if (changed) ctx.log.error({ runId, jobName: job.name }, `scoring failed: ${err.message}`);
    return { record, changed, outcome: 'failed' };
  }
  const model = s.model as { name: string; versionId: string };
  const summary = batchSummary({
    rows: merged.rows,
    modelVersion: `${model.name}@${job.modelVersionId ?? model.versionId}`,
    ...(job.startTime ? { startTime: job.startTime } : {}),
    ...(job.endTime ? { endTime: job.endTime } : {}),
    ...(job.replicaHours !== undefined ? { replicaHours: job.replicaHours } : {}),
    replicaCount: 1,
    machineType: ctx.config.servingMachineType,
  });
  const predictionsUri = gsUri(ds.bucket, name);
  const { record, changed } = await ctx.ledger.update(runId, {
    type: 'scored',
    at: nowIso(ctx),
    predictionsUri,
    summary,
  });
  if (changed)
    ctx.log.info({ runId, predictionsUri, rows: summary.rows, model: summary.modelVersion }, 'predictions written');
  return { record, changed, outcome: changed ? 'scored' : 'duplicate' };
}
