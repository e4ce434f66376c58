// The engine's decision, pure: (record, observation, config) → the one next action for a run. The engine observes
// (reads the record's build, training, operation, endpoint), asks `plan`, acts, and asks again while the action
// changed something. No I/O, no clock: the observation carries the time. Every state × observation pair is a row of
// test/functions/pipeline/plan.test.ts.
import {
  runIdOfDeployedModel,
  type BatchJobStatus,
  type BuildResource,
  type EndpointState,
  type OperationStatus,
  type TrainingStatus,
  type TrafficSplit,
} from '../ports';
import { decideGate, type GateDecision, type GateInputs, type GatePolicy } from '../contract/gate-comparison';
import { runKind, type DatasetLineage, type RunRecord, type RunState, type Stage } from './run-record';
import { claimExpired, isTerminal } from './run-state';
import { planDeploySplit, servingModel, type TrafficPolicy } from './traffic-split';

/** The Cloud Build statuses that end a build without an image. */
export const FAILED_BUILD_STATUSES: ReadonlySet<string> = new Set([
  'FAILURE',
  'INTERNAL_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'EXPIRED',
]);

/** What moved the engine to look at the run: an event of the run, the reconciler's tick or an operator. */
export type Source = 'dataset' | 'build' | 'training' | 'tick' | 'operator';

export type PlanConfig = {
  claimLeaseSeconds: number;
  trafficPolicy: TrafficPolicy;
};

/** The dataset as read for a RECEIVED run. */
export type DatasetCheck =
  { kind: 'ok'; rows: number } | { kind: 'gone' } | { kind: 'invalid'; reasons: string[]; problemCount: number };

/** Everything `plan` may look at besides the record; each field is read only where the state needs it. */
export interface Observation {
  now: string;
  source: Source;
  /** The previous action of this advance took this stage's claim: the caller may issue the side effect. */
  holdsClaim?: Stage;
  /** The newest generation of the run's dataset object, when it differs from the run's (a newer drop landed). */
  newerGeneration?: string;
  dataset?: DatasetCheck;
  build?: BuildResource;
  /** The pushed image the build reported, pinned by digest (undefined: the build reported none). */
  image?: { uri: string; digest: string };
  training?: TrainingStatus;
  /** The run's metrics.json (checked against the trainer's manifest) and the gate it is judged by. */
  metrics?: { file: GateInputs['candidate']; policy: GatePolicy } | { error: string };
  endpoint?: EndpointState;
  /** The run that serves now, if the ledger knows it. */
  serving?: Pick<RunRecord, 'runId' | 'metrics' | 'dataset'>;
  operation?: OperationStatus;
  /** The clean-up's undeploy operations still pending on the record, read back (a DEPLOYED run holding the lease). */
  undeploys?: OperationStatus[];
  /** The run's deployed model as the endpoint lists it (found after a lost record, or once live). */
  liveModelId?: string;
  /** Whether the first training (the one that creates the registry model) is someone else's and still running. */
  registryBusy?: boolean;
  /** A scoring run's batch job, read back by the name the record holds. */
  batchJob?: BatchJobStatus;
}

type ModelRef = { name: string; versionId: string };

export type Action =
  | { kind: 'wait'; why: string; retry?: boolean }
  | { kind: 'reject'; reasons: string[]; problemCount: number }
  | { kind: 'fail'; from: RunState[]; reason: string; message: string }
  | { kind: 'supersede'; from: RunState[]; message: string }
  | { kind: 'claimBuild' }
  | { kind: 'startBuild'; retaken: boolean }
  | { kind: 'claimTraining'; image: { uri: string; digest: string }; buildId?: string; logUrl?: string }
  | { kind: 'allocateVersion' }
  | { kind: 'startTraining'; retaken: boolean }
  | { kind: 'hold'; model: ModelRef; metrics: Record<string, number>; gate: GateDecision }
  | {
      kind: 'claimDeploy';
      model: ModelRef;
      metrics: Record<string, number>;
      gate: GateDecision;
      requestedSplit: TrafficSplit;
    }
  | { kind: 'retakeDeploy' }
  | { kind: 'deploy' }
  | { kind: 'goLive'; deployedModelId: string }
  | { kind: 'cleanUp' }
  /** The clean-up's undeploy operations are all done: record it and give the endpoint's lease back. */
  | { kind: 'finishUndeploys'; failed: { operationName: string; error: string }[] }
  | { kind: 'finalize' }
  | { kind: 'done' }
  /** A scoring run: take the claim on its batch job, with the version serving now (a retake keeps the recorded one). */
  | { kind: 'claimScoring'; model: ModelRef; deployedModelId: string; servingRunId?: string }
  | { kind: 'startScoring'; retaken: boolean }
  /** The job succeeded: merge its results into `<name>.predictions.csv` and record the summary. */
  | { kind: 'writePredictions'; job: BatchJobStatus };

