// Step 1 — a dataset landed: filter, check it with the trainer's rules, then claim the run and start the image build.
// A rejected dataset is left untouched; its reasons go to the run record and to `rejected/<name>.reasons.json` in the
// data bucket, outside the watched prefix and never a .csv, so the report cannot trigger another run.
import { REJECTED_PREFIX } from '../config';
import { recordLatestDataset } from '../ledger/pointers';
import { ObjectTooLargeError } from '../ports';
import { classifyError, errorMessage } from '../pipeline/errors';
import { runIdForDataset } from '../pipeline/run-id';
import { newRunRecord, type DatasetLineage } from '../pipeline/run-record';
import { nowIso, type StepContext, type StepResult } from './context';
import { describeProblem } from './dataset-check';
import { failOnPermanent, underClaim } from './side-effect';

/** The fields of a storage finalize event the step uses (int64s already parsed). */
export interface FinalizedObject {
  bucket: string;
  name: string;
  generation: string;
  size: number;
  md5Hash?: string;
}

/** Why an object is not a dataset to act on, or undefined if it is one. */
export function notADataset(ctx: StepContext, obj: FinalizedObject): string | undefined {
  const { dataBucket, datasetPrefix } = ctx.config;
  if (obj.bucket !== dataBucket) return `bucket ${obj.bucket} is not the data bucket ${dataBucket}`;
  if (!obj.name.startsWith(datasetPrefix)) return `outside the watched prefix ${datasetPrefix}`;
  if (!obj.name.toLowerCase().endsWith('.csv')) return 'not a .csv file';
  return undefined;
}

/** Where the rejection report for a dataset goes (data bucket, outside the prefix). */
export function rejectionReportName(ctx: StepContext, name: string): string {
  return `${REJECTED_PREFIX}${name.slice(ctx.config.datasetPrefix.length)}.reasons.json`;
}

async function reject(ctx: StepContext, runId: string, ds: DatasetLineage, reasons: string[], problemCount: number) {
  const reportName = rejectionReportName(ctx, ds.name);
  const reportUri = `gs://${ctx.config.dataBucket}/${reportName}`;
  // The run record first: it is the source of truth, and a report the function cannot write (a permission missing,
  // say) must not leave the run RECEIVED forever. The report next to the data is a courtesy written after it.
  const { changed } = await ctx.ledger.update(runId, {
    type: 'reject',
    at: nowIso(ctx),
    reasons,
    problemCount,
    reportUri,
  });
  const report = { runId, dataset: ds.uri, generation: ds.generation, rejectedAt: nowIso(ctx), problemCount, reasons };
  try {
    await ctx.ports.store.write(ctx.config.dataBucket, reportName, `${JSON.stringify(report, null, 2)}\n`, {
      contentType: 'application/json',
    });
  } catch (err) {
    if (classifyError(err) === 'transient') throw err; // redelivered: the record update above is then a no-op
    ctx.log.error(
      { runId, err, reportUri },
      `rejection report not written (the run record has the reasons): ${errorMessage(err)}`,
    );
  }
  if (changed) ctx.log.warn({ runId, problemCount, reportUri, reasons: reasons.slice(0, 10) }, 'dataset rejected');
  return { outcome: changed ? 'rejected' : 'duplicate', runId, detail: { reportUri, problemCount } };
}

/** Handles one finalized object. Throws only transient errors. */
export async function datasetFinalized(ctx: StepContext, obj: FinalizedObject): Promise<StepResult> {
  const skip = notADataset(ctx, obj);
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
  const { record } = await ctx.ledger.create(newRunRecord(runId, 'dataset-drop', nowIso(ctx), dataset));
  if (record.state !== 'RECEIVED' && record.state !== 'BUILDING') return { outcome: 'duplicate', runId };
  if (record.state === 'BUILDING' && record.build?.id) return { outcome: 'duplicate', runId };

  return failOnPermanent(ctx, runId, ['RECEIVED'], () => checkAndBuild(ctx, runId, obj, dataset));
}

/** Reads and checks the dataset, then claims and starts the build (or rejects the run). */
async function checkAndBuild(
  ctx: StepContext,
  runId: string,
  obj: FinalizedObject,
  dataset: DatasetLineage,
): Promise<StepResult> {
  const max = ctx.config.maxDatasetBytes;
  if (obj.size > max)
    return reject(ctx, runId, dataset, [`the file is ${obj.size} bytes, over the ${max}-byte limit`], 1);
  let read;
  try {
    read = await ctx.ports.store.read(obj.bucket, obj.name, { maxBytes: max });
  } catch (err) {
    if (err instanceof ObjectTooLargeError) return reject(ctx, runId, dataset, [err.message], 1);
    throw err;
  }
  if (!read || read.info.generation !== obj.generation) {
    // Deleted or overwritten since the event: that newer generation has its own event and run.
    const { changed } = await ctx.ledger.update(runId, {
      type: 'fail',
      at: nowIso(ctx),
      from: ['RECEIVED'],
      reason: 'DatasetGone',
      message: `generation ${obj.generation} of ${dataset.uri} no longer exists`,
    });
    return { outcome: changed ? 'dataset-gone' : 'duplicate', runId };
  }

  const check = ctx.validateDataset(read.data);
  if (check.problemCount > 0)
    return reject(ctx, runId, dataset, check.problems.map(describeProblem), check.problemCount);

  await recordLatestDataset(ctx.ports.store, ctx.config.artifactsBucket, {
    runId,
    acceptedAt: nowIso(ctx),
    dataset: { ...dataset, rows: check.rowCount },
  });
  const claim = await ctx.ledger.update(runId, {
    type: 'claimBuild',
    at: nowIso(ctx),
    leaseSeconds: ctx.config.claimLeaseSeconds,
  });
  if (!claim.changed) return { outcome: 'duplicate', runId };

  return underClaim(ctx, runId, 'build', async () => {
    const retaken = (claim.record.build?.claim?.attempt ?? 1) > 1;
    const existing = retaken ? await ctx.ports.builds.findBuildForRun(runId) : undefined;
    const build = existing ?? (await ctx.ports.builds.startBuild({ runId, datasetUri: dataset.uri }));
    await ctx.ledger.update(runId, {
      type: 'buildStarted',
      at: nowIso(ctx),
      buildId: build.buildId,
      ...(build.logUrl ? { logUrl: build.logUrl } : {}),
    });
    ctx.log.info(
      { runId, buildId: build.buildId, logUrl: build.logUrl, rows: check.rowCount },
      existing ? 'build found after a crash' : 'build started',
    );
    return { outcome: existing ? 'build-found' : 'build-started', runId, detail: { buildId: build.buildId } };
  });
}
