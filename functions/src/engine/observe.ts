// observe: reads what the next plan of a run needs, and nothing else (pipeline/plan.ts `needs`): the dataset object,
// the build, the training, the deploy operation, the endpoint and the serving run. Reads only: no claim, no write,
// and no listing of the ledger: every record read is named by the run, its notice or the endpoint.
import { ObjectGoneError, runIdOfDeployedModel, type BuildResource, type EndpointState } from '../ports';
import { gsUri } from '../pipeline/gs-uri';
import { needs, type DatasetCheck, type Observation, type Source } from '../pipeline/plan';
import { runKind, type RunRecord, type Stage } from '../pipeline/run-record';
import { claimExpired } from '../pipeline/run-state';
import { servingModel } from '../pipeline/traffic-split';
import { nowIso, type StepContext } from './context';
import { describeProblem, type DatasetPurpose } from './dataset-check';
import { liveModelOfRun } from './endpoint';
import { pinnedImage, readRunMetrics, servingRun } from './metrics';
import { registryBusy } from './registry';

/** What the caller already knows: the event's build (a notification), a claim this advance just took. */
export interface Known {
  source: Source;
  build?: BuildResource;
  /** The training the notice named (used when the record has none yet). */
  trainingName?: string;
  holdsClaim?: Stage;
}

/** What a training drop without the label column is told (its rejection): the file may be rows to score. */
export const scoringHint = (scoringPrefix: string): string => `to score rows, drop the file under ${scoringPrefix}`;

async function checkDataset(ctx: StepContext, r: RunRecord, purpose: DatasetPurpose): Promise<DatasetCheck> {
  const ds = r.dataset as NonNullable<RunRecord['dataset']>;
  const max = ctx.config.maxDatasetBytes;
  if (ds.size > max)
    return { kind: 'invalid', reasons: [`the file is ${ds.size} bytes, over the ${max}-byte limit`], problemCount: 1 };
  const info = await ctx.ports.store.stat(ds.bucket, ds.name);
  if (!info || info.generation !== ds.generation) return { kind: 'gone' };
  // The refusal happens before any byte is read (the event's size above, the stored size here).
  if (info.size > max)
    return {
      kind: 'invalid',
      reasons: [`the file is ${info.size} bytes, over the ${max}-byte limit`],
      problemCount: 1,
    };
  let check;
  try {
    check = await ctx.validateDataset(
      ctx.ports.store.readStream(ds.bucket, ds.name, ds.generation),
      ctx.config.trainerDir,
      purpose,
    );
  } catch (err) {
    if (err instanceof ObjectGoneError) return { kind: 'gone' };
    throw err;
  }
  if (check.problemCount > 0) {
    const reasons = check.problems.map(describeProblem);
    if (check.labelMissing) reasons.push(scoringHint(ctx.config.scoringPrefix));
    return { kind: 'invalid', reasons, problemCount: check.problemCount };
  }
  return { kind: 'ok', rows: check.rowCount };
}

/** The current generation of the run's dataset object, when a newer one than the run's landed. */
async function newerGenerationOf(ctx: StepContext, r: RunRecord): Promise<string | undefined> {
  const ds = r.dataset;
  if (!ds || r.trigger !== 'dataset-drop') return undefined;
  const info = await ctx.ports.store.stat(ds.bucket, ds.name);
  if (!info || info.generation === ds.generation) return undefined;
  const newer =
    info.generation.length !== ds.generation.length
      ? info.generation.length > ds.generation.length
      : info.generation > ds.generation;
  return newer ? info.generation : undefined;
}

/**
 * The record of the run whose model serves now, read directly: the serving deployed model's display name names its
 * run (ports.ts runIdOfDeployedModel), so no event reads every record ever written to find it.
 */
export async function servingRunOf(ctx: StepContext, endpoint: EndpointState): Promise<RunRecord | undefined> {
  const model = servingModel(endpoint);
  const runId = model && runIdOfDeployedModel(model);
  const candidate = runId === undefined ? undefined : await ctx.ledger.get(runId);
  // servingRun keeps its rule (the deployed model id, else the model version of a DEPLOYED run) for the one candidate.
  return candidate && servingRun(endpoint, [candidate]);
}