/** Orders dataset generations (decimal strings beyond 2^53): a newer drop has a larger generation. */
export function newerGeneration(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** Whether `a`'s data is newer than `b`'s (by object generation; the run id breaks a tie). */
export function newerDrop(
  a: Pick<RunRecord, 'runId' | 'dataset'>,
  b: Pick<RunRecord, 'runId' | 'dataset'> | undefined,
): boolean {
  if (!b) return true;
  const ga = a.dataset?.generation;
  const gb = b.dataset?.generation;
  if (ga === gb) return a.runId > b.runId;
  return newerGeneration(ga, gb);
}

/** A claim its holder may still be acting on (taken, not released, lease not run out). */
function claimLive(claim: Parameters<typeof claimExpired>[0], o: Observation, c: PlanConfig): boolean {
  return !claimExpired(claim, o.now, c.claimLeaseSeconds);
}

/** The run stopped moving for a lease: the tick may retake what an acknowledged event left. */
function stalled(r: RunRecord, o: Observation, c: PlanConfig): boolean {
  return Date.parse(o.now) - Date.parse(r.updatedAt) >= c.claimLeaseSeconds * 1000;
}

function supersede(r: RunRecord, o: Observation): Action | undefined {
  if (o.newerGeneration === undefined || !r.dataset) return undefined;
  return {
    kind: 'supersede',
    from: [r.state],
    message: `generation ${o.newerGeneration} of ${r.dataset.uri} landed before generation ${r.dataset.generation} trained`,
  };
}

function planReceived(r: RunRecord, o: Observation, c: PlanConfig): Action {
  if (r.trigger !== 'dataset-drop' || !r.dataset) return { kind: 'wait', why: 'no dataset to check' };
  if (o.source === 'tick' && !stalled(r, o, c)) return { kind: 'wait', why: 'the drop event is being handled' };
  return supersede(r, o) ?? checkedDrop(r.dataset, o) ?? { kind: 'claimBuild' };
}

/** The drop check's verdict as an action (wait for it, the file gone, rejected); undefined for a valid file. */
function checkedDrop(ds: DatasetLineage, o: Observation): Action | undefined {
  const d = o.dataset;
  if (!d) return { kind: 'wait', why: 'dataset not read' };
  if (d.kind === 'gone')
    return {
      kind: 'fail',
      from: ['RECEIVED'],
      reason: 'DatasetGone',
      message: `generation ${ds.generation} of ${ds.uri} no longer exists`,
    };
  if (d.kind === 'invalid') return { kind: 'reject', reasons: d.reasons, problemCount: d.problemCount };
  return undefined;
}

function planBuilding(r: RunRecord, o: Observation, c: PlanConfig): Action {
  // A build notice can arrive before the build's id was recorded (the starter crashed after startBuild).
  if (!r.build?.id && !o.build) {
    if (o.holdsClaim === 'build') return { kind: 'startBuild', retaken: (r.build?.claim?.attempt ?? 1) > 1 };
    if (claimLive(r.build?.claim, o, c)) return { kind: 'wait', why: 'the build is being started' };
    if (r.trigger !== 'dataset-drop') return { kind: 'wait', why: 'a git-push run has no build to start' };
    return supersede(r, o) ?? { kind: 'claimBuild' };
  }
  const b = o.build;
  if (!b) return { kind: 'wait', why: 'build not read' };
  if (r.build?.id && b.id !== r.build.id) return { kind: 'wait', why: `build ${b.id} is not this run's` };
  if (FAILED_BUILD_STATUSES.has(b.status)) {
    const detail = b.failureInfo?.detail ?? b.statusDetail ?? '';
    return {
      kind: 'fail',
      from: ['BUILDING'],
      reason: `Build${b.status}`,
      message: `build ${b.id} ended ${b.status}${detail ? `: ${detail}` : ''}${b.logUrl ? ` (logs: ${b.logUrl})` : ''}`,
    };
  }
  if (b.status !== 'SUCCESS') return { kind: 'wait', why: `build ${b.status}` };
  if (!o.image)
    return {
      kind: 'fail',
      from: ['BUILDING'],
      reason: 'NoImageDigest',
      message: `build ${b.id} succeeded but reported no image digest`,
    };
  return (
    supersede(r, o) ?? {
      kind: 'claimTraining',
      image: o.image,
      ...(r.build?.id ? {} : { buildId: b.id, ...(b.logUrl ? { logUrl: b.logUrl } : {}) }),
    }
  );
}

function planTraining(r: RunRecord, o: Observation, c: PlanConfig): Action {
  const t = r.training;
  if (!t?.name && !o.training) {
    if (o.holdsClaim === 'training') {
      if (t?.endpointVersion === undefined) return { kind: 'allocateVersion' };
      return { kind: 'startTraining', retaken: (t.claim?.attempt ?? 1) > 1 };
    }
    if (claimLive(t?.claim, o, c))
      return { kind: 'wait', why: 'the training is being submitted', retry: o.source === 'training' };
    if (!r.build?.imageUri || !r.build.imageDigest) return { kind: 'wait', why: 'no image recorded' };
    if (o.registryBusy) return { kind: 'wait', why: 'the first training is creating the registry model' };
    return supersede(r, o) ?? { kind: 'claimTraining', image: { uri: r.build.imageUri, digest: r.build.imageDigest } };
  }
  const s = o.training;
  if (!s) return { kind: 'wait', why: 'training not read' };
  if (s.runId !== undefined && s.runId !== r.runId) return { kind: 'wait', why: `training ${s.name} is another run's` };
  if (s.state === 'PENDING' || s.state === 'RUNNING')
    return { kind: 'wait', why: `training ${s.name} is ${s.state}`, retry: o.source === 'training' };
  if (s.state !== 'SUCCEEDED' || !s.model) {
    const why = s.state === 'SUCCEEDED' ? 'succeeded without an uploaded model' : (s.error ?? 'no error given');
    return {
      kind: 'fail',
      from: ['TRAINING'],
      reason: `Training${s.state}`,
      message: `training ${s.name} ${s.state}: ${why}`,
    };
  }
  const m = o.metrics;
  if (!m) return { kind: 'wait', why: 'metrics not read' };
  if ('error' in m) return { kind: 'fail', from: ['TRAINING'], reason: 'MetricsMissing', message: m.error };
  if (!o.endpoint) return { kind: 'wait', why: 'endpoint not read' };
  // The trainer's baseline figures are like for like only while the run they scored still serves (a rollback or a
  // newer go-live while this one trained makes them another version's); else the serving run's recorded figure.
  const baselineRunId = r.training?.baselineRunId;
  const staleBaseline = m.file.baseline !== undefined && (!o.serving || baselineRunId !== o.serving.runId);
  const gate = decideGate(m.policy, {
    candidate: staleBaseline ? { ...m.file, baseline: undefined } : m.file,
    ...(o.serving?.metrics ? { servingRecorded: o.serving.metrics } : {}),
    ...(staleBaseline ? { staleBaseline: baselineRunId ?? 'unknown' } : {}),
  });
  const figures = usableFigures(m.file.metrics);
  if (!gate.promote) return { kind: 'hold', model: s.model, metrics: figures, gate };
  if (o.serving && o.serving.runId !== r.runId && newerDrop(o.serving, r))
    return {
      kind: 'supersede',
      from: ['TRAINING'],
      message: `a newer drop (run ${o.serving.runId}) already serves; an older drop never takes traffic from it`,
    };
  return {
    kind: 'claimDeploy',
    model: s.model,
    metrics: figures,
    gate,
    requestedSplit: planDeploySplit(o.endpoint, c.trafficPolicy),
  };
}

/** The candidate's figures the record keeps: numbers only (metrics.json writes an unusable metric as null). */
function usableFigures(values: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
  );
}

