// act: the only place that claims, calls a port and records a run's step. Each action writes the run record once
// (compare-and-swap through the state machine); endpoint actions hold the endpoint's lease. Returns whether the
// record changed (then the engine plans again) and the record as it now stands.
import { recordLatestDataset, allocateEndpointVersion } from '../ledger/pointers';
import { errorMessage, RetryableError } from '../pipeline/errors';
import type { Action } from '../pipeline/plan';
import { pinnedDatasetUri, type DatasetLineage, type RunRecord, type Stage } from '../pipeline/run-record';
import { REJECTED_PREFIX } from '../config';
import { classifyError } from '../pipeline/errors';
import { bandFor, runTrainingMachine } from '../pipeline/machine-bands';
import { deployedModelIdForRun, isAlreadyExists } from '../ports';
import { nowIso, type StepContext } from './context';
import { acquireEndpoint, cleanUp, pointAliases, recordTrafficMove, releaseEndpoint } from './endpoint';
import { finalizeRun } from './finalize';
import { toEvaluation, trainerManifest } from './metrics';
import { servingRunOf } from './observe';
import { registryModelExists, takeRegistryTurn } from './registry';
import { claimScoring, startScoring, writePredictions } from './scoring';
import { underClaim, UnrecordedEffectError } from './side-effect';

export interface Acted {
  record: RunRecord;
  changed: boolean;
  /** The claim this action took: the next plan may issue its side effect. */
  claimed?: Stage;
  outcome: string;
}

/**
 * Where the rejection report for a dataset goes (data bucket, outside the prefix, never a .csv). A rejected file to
 * score keeps its folder (`rejected/score/x.csv.reasons.json`), so it cannot overwrite a training file's report.
 */
export function rejectionReportName(config: StepContext['config'], name: string): string {
  if (name.startsWith(config.scoringPrefix)) return `${REJECTED_PREFIX}${name}.reasons.json`;
  return `${REJECTED_PREFIX}${name.slice(config.datasetPrefix.length)}.reasons.json`;
}

async function reject(ctx: StepContext, r: RunRecord, reasons: string[], problemCount: number): Promise<Acted> {
  const ds = r.dataset as DatasetLineage;
  const reportName = rejectionReportName(ctx.config, ds.name);
  const reportUri = `gs://${ctx.config.dataBucket}/${reportName}`;
  // The run record first: it is the source of truth; the report next to the data is a courtesy written after it.
  const { record, changed } = await ctx.ledger.update(r.runId, {
    type: 'reject',
    at: nowIso(ctx),
    reasons,
    problemCount,
    reportUri,
  });
  const report = {
    runId: r.runId,
    dataset: ds.uri,
    generation: ds.generation,
    rejectedAt: nowIso(ctx),
    problemCount,
    reasons,
  };
  try {
    await ctx.ports.store.write(ctx.config.dataBucket, reportName, `${JSON.stringify(report, null, 2)}\n`, {
      contentType: 'application/json',
    });
  } catch (err) {
    if (classifyError(err) === 'transient') throw err;
    ctx.log.error(
      { err, reportUri },
      `rejection report not written (the run record has the reasons): ${errorMessage(err)}`,
    );
  }
  if (changed) ctx.log.warn({ problemCount, reportUri, reasons: reasons.slice(0, 10) }, 'dataset rejected');
  return { record, changed, outcome: changed ? 'rejected' : 'duplicate' };
}

async function startBuild(ctx: StepContext, r: RunRecord, retaken: boolean): Promise<Acted> {
  const { runId } = r;
  const ds = r.dataset as DatasetLineage;
  let acted: Acted = { record: r, changed: false, outcome: 'duplicate' };
  await underClaim(ctx, runId, 'build', async () => {
    const existing = retaken ? await ctx.ports.builds.findBuildForRun(runId) : undefined;
    const build = existing ?? (await ctx.ports.builds.startBuild({ runId, datasetUri: ds.uri }));
    const { record, changed } = await ctx.ledger.update(runId, {
      type: 'buildStarted',
      at: nowIso(ctx),
      buildId: build.buildId,
      ...(build.logUrl ? { logUrl: build.logUrl } : {}),
    });
    ctx.log.info(
      { buildId: build.buildId, logUrl: build.logUrl, source: build.source },
      existing ? 'build found after a crash' : 'build started',
    );
    acted = { record, changed, outcome: existing ? 'build-found' : 'build-started' };
    return { outcome: acted.outcome };
  });
  return acted.changed
    ? acted
    : {
        record: (await ctx.ledger.get(runId)) ?? r,
        changed: false,
        outcome: acted.outcome === 'duplicate' ? 'failed' : acted.outcome,
      };
}

