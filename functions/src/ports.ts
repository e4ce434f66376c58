// The small interfaces between the event handlers and the outside world. Each Google Cloud service sits behind
// one port, with a cloud adapter (functions/src/gcp/) and a local twin (functions/src/local/), so the same handler
// code runs on both backends. Handlers and pipeline modules import only from here, never from @google-cloud/*.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Task } from './contract/manifest';
import type { RunCloudEvent } from './pipeline/run-event';

/** A stored object's identity and the lineage facts the store knows about it. */
export interface ObjectInfo {
  bucket: string;
  name: string;
  /** Decimal string: GCS generations exceed 2^53. */
  generation: string;
  size: number;
  /** Base64 MD5, as GCS reports it (absent for composite objects). */
  md5Hash?: string;
  contentType?: string;
  /** RFC 3339. */
  updated?: string;
}

/** A write lost a compare-and-swap race (GCS 412 Precondition Failed). Callers re-read and retry. */
export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailedError';
  }
}

/** A bounded read found the object larger than allowed (`read(…, {maxBytes})`); nothing was returned. */
export class ObjectTooLargeError extends Error {
  constructor(
    message: string,
    readonly size?: number,
  ) {
    super(message);
    this.name = 'ObjectTooLargeError';
  }
}

export interface WriteOptions {
  /**
   * Compare-and-swap: the write succeeds only if the object's current generation equals this value;
   * `'0'` means "only if the object does not exist". Throws PreconditionFailedError otherwise.
   */
  ifGenerationMatch?: string;
  contentType?: string;
}

/** A stream of one generation found that generation gone (overwritten or deleted: GCS answers 404). */
export class ObjectGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectGoneError';
  }
}

export interface ObjectStore {
  /**
   * The object's content and generation, or undefined if it does not exist. Throws ObjectTooLargeError if larger
   * than maxBytes (without reading more than that).
   */
  read(
    bucket: string,
    name: string,
    opts?: { maxBytes?: number },
  ): Promise<{ data: Buffer; info: ObjectInfo } | undefined>;
  /**
   * Exactly `generation` of the object, as a stream read in bounded memory (the caller checks the size first, with
   * stat). The stream errors with ObjectGoneError if that generation does not exist (any longer).
   */
  readStream(bucket: string, name: string, generation: string): Readable;
  stat(bucket: string, name: string): Promise<ObjectInfo | undefined>;
  write(bucket: string, name: string, data: Buffer | string, opts?: WriteOptions): Promise<ObjectInfo>;
  /**
   * Writes the chunks as one object, in bounded memory (for objects too large to hold: the scoring run's instances
   * and predictions). The object appears only once the source ended; if the source errors, nothing is written and the
   * call rejects with that error.
   */
  writeStream(
    bucket: string,
    name: string,
    source: AsyncIterable<Buffer | string>,
    opts?: Pick<WriteOptions, 'contentType'>,
  ): Promise<ObjectInfo>;
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
}

/** Every build of ours carries this tag (cloudbuild.yaml's `tags:`), so the project-wide cloud-builds topic can be filtered. */
export const BUILD_TAG = 'vertex-retrain';

/** The tag that names a data-drop build's run: Cloud Build tags are the only searchable field (`tags="run-…"`). */
export const runBuildTag = (runId: string): string => `run-${runId}`;

/** What a data-drop or git-push build must produce: the trainer image, tagged immutably. */
export interface TrainerBuildRequest {
  runId: string;
  datasetUri: string;
}

export interface BuildRef {
  buildId: string;
  logUrl?: string;
  /** What the build builds, for the log: the trigger and branch, or the source archive's URI. */
  source?: string;
}

/**
 * The fields of Cloud Build's Build resource the pipeline reads, enums as names (`SUCCESS`, `USER_BUILD_STEP`):
 * the shape of a `cloud-builds` notification's payload, so a build read back goes through the same step.
 */
export interface BuildResource {
  id: string;
  status: string;
  tags?: string[];
  substitutions?: Record<string, string>;
  logUrl?: string;
  results?: { images?: { name?: string; digest?: string }[] };
  failureInfo?: { type?: string; detail?: string };
  statusDetail?: string;
}

export interface BuildService {
  /**
   * Starts the trainer image build for a data drop (the trigger on main, or cloudbuild.yaml on the newest source
   * archive: docs/deploy.md); never waits for the build.
   */
  startBuild(req: TrainerBuildRequest): Promise<BuildRef>;
  /** Check-before-create after a crash: the build already started for this run (tag `run-<id>`), if any. */
  findBuildForRun(runId: string): Promise<BuildRef | undefined>;
  /**
   * The build as it is now (the reconciler reads it when its completion message never arrived). Throws if there is
   * no such build.
   */
  getBuild(buildId: string): Promise<BuildResource>;
}