function planDeploying(r: RunRecord, o: Observation, c: PlanConfig): Action {
  const opName = r.deploy?.operationName;
  if (!opName) {
    if (o.liveModelId) return { kind: 'goLive', deployedModelId: o.liveModelId };
    if (o.holdsClaim === 'deploy') return { kind: 'deploy' };
    if (claimLive(r.deploy?.claim, o, c)) return { kind: 'wait', why: 'the deployment is being started' };
    if (o.serving && o.serving.runId !== r.runId && newerDrop(o.serving, r) && !r.override)
      return {
        kind: 'supersede',
        from: ['DEPLOYING'],
        message: `a newer drop (run ${o.serving.runId}) already serves; an older drop never takes traffic from it`,
      };
    return { kind: 'retakeDeploy' };
  }
  const op = o.operation;
  if (!op) return { kind: 'wait', why: 'operation not read' };
  if (!op.done) return { kind: 'wait', why: `deployment ${opName} running` };
  if (op.error)
    return {
      kind: 'fail',
      from: ['DEPLOYING'],
      reason: 'DeployFailed',
      message: `deployment ${opName} failed: ${op.error}`,
    };
  const id = op.deployedModelId ?? o.liveModelId;
  if (!id)
    return {
      kind: 'fail',
      from: ['DEPLOYING'],
      reason: 'DeployedModelMissing',
      message: `deployment ${opName} finished but no deployed model names run ${r.runId}`,
    };
  return { kind: 'goLive', deployedModelId: id };
}

