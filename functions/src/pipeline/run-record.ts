// The run record: one JSON document per run (gs://<ARTIFACTS_BUCKET>/runs/<runId>.json) holding the run's state and
// its whole lineage, dataset to deployed model. Only run-state.ts decides how it changes; only the ledger writes it.
import type { ModelEvaluation, TrafficSplit } from '../ports';
import type { CostEstimate } from './cost';
import type { BatchSummary } from './batch-results';
import type { GateDecision } from '../contract/gate-comparison';

export const RUN_STATES = [
  'RECEIVED',
  'REJECTED',
  'BUILDING',
  'TRAINING',
  'DEPLOYING',
  'DEPLOYED',
  'FAILED',
  'HELD',
  // A scoring run (kind 'scoring'): RECEIVED → SCORING (its batch job) → SCORED, or REJECTED / FAILED.
  'SCORING',
  'SCORED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States a run never leaves. */
export const TERMINAL_STATES: ReadonlySet<RunState> = new Set(['REJECTED', 'DEPLOYED', 'FAILED', 'HELD', 'SCORED']);

export type Trigger = 'dataset-drop' | 'git-push' | 'scoring-drop';
/** What a run does: train (and deploy) a new version, or score a dropped file with the serving one. */
export type RunKind = 'training' | 'scoring';
/** The stage whose side effect a claim guards. */
export type Stage = 'build' | 'training' | 'deploy' | 'scoring';

/** A run's kind: records written before scoring existed have none and are training runs. */
export const runKind = (r: Pick<RunRecord, 'kind'>): RunKind => r.kind ?? 'training';

/** A claim on a side effect: who may act, since when (RFC 3339), and how many times it was (re)claimed. */
export interface Claim {
  at: string;
  attempt: number;
  /** Set when the holder gave up after a transient error: the next delivery may retake the claim at once. */
  released?: boolean;
}

export interface DatasetLineage {
  uri: string;
  bucket: string;
  name: string;
  generation: string;
  size: number;
  md5Hash?: string;
  rows?: number;
}

/**
 * The dataset as the trainer must read it: `gs://bucket/name#generation` (gsutil's notation), so a file overwritten
 * after it was validated is never what a run trains on — the data bucket keeps old generations (versioning on).
 */
export const pinnedDatasetUri = (ds: Pick<DatasetLineage, 'uri' | 'generation'>): string =>
  `${ds.uri}#${ds.generation}`;

export interface RunError {
  at: string;
  stage: RunState;
  reason: string;
  message: string;
}

/**
 * An operator's traffic change on the endpoint (`promote` a canary, `rollback`), recorded on both runs it moved
 * traffic between: `to` gained traffic, `from` lost it (absent when the losing model has no run in the ledger).
 */
export interface TrafficChange {
  at: string;
  action: 'promote' | 'rollback';
  to: string;
  from?: string;
  /** Who asked for it (the operator's user name). */
  by: string;
  /** The endpoint's split after the change (deployed model id → percent). */
  split: TrafficSplit;
  operationName?: string;
}

/** A HELD run deployed by an operator despite the gate (`vertex-retrain promote <run>`). */
export interface GateOverride {
  at: string;
  by: string;
}

/**
 * The run's cost estimate and the figures it was computed from (durations from `stages`, the training machine from
 * `training.machineType`, the others from config).
 */
export interface RunCost extends CostEstimate {
  basis: {
    buildSeconds: number;
    buildMachineType: string;
    trainingSeconds: number;
    trainingMachineType: string;
    servingMachineType: string;
    deployedNodes: number;
  };
}

/** A scoring run's batch job and what it produced (pipeline/batch-results.ts BatchSummary). */
export interface ScoringSection {
  claim?: Claim;
  /** The registry version serving when the drop was accepted: the job scores with it. */
  model?: { name: string; versionId: string };
  /** The serving deployed model and the run that deployed it. */
  deployedModelId?: string;
  servingRunId?: string;
  /** The JSONL instances written for the job, and the prefix it writes its results under. */
  inputUri?: string;
  outputUriPrefix?: string;
  /** The BatchPredictionJob's resource name (or the local twin's). */
  jobName?: string;
  /** `gs://…/<name>.predictions.csv`, next to the dropped file. */
  predictionsUri?: string;
  summary?: BatchSummary;
}

export interface RunRecord {
  schemaVersion: 1;
  runId: string;
  /** Absent: a training run (see runKind). */
  kind?: RunKind;
  state: RunState;
  trigger: Trigger;
  createdAt: string;
  updatedAt: string;
  /** When the run entered each state it went through. */
  stages: Partial<Record<RunState, string>>;
  dataset?: DatasetLineage;
  rejection?: { reasons: string[]; problemCount: number; reportUri?: string };
  build?: { claim?: Claim; id?: string; logUrl?: string; imageUri?: string; imageDigest?: string };
  training?: {
    claim?: Claim;
    endpointVersion?: number;
    baseOutputDir?: string;
    /** The machine it trains on, picked by the dataset's size when the run entered TRAINING (TRAINING_MACHINE_BANDS). */
    machineType?: string;
    name?: string;
    /**
     * The serving run whose model the training got as --baseline-model-dir (absent: none given). The gate takes the
     * trainer's baseline figures as like for like only while that run still serves.
     */
    baselineRunId?: string;
    model?: { name: string; versionId: string };
  };
  metrics?: Record<string, number>;
  gate?: GateDecision;
  deploy?: {
    claim?: Claim;
    /** The split sent with the deploy request (key "0" = this run's model). */
    requestedSplit?: TrafficSplit;
    operationName?: string;
    deployedModelId?: string;
    /** The endpoint's split once the deployment was live. */
    traffic?: TrafficSplit;
    /** Older deployed models undeployed after this one went live (keep-K). */
    undeployed?: { deployedModelId: string; operationName?: string; error?: string }[];
    /**
     * The operations of those undeploys not yet seen done: the run keeps the endpoint's lease until they are, so no
     * endpoint change overlaps them. Absent on records written before the lease covered them.
     */
    undeployPending?: string[];
    /** When every undeploy operation of the clean-up was seen done. */
    undeploysFinishedAt?: string;
    /** When keep-K undeployed this run's own model, and after which run went live. */
    undeployedAt?: string;
    undeployedBy?: string;
    undeployOperation?: string;
    /** Operator traffic changes after go-live (promote a canary, rollback), oldest first; `traffic` stays the go-live split. */
    trafficChanges?: TrafficChange[];
  };
  /** The evaluation imported into the Model Registry for this run's version. */
  evaluation?: ModelEvaluation & { importedAt: string };
  /** Set when an operator deployed a HELD version (`promote`); `gate` still holds the gate's own decision. */
  override?: GateOverride;
  /** Computed when the run reaches a terminal state (and again after an operator change). */
  cost?: RunCost;
  /** Set on scoring runs only. */
  scoring?: ScoringSection;
  /** The HTML run report; `of` equals `updatedAt` while the report shows the record as it stands. */
  report?: { uri: string; writtenAt: string; of: string };
  errors: RunError[];
}

/** A fresh record for a run that has just been seen. */
export function newRunRecord(runId: string, trigger: Trigger, at: string, dataset?: DatasetLineage): RunRecord {
  return {
    schemaVersion: 1,
    runId,
    state: 'RECEIVED',
    trigger,
    createdAt: at,
    updatedAt: at,
    stages: { RECEIVED: at },
    ...(dataset ? { dataset } : {}),
    errors: [],
  };
}

/**
 * A record for a git-push build (a Cloud Build trigger, not a dataset drop): the build already exists, so the run
 * starts in BUILDING with the build recorded and trains on the latest accepted dataset.
 */
export function newGitPushRecord(
  runId: string,
  at: string,
  build: { id: string; logUrl?: string },
  dataset: DatasetLineage,
): RunRecord {
  const base = newRunRecord(runId, 'git-push', at, dataset);
  return { ...base, state: 'BUILDING', stages: { ...base.stages, BUILDING: at }, build: { ...build } };
}

/** A fresh scoring run for a file dropped under the scoring prefix. */
export function newScoringRecord(runId: string, at: string, dataset: DatasetLineage): RunRecord {
  return { ...newRunRecord(runId, 'scoring-drop', at, dataset), kind: 'scoring' };
}