export interface TrainingRequest {
  runId: string;
  /** `<repository>/<image>@sha256:…`: pinned by digest, never by a moving tag. */
  imageUri: string;
  datasetUri: string;
  endpointVersion: number;
  /** The run's folder; Vertex sets AIP_MODEL_DIR to `<baseOutputDir>/model/`. */
  baseOutputDir: string;
  /** The serving version's model directory (`--baseline-model-dir`); absent when nothing serves yet. */
  baselineModelDir?: string;
  /** The Vertex AI machine type of the training replica (the run's recorded `training.machineType`). */
  machineType: string;
}

export type TrainingState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface TrainingStatus {
  /** Full resource name of the training pipeline (or the local twin's job id). */
  name: string;
  state: TrainingState;
  runId?: string;
  /** Set once the pipeline uploaded the model: `projects/…/models/<id>` and its version id. */
  model?: { name: string; versionId: string };
  error?: string;
}

export interface TrainingService {
  /** Submits the training (a TrainingPipeline with a custom container task on Vertex); returns at once. */
  startTraining(req: TrainingRequest): Promise<{ name: string }>;
  /** Check-before-create after a crash: the training already submitted for this run (label `run_id`), if any. */
  findTrainingForRun(runId: string): Promise<{ name: string } | undefined>;
  getTraining(name: string): Promise<TrainingStatus>;
}

/** Percent of traffic per deployed model id; values sum to 100. Key "0" means "the model being deployed". */
export type TrafficSplit = Record<string, number>;

export interface DeployedModelInfo {
  id: string;
  /** `projects/…/models/<id>` */
  model: string;
  modelVersionId: string;
  displayName?: string;
}

export interface EndpointState {
  name: string;
  deployedModels: DeployedModelInfo[];
  trafficSplit: TrafficSplit;
}

export interface OperationStatus {
  name: string;
  done: boolean;
  error?: string;
  /** For a finished deploy: the id the endpoint gave the new deployed model. */
  deployedModelId?: string;
}

export interface DeployRequest {
  /** The adapter names the DeployedModel after it: deployedModelDisplayName(runId, endpointVersion). */
  runId: string;
  model: { name: string; versionId: string };
  endpointVersion: number;
  /** Must include key "0" for the model being deployed and sum to 100. */
  trafficSplit: TrafficSplit;
  /**
   * The DeployedModel id to give the deployment (1–10 digits, endpoint.proto). With it a second deploy for the same
   * run is refused with ALREADY_EXISTS even while the first is still in progress (and not yet listed on the endpoint).
   * Absent: the service picks an id.
   */
  deployedModelId?: string;
}

/** google.rpc.Code ALREADY_EXISTS: deployModel's answer when the requested deployed model id is taken. */
export const ALREADY_EXISTS = 6;

/**
 * Whether a port call failed with ALREADY_EXISTS: numeric gRPC `code` 6 as the Vertex client throws it, or the local
 * twin's AlreadyExistsError (by name, which is what survives the twin's RPC).
 */
export function isAlreadyExists(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | null;
  return e?.code === ALREADY_EXISTS || e?.name === 'AlreadyExistsError';
}

/**
 * The deployed model id of a run's deployment: 10 digits (no leading zero) from a hash of the run id, so every
 * attempt for the run asks for the same id (ids Vertex generates itself are, as seen, 19 digits long).
 */
export function deployedModelIdForRun(runId: string): string {
  const n = createHash('sha256').update(runId).digest().readBigUInt64BE(0);
  return String(1_000_000_000n + (n % 9_000_000_000n));
}

/**
 * The DeployedModel's display name for a run's deployment, on Vertex and on the twin alike: `v<N>-<runId>`. It is
 * how a deployed model on the endpoint leads back to its run without listing the ledger (runIdOfDeployedModel).
 */
export const deployedModelDisplayName = (runId: string, endpointVersion: number): string =>
  `v${endpointVersion}-${runId}`;

/** The run a deployed model was deployed for, read from its display name; undefined for a name not given by us. */
export function runIdOfDeployedModel(m: Pick<DeployedModelInfo, 'displayName'>): string | undefined {
  return /^v\d+-(.+)$/.exec(m.displayName ?? '')?.[1];
}

/**
 * A run's hold-out evaluation for the model registry: the figures under the trainer contract's names (metrics.json);
 * each adapter maps them to its registry's vocabulary for the task (Vertex: the classification or regression
 * metrics schema).
 */
export interface ModelEvaluation {
  displayName: string;
  task: Task;
  metrics: Record<string, number>;
}

export interface EndpointService {
  getEndpoint(): Promise<EndpointState>;
  /** Starts a deployment and returns its long-running operation's name; never waits for it. */
  deployModel(req: DeployRequest): Promise<{ operationName: string }>;
  undeployModel(deployedModelId: string, trafficSplit: TrafficSplit): Promise<{ operationName: string }>;
  /** Changes only the traffic split (rollback and canary promotion): no redeploy. */
  updateTrafficSplit(trafficSplit: TrafficSplit): Promise<{ operationName: string }>;
  getOperation(name: string): Promise<OperationStatus>;
}