/**
 * A scoring run: RECEIVED (validated with the label not required) → claim the batch job with the version serving
 * now → start it → follow it (the tick: no event announces its end) → write the predictions.
 */
function planScoring(r: RunRecord, o: Observation, c: PlanConfig): Action {
  if (r.state === 'RECEIVED') {
    if (!r.dataset) return { kind: 'wait', why: 'no file to score' };
    if (o.source === 'tick' && !stalled(r, o, c)) return { kind: 'wait', why: 'the drop event is being handled' };
    const checked = checkedDrop(r.dataset, o);
    if (checked) return checked;
    if (!o.endpoint) return { kind: 'wait', why: 'endpoint not read' };
    const serving = servingModel(o.endpoint);
    if (!serving)
      return {
        kind: 'fail',
        from: ['RECEIVED'],
        reason: 'NothingServing',
        message: 'no model version serves on the endpoint: a training run must deploy one before files can be scored',
      };
    const servingRunId = runIdOfDeployedModel(serving);
    return {
      kind: 'claimScoring',
      model: { name: serving.model, versionId: serving.modelVersionId },
      deployedModelId: serving.id,
      ...(servingRunId ? { servingRunId } : {}),
    };
  }
  if (r.state !== 'SCORING') return { kind: 'done' };
  const s = r.scoring;
  if (!s?.jobName) {
    if (o.holdsClaim === 'scoring') return { kind: 'startScoring', retaken: (s?.claim?.attempt ?? 1) > 1 };
    if (claimLive(s?.claim, o, c)) return { kind: 'wait', why: 'the batch job is being started' };
    if (!s?.model || !s.deployedModelId) return { kind: 'wait', why: 'no model version recorded' };
    return {
      kind: 'claimScoring',
      model: s.model,
      deployedModelId: s.deployedModelId,
      ...(s.servingRunId ? { servingRunId: s.servingRunId } : {}),
    };
  }
  const job = o.batchJob;
  if (!job) return { kind: 'wait', why: 'batch job not read' };
  if (job.state === 'PENDING' || job.state === 'RUNNING') return { kind: 'wait', why: `batch job ${job.state}` };
  if (job.state !== 'SUCCEEDED')
    return {
      kind: 'fail',
      from: ['SCORING'],
      reason: `Batch${job.state}`,
      message: `batch prediction job ${job.name} ${job.state}: ${job.error ?? 'no error given'}`,
    };
  return { kind: 'writePredictions', job };
}