export async function observe(ctx: StepContext, r: RunRecord, known: Known): Promise<Observation> {
  const o: Observation = { now: nowIso(ctx), source: known.source };
  if (known.holdsClaim) o.holdsClaim = known.holdsClaim;
  const wanted = new Set(needs(r));
  // A claim just taken is acted on at once: nothing else to read.
  if (known.holdsClaim && r.state !== 'TRAINING') return o;
  if (runKind(r) === 'scoring') return observeScoring(ctx, r, o, wanted);
  if (wanted.has('object') && !known.holdsClaim) {
    const newer = await newerGenerationOf(ctx, r);
    if (newer) o.newerGeneration = newer;
  }
  if (wanted.has('dataset') && !o.newerGeneration) o.dataset = await checkDataset(ctx, r, 'training');
  // The tick reads a build back only once its notification is overdue (the claim's lease ran out).
  const buildOverdue = known.source === 'tick' && claimExpired(r.build?.claim, o.now, ctx.config.claimLeaseSeconds);
  const noticed = known.build && (!r.build?.id || known.build.id === r.build.id) ? known.build : undefined;
  if (r.state === 'BUILDING' && (noticed || (r.build?.id && buildOverdue))) {
    const build = noticed ?? (await ctx.ports.builds.getBuild(r.build?.id as string));
    if (known.source === 'tick' && build.status !== 'WORKING' && build.status !== 'QUEUED')
      ctx.log.warn(
        { buildId: build.id, status: build.status },
        'the build finished but its notification never arrived: taking its outcome from the build itself',
      );
    o.build = build;
    const image = pinnedImage(ctx.config, build);
    if (image) o.image = image;
  }
  if (wanted.has('registry') && !known.holdsClaim) o.registryBusy = await registryBusy(ctx, r.runId);
  if (r.state === 'TRAINING' && !known.holdsClaim) {
    const name = r.training?.name ?? known.trainingName ?? (await ctx.ports.training.findTrainingForRun(r.runId))?.name;
    if (name) o.training = await ctx.ports.training.getTraining(name);
    if (o.training?.runId !== undefined && o.training.runId !== r.runId)
      // The message named another run's training: acting on it would deploy someone else's model under this run.
      ctx.log.error(
        { trainingName: name, trainingRunId: o.training.runId },
        'training belongs to another run; ignored',
      );
  }
  if (wanted.has('gate') && r.state === 'TRAINING' && o.training?.state === 'SUCCEEDED' && o.training.model) {
    try {
      o.metrics = await readRunMetrics(
        ctx,
        r.training?.baseOutputDir ?? gsUri(ctx.config.artifactsBucket, `runs/${r.runId}/`),
      );
    } catch (err) {
      if ((err as Error).name !== 'MetricsError') throw err;
      o.metrics = { error: (err as Error).message };
    }
  }
  if (wanted.has('endpoint') || (wanted.has('gate') && (o.metrics || r.state === 'DEPLOYING'))) {
    o.endpoint = await ctx.ports.endpoint.getEndpoint();
    const live = liveModelOfRun(o.endpoint, r.runId);
    if (live && (r.state === 'DEPLOYING' || r.deploy?.operationName)) o.liveModelId = live.id;
    const serving = await servingRunOf(ctx, o.endpoint);
    if (serving) o.serving = serving;
  }
  if (wanted.has('operation') && r.deploy?.operationName)
    o.operation = await ctx.ports.endpoint.getOperation(r.deploy.operationName);
  if (wanted.has('undeploys') && r.deploy?.undeployPending)
    o.undeploys = await Promise.all(r.deploy.undeployPending.map((name) => ctx.ports.endpoint.getOperation(name)));
  return o;
}

/** A scoring run's reads: its file (label not required) and then the endpoint, or its batch job. */
async function observeScoring(
  ctx: StepContext,
  r: RunRecord,
  o: Observation,
  wanted: ReadonlySet<string>,
): Promise<Observation> {
  if (wanted.has('dataset') && r.dataset) {
    o.dataset = await checkDataset(ctx, r, 'scoring');
    // The version serving at the drop is only read for a file that will be scored.
    if (o.dataset.kind === 'ok') o.endpoint = await ctx.ports.endpoint.getEndpoint();
  }
  if (wanted.has('batch') && r.scoring?.jobName) o.batchJob = await ctx.ports.batch.getBatchJob(r.scoring.jobName);
  return o;
}