export interface ModelRegistry {
  /** Moves the `default` alias (and adds aliases like `v3`) to a version: `projects/…/models/<id>@<version>`. */
  setVersionAliases(model: { name: string; versionId: string }, aliases: string[]): Promise<void>;
  importEvaluation(model: { name: string; versionId: string }, evaluation: ModelEvaluation): Promise<void>;
}

/** How the instances file is written. The pipeline writes JSONL objects: a CSV reaches the container as arrays. */
export type InstancesFormat = 'jsonl' | 'csv';

/** A BatchPredictionJob (Vertex) or its local twin: bulk scoring of a dropped file with the serving version. */
export interface BatchJobRequest {
  runId: string;
  /** The registry model version to score with (the one serving when the drop arrived). */
  model: { name: string; versionId: string };
  /** `gs://…` of the instances file. */
  inputUri: string;
  instancesFormat: InstancesFormat;
  /** `gs://…/` under which the job creates its results folder. */
  outputUriPrefix: string;
  /**
   * A field of each instance that identifies it and is not sent to the model: the output line carries it as `key`
   * instead of the instance (InstanceConfig.key_field).
   */
  keyField?: string;
}

/** A BatchPredictionJob state, as small as the pipeline needs (JobState in batch_prediction_job.proto's terms). */
export type BatchJobState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface BatchJobStatus {
  /** Full resource name (`projects/…/batchPredictionJobs/<id>`) or the local twin's. */
  name: string;
  state: BatchJobState;
  runId?: string;
  /** The model version the job scored with. */
  modelVersionId?: string;
  /** The folder holding `prediction.results-*` (and `prediction.errors_stats-*`) once the job writes. */
  outputDirectory?: string;
  /** Instances predicted, failed and not processed. */
  completion?: { successful: number; failed: number; incomplete: number };
  /** Replica-hours used (ResourcesConsumed): the billed quantity. */
  replicaHours?: number;
  /** RFC 3339. */
  startTime?: string;
  endTime?: string;
  error?: string;
}

export interface BatchPredictionService {
  /** Check-before-create: the run's job if one exists, else a new one. Returns at once (never waits for the job). */
  startBatchJob(req: BatchJobRequest): Promise<{ name: string }>;
  /** The job already created for this run (label `run_id`), if any. */
  findBatchJobForRun(runId: string): Promise<{ name: string } | undefined>;
  getBatchJob(name: string): Promise<BatchJobStatus>;
}

export interface Publisher {
  /** Publishes a JSON message; returns the message id. */
  publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string>;
}

/**
 * Where run transitions go (pipeline/run-event.ts builds them): the run-events topic on Google Cloud, an append-only
 * file in the stack folder locally. The engine publishes each transition once, after the ledger recorded it.
 */
export interface RunEvents {
  /** Resolves once the backend holds the event (Pub/Sub acknowledged the publish; the line is written). */
  publish(event: RunCloudEvent): Promise<void>;
}

/** Everything a handler may touch. Built once per process by the backend (gcp or local). */
export interface Ports {
  store: ObjectStore;
  builds: BuildService;
  training: TrainingService;
  endpoint: EndpointService;
  registry: ModelRegistry;
  publisher: Publisher;
  runEvents: RunEvents;
  batch: BatchPredictionService;
  /** Injected so pipeline decisions stay pure and tests control time. */
  now(): Date;
}

/**
 * The async methods of each port (`now` is synchronous): what the local stack's RPC exposes (local/rpc.ts) and what
 * the reliability suite's fault layer wraps. A method added to a port and not listed here does not compile.
 */
export const PORT_METHODS = {
  store: ['read', 'stat', 'write', 'writeStream', 'list'],
  builds: ['startBuild', 'findBuildForRun', 'getBuild'],
  training: ['startTraining', 'findTrainingForRun', 'getTraining'],
  endpoint: ['getEndpoint', 'deployModel', 'undeployModel', 'updateTrafficSplit', 'getOperation'],
  registry: ['setVersionAliases', 'importEvaluation'],
  publisher: ['publish'],
  runEvents: ['publish'],
  batch: ['startBatchJob', 'findBatchJobForRun', 'getBatchJob'],
} as const satisfies { [P in Exclude<keyof Ports, 'now'>]: readonly (keyof Ports[P])[] };

/** The port methods returning a stream, not a promise. */
export const STREAM_METHODS = { store: ['readStream'] } as const satisfies {
  [P in Exclude<keyof Ports, 'now'>]?: readonly (keyof Ports[P])[];
};

export type PortName = keyof typeof PORT_METHODS;
type StreamListed<P extends PortName> = P extends keyof typeof STREAM_METHODS
  ? (typeof STREAM_METHODS)[P][number]
  : never;
// Compile-time completeness: a method of a port in neither list makes `Unlisted` a name, not `never`.
type Unlisted = {
  [P in PortName]: Exclude<keyof Ports[P], (typeof PORT_METHODS)[P][number] | StreamListed<P>>;
}[PortName];
const everyMethodListed: [Unlisted] extends [never] ? true : false = true;
void everyMethodListed;