/**
 * Whether the run is final and its report does not reflect its record yet. Scoring runs have no report: their
 * predictions file and summary are what they produce.
 */
export const needsFinalizing = (r: Pick<RunRecord, 'state' | 'report' | 'updatedAt' | 'kind'>): boolean =>
  isTerminal(r.state) && runKind(r) === 'training' && r.report?.of !== r.updatedAt;

/** Undeploy operations of the run's keep-K clean-up not yet seen done (the run keeps the endpoint until they are). */
export const undeploysPending = (r: Pick<RunRecord, 'state' | 'deploy'>): boolean =>
  r.state === 'DEPLOYED' && (r.deploy?.undeployPending?.length ?? 0) > 0;

/** A DEPLOYED run's keep-K clean-up not done yet (it never is once keep-K undeployed the run's own model). */
const cleanUpDue = (r: Pick<RunRecord, 'state' | 'deploy'>): boolean =>
  r.state === 'DEPLOYED' && !r.deploy?.undeployed && !r.deploy?.undeployedAt;

/**
 * Whether the run still has endpoint changes to make or see finish — its deployment, its clean-up, that clean-up's
 * undeploy operations — and so still needs the endpoint's lease (engine/endpoint.ts).
 */
export const needsEndpoint = (r: Pick<RunRecord, 'state' | 'deploy'>): boolean =>
  r.state === 'DEPLOYING' || cleanUpDue(r) || undeploysPending(r);

/** Undeploys pending: wait while one runs, else finish them (the failed ones named). */
function planUndeploys(o: Observation): Action {
  const ops = o.undeploys;
  if (!ops) return { kind: 'wait', why: 'undeploy operations not read' };
  const running = ops.find((op) => !op.done);
  if (running) return { kind: 'wait', why: `undeploy ${running.name} running` };
  const failed = ops.flatMap((op) => (op.error ? [{ operationName: op.name, error: op.error }] : []));
  return { kind: 'finishUndeploys', failed };
}

/** The one next action for the run. */
export function plan(r: RunRecord, o: Observation, c: PlanConfig): Action {
  if (runKind(r) === 'scoring') return planScoring(r, o, c);
  switch (r.state) {
    case 'RECEIVED':
      return planReceived(r, o, c);
    case 'BUILDING':
      return planBuilding(r, o, c);
    case 'TRAINING':
      return planTraining(r, o, c);
    case 'DEPLOYING':
      return planDeploying(r, o, c);
    case 'DEPLOYED':
      if (cleanUpDue(r)) return { kind: 'cleanUp' };
      if (undeploysPending(r)) return planUndeploys(o);
      return needsFinalizing(r) ? { kind: 'finalize' } : { kind: 'done' };
    default:
      return needsFinalizing(r) ? { kind: 'finalize' } : { kind: 'done' };
  }
}

/** What the engine must read for the next plan of `r` (so observe reads nothing the state does not need). */
export function needs(
  r: RunRecord,
): (
  'dataset' | 'object' | 'build' | 'training' | 'gate' | 'operation' | 'endpoint' | 'registry' | 'batch' | 'undeploys'
)[] {
  if (runKind(r) === 'scoring') {
    if (r.state === 'RECEIVED') return ['dataset', 'endpoint'];
    return r.state === 'SCORING' && r.scoring?.jobName ? ['batch'] : [];
  }
  switch (r.state) {
    case 'RECEIVED':
      return ['object', 'dataset'];
    case 'BUILDING':
      return r.build?.id ? ['build', 'object'] : ['object'];
    case 'TRAINING':
      return r.training?.name ? ['training', 'gate'] : ['training', 'gate', 'object', 'registry'];
    case 'DEPLOYING':
      return r.deploy?.operationName ? ['operation', 'endpoint'] : ['endpoint', 'gate'];
    case 'DEPLOYED':
      return undeploysPending(r) ? ['undeploys'] : [];
    default:
      return [];
  }
}

export type { DatasetLineage };