/**
 * The model directory (AIP_MODEL_DIR) of the version serving now, for the trainer to score on the candidate's own
 * hold-out (`--baseline-model-dir`, docs/trainer-contract.md section 7); undefined when nothing of ours serves.
 */
async function servingBaseline(
  ctx: StepContext,
  runId: string,
): Promise<{ runId: string; modelDir: string } | undefined> {
  const serving = await servingRunOf(ctx, await ctx.ports.endpoint.getEndpoint());
  const dir = serving && serving.runId !== runId ? serving.training?.baseOutputDir : undefined;
  return serving && dir ? { runId: serving.runId, modelDir: `${dir.replace(/\/?$/, '/')}model/` } : undefined;
}

async function startTraining(ctx: StepContext, r: RunRecord, retaken: boolean): Promise<Acted> {
  const { runId } = r;
  let acted: Acted | undefined;
  const result = await underClaim(ctx, runId, 'training', async () => {
    if (!(await takeRegistryTurn(ctx, runId))) {
      // Another run's first training is creating the registry model: give the claim back, the tick retakes it.
      const released = await ctx.ledger.update(runId, { type: 'releaseClaim', at: nowIso(ctx), stage: 'training' });
      acted = { ...released, changed: false, outcome: 'waiting-for-registry' };
      return { outcome: acted.outcome };
    }
    const existing = retaken ? await ctx.ports.training.findTrainingForRun(runId) : undefined;
    // A training found after a crash: which baseline its lost start passed is unknown, so none is recorded.
    const baseline = existing ? undefined : await servingBaseline(ctx, runId);
    const machineType = runTrainingMachine(r, ctx.config.trainingMachineType);
    const training =
      existing ??
      (await ctx.ports.training.startTraining({
        runId,
        imageUri: r.build?.imageUri as string,
        datasetUri: pinnedDatasetUri(r.dataset as DatasetLineage),
        endpointVersion: r.training?.endpointVersion as number,
        baseOutputDir: r.training?.baseOutputDir as string,
        ...(baseline ? { baselineModelDir: baseline.modelDir } : {}),
        machineType,
      }));
    let updated;
    try {
      updated = await ctx.ledger.update(runId, {
        type: 'trainingStarted',
        at: nowIso(ctx),
        trainingName: training.name,
        ...(baseline ? { baselineRunId: baseline.runId } : {}),
      });
    } catch (err) {
      if (classifyError(err) !== 'transient') throw err;
      throw new UnrecordedEffectError(`training ${training.name} started but not recorded: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    ctx.log.info(
      {
        training: training.name,
        endpointVersion: r.training?.endpointVersion,
        imageUri: r.build?.imageUri,
        machineType,
      },
      existing ? 'training found after a crash' : 'training started',
    );
    acted = { ...updated, outcome: existing ? 'training-found' : 'training-started' };
    return { outcome: acted.outcome };
  });
  return acted ?? { record: (await ctx.ledger.get(runId)) ?? r, changed: false, outcome: result.outcome };
}

/** Imports the run's evaluation into the registry (best effort: for people reading the registry). */
async function importEvaluation(ctx: StepContext, r: RunRecord): Promise<void> {
  const model = r.training?.model;
  if (!model || r.evaluation) return;
  try {
    const { manifest } = await trainerManifest(ctx.config.trainerDir);
    const evaluation = toEvaluation(r.runId, r.metrics ?? {}, manifest.task);
    await ctx.ports.registry.importEvaluation(model, evaluation);
    await ctx.ledger.update(r.runId, { type: 'evaluationImported', at: nowIso(ctx), evaluation });
  } catch (err) {
    ctx.log.error({ err }, `could not import the evaluation: ${errorMessage(err)}`);
  }
}

/**
 * Deploys a run holding the deploy claim, under the endpoint's lease. Every attempt asks for the same deployed model
 * id, so a deployment already started for the run makes deployModel answer ALREADY_EXISTS instead of a second one.
 */
async function retakeDeploy(ctx: StepContext, r: RunRecord): Promise<Acted> {
  const { runId } = r;
  {
    const claim = await ctx.ledger.update(runId, {
      type: 'claimDeploy',
      at: nowIso(ctx),
      leaseSeconds: ctx.config.claimLeaseSeconds,
      model: r.training?.model as { name: string; versionId: string },
      metrics: r.metrics ?? {},
      gate: r.gate as NonNullable<RunRecord['gate']>,
      requestedSplit: r.deploy?.requestedSplit ?? { '0': 100 },
    });
    if (!claim.changed) return { ...claim, outcome: 'duplicate' };
    return { ...claim, claimed: 'deploy', outcome: 'deploy-retaken' };
  }
}

async function deploy(ctx: StepContext, r: RunRecord): Promise<Acted> {
  const { runId } = r;
  if (!(await acquireEndpoint(ctx, runId))) {
    const released = await ctx.ledger.update(runId, { type: 'releaseClaim', at: nowIso(ctx), stage: 'deploy' });
    return { ...released, changed: false, outcome: 'endpoint-busy' };
  }
  const deployedModelId = deployedModelIdForRun(runId);
  let acted: Acted | undefined;
  const result = await underClaim(ctx, runId, 'deploy', async () => {
    await importEvaluation(ctx, r);
    const trafficSplit = r.deploy?.requestedSplit ?? { '0': 100 };
    let operationName: string;
    try {
      ({ operationName } = await ctx.ports.endpoint.deployModel({
        runId,
        model: r.training?.model as { name: string; versionId: string },
        endpointVersion: r.training?.endpointVersion as number,
        trafficSplit,
        deployedModelId,
      }));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Started by an earlier attempt whose record was lost: the tick records the run once the model is live.
      ctx.log.warn({ deployedModelId }, 'a deployment of this run is already in progress; waiting for it');
      return { outcome: 'deploy-in-progress' };
    }
    try {
      acted = {
        ...(await ctx.ledger.update(runId, { type: 'deployStarted', at: nowIso(ctx), operationName })),
        outcome: 'deploy-started',
      };
    } catch (err) {
      throw new UnrecordedEffectError(`deployment ${operationName} started but not recorded: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    ctx.log.info({ operationName, deployedModelId, trafficSplit }, 'deployment started');
    return { outcome: 'deploy-started' };
  });
  return acted ?? { record: (await ctx.ledger.get(runId)) ?? r, changed: false, outcome: result.outcome };
}

/** Carries out one action. Throws only transient errors (a permanent one fails the run where a claim guards it). */
export async function act(ctx: StepContext, r: RunRecord, a: Action): Promise<Acted> {
  const { runId } = r;
  const at = nowIso(ctx);
  const lease = ctx.config.claimLeaseSeconds;
  const same = (outcome: string): Acted => ({ record: r, changed: false, outcome });
  switch (a.kind) {
    case 'wait':
      if (a.retry) throw new RetryableError(`run ${runId}: ${a.why}`);
      return same('waiting');
    case 'done':
      return same('done');
    case 'reject':
      return reject(ctx, r, a.reasons, a.problemCount);
    case 'fail':
    case 'supersede': {
      const reason = a.kind === 'fail' ? a.reason : 'Superseded';
      const { record, changed } = await ctx.ledger.update(runId, {
        type: 'fail',
        at,
        from: a.from,
        reason,
        message: a.message,
      });
      if (changed)
        ctx.log[a.kind === 'fail' ? 'error' : 'warn'](
          { reason },
          `run ${a.kind === 'fail' ? 'failed' : 'superseded'}: ${a.message}`,
        );
      if (changed && r.state === 'DEPLOYING') await releaseEndpoint(ctx, runId);
      return { record, changed, outcome: a.kind === 'fail' ? 'failed' : 'superseded' };
    }
    case 'claimBuild': {
      if (r.state === 'RECEIVED' && r.dataset)
        await recordLatestDataset(ctx.ports.store, ctx.config.artifactsBucket, {
          runId,
          acceptedAt: at,
          dataset: r.dataset,
        });
      const claim = await ctx.ledger.update(runId, { type: 'claimBuild', at, leaseSeconds: lease });
      return {
        ...claim,
        outcome: claim.changed ? 'build-claimed' : 'duplicate',
        ...(claim.changed ? { claimed: 'build' } : {}),
      };
    }
    case 'startBuild':
      return startBuild(ctx, r, a.retaken);
    case 'claimTraining': {
      const claim = await ctx.ledger.update(runId, {
        type: 'claimTraining',
        at,
        leaseSeconds: lease,
        buildId: r.build?.id ?? a.buildId ?? '',
        ...((r.build?.logUrl ?? a.logUrl) ? { logUrl: r.build?.logUrl ?? a.logUrl } : {}),
        imageUri: a.image.uri,
        imageDigest: a.image.digest,
        baseOutputDir: `gs://${ctx.config.artifactsBucket}/runs/${runId}/`,
        // The dropped file's size picks the machine, once: a retaken claim trains on the recorded one.
        machineType: bandFor(ctx.config.trainingMachineBands, (r.dataset as DatasetLineage).size).machineType,
      });
      return {
        ...claim,
        outcome: claim.changed ? 'training-claimed' : 'duplicate',
        ...(claim.changed ? { claimed: 'training' } : {}),
      };
    }
    case 'allocateVersion': {
      const allocated = await allocateEndpointVersion(
        ctx.ports.store,
        ctx.config.artifactsBucket,
        ctx.config.endpointId,
      );
      const updated = await ctx.ledger.update(runId, {
        type: 'endpointVersionAllocated',
        at,
        endpointVersion: allocated,
      });
      return { ...updated, claimed: 'training', outcome: 'version-allocated' };
    }
    case 'startTraining':
      return startTraining(ctx, r, a.retaken);
    case 'hold': {
      const { record, changed } = await ctx.ledger.update(runId, {
        type: 'hold',
        at,
        model: a.model,
        metrics: a.metrics,
        gate: a.gate,
      });
      if (!changed) return { record, changed, outcome: 'duplicate' };
      await registryModelExists(ctx);
      ctx.log.warn({ gate: a.gate }, `version held by the quality gate: ${a.gate.reason}`);
      await importEvaluation(ctx, record);
      return { record: (await ctx.ledger.get(runId)) ?? record, changed, outcome: 'held' };
    }
    case 'claimDeploy': {
      await registryModelExists(ctx);
      if (!(await acquireEndpoint(ctx, runId))) return same('endpoint-busy');
      const claim = await ctx.ledger.update(runId, {
        type: 'claimDeploy',
        at,
        leaseSeconds: lease,
        model: a.model,
        metrics: a.metrics,
        gate: a.gate,
        requestedSplit: a.requestedSplit,
      });
      if (!claim.changed) return { ...claim, outcome: 'duplicate' };
      ctx.log.info({ gate: a.gate }, `quality gate passed: ${a.gate.reason}`);
      return { ...claim, claimed: 'deploy', outcome: 'deploy-claimed' };
    }
    case 'retakeDeploy':
      return retakeDeploy(ctx, r);
    case 'deploy':
      return deploy(ctx, r);
    case 'goLive': {
      await pointAliases(ctx, r);
      const endpoint = await ctx.ports.endpoint.getEndpoint();
      // Before the record: a go-live retried after a lost write appends nothing twice (the same move is a no-op).
      await recordTrafficMove(ctx, a.deployedModelId, endpoint);
      const { record, changed } = await ctx.ledger.update(runId, {
        type: 'deployed',
        at,
        deployedModelId: a.deployedModelId,
        traffic: endpoint.trafficSplit,
      });
      if (changed) ctx.log.info({ deployedModelId: a.deployedModelId, traffic: endpoint.trafficSplit }, 'run deployed');
      return { record, changed, outcome: changed ? 'deployed' : 'duplicate' };
    }
    case 'cleanUp': {
      if (!(await acquireEndpoint(ctx, runId))) return same('endpoint-busy');
      const { owners, pending } = await cleanUp(ctx, r);
      // Pending undeploys keep the lease: the next plan waits for them (finishUndeploys gives it back).
      if (pending.length === 0) await releaseEndpoint(ctx, runId);
      // The undeployed runs changed after they were final: the tick rewrites their reports.
      if (owners.length > 0) await ctx.ledger.inFlight.add(owners, at);
      return { record: (await ctx.ledger.get(runId)) ?? r, changed: true, outcome: 'cleaned-up' };
    }
    case 'finishUndeploys': {
      const updated = await ctx.ledger.update(runId, { type: 'undeploysFinished', at, failed: a.failed });
      for (const f of a.failed) ctx.log.error({ operationName: f.operationName }, `undeploy failed: ${f.error}`);
      await releaseEndpoint(ctx, runId);
      return { ...updated, outcome: updated.changed ? 'undeploys-finished' : 'duplicate' };
    }
    case 'finalize': {
      const changed = await finalizeRun(ctx, r);
      return { record: (await ctx.ledger.get(runId)) ?? r, changed, outcome: changed ? 'reported' : 'duplicate' };
    }
    case 'claimScoring':
      return claimScoring(ctx, r, a);
    case 'startScoring':
      return startScoring(ctx, r, a.retaken);
    case 'writePredictions':
      return writePredictions(ctx, r, a.job);
  }
}
