// BatchPredictionService over a Vertex AI BatchPredictionJob: bulk scoring with the registry model version that
// serves at the moment of the drop, running the same custom container as the endpoint (its serving command, predict
// and health routes). The job reads JSONL instances from Cloud Storage and writes `prediction.results-*` JSONL files
// into a folder it creates under the output prefix. One job per scoring run: the job carries the run id in its
// display name and labels, and startBatchJob looks for that label before it creates anything, so a redelivered event
// gets the job that already exists.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { JobServiceClient } from '@google-cloud/aiplatform';
import type { BatchJobState, BatchJobStatus, BatchPredictionService } from '../ports';
import { parseGsUri } from '../pipeline/gs-uri';
import { type GcpSettings, locationName, modelVersionName, vertexApiEndpoint } from './settings';
import { APP_LABEL, runLabel } from './vertex-training';

// ---- The cloud adapter ---------------------------------------------------------------------------------------------

// JobState by number: LRO-decoded messages carry numeric enums, unary responses names. Pinned by a test against
// google/cloud/aiplatform/v1/job_state.proto.
export const JOB_STATES = [
  'JOB_STATE_UNSPECIFIED',
  'JOB_STATE_QUEUED',
  'JOB_STATE_PENDING',
  'JOB_STATE_RUNNING',
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_PAUSED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_UPDATING',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
] as const;

/**
 * The port's state for a JobState name or number. A partially succeeded job is SUCCEEDED: its completion counts say
 * how many instances failed, and merging the results names them. An expired job (queued too long) is FAILED.
 */
export function toBatchJobState(state: unknown): BatchJobState {
  const name = typeof state === 'number' ? JOB_STATES[state] : String(state ?? '');
  switch (name) {
    case 'JOB_STATE_SUCCEEDED':
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return 'SUCCEEDED';
    case 'JOB_STATE_FAILED':
    case 'JOB_STATE_EXPIRED':
      return 'FAILED';
    case 'JOB_STATE_CANCELLED':
      return 'CANCELLED';
    case 'JOB_STATE_RUNNING':
    case 'JOB_STATE_CANCELLING':
    case 'JOB_STATE_PAUSED':
    case 'JOB_STATE_UPDATING':
      return 'RUNNING';
    default:
      return 'PENDING';
  }
}

/** The job's display name: deterministic per run, so a job is recognisable in the console too. */
export const batchJobDisplayName = (runId: string): string => `${APP_LABEL}-score-${runLabel(runId)}`;

/** How the jobs run: one machine type, a fixed replica count (batch jobs do not autoscale), the job's identity. */
export interface BatchJobOptions {
  /** Default: the serving machine type. */
  machineType?: string;
  /** Default 1. */
  replicaCount?: number;
  /** Default: the serving service account. */
  serviceAccount?: string;
}

/** The client getter the adapter needs (GcpClients.job once clients.ts has it). */
export interface BatchClients {
  job(): JobServiceClient;
}

/** The generated client module alone, not the package index (see clients.ts VERTEX_CLIENT_MODULES). */
export const JOB_CLIENT_MODULE = '@google-cloud/aiplatform/build/src/v1/job_service_client';
type JobModule = { JobServiceClient: typeof JobServiceClient };
const jobClients = new Map<string, JobServiceClient>();

/** A lazily created, process-wide cached JobServiceClient for these settings. Creating this object loads nothing. */
export function lazyJobClient(settings: GcpSettings): BatchClients {
  const apiEndpoint = vertexApiEndpoint(settings);
  return {
    job() {
      let client = jobClients.get(apiEndpoint);
      if (!client) {
        const { JobServiceClient } = require(JOB_CLIENT_MODULE) as JobModule;
        client = new JobServiceClient({ apiEndpoint, projectId: settings.projectId });
        jobClients.set(apiEndpoint, client);
      }
      return client;
    },
  };
}

type Timestamp = { seconds?: unknown; nanos?: unknown } | null | undefined;

/** A decoded google.protobuf.Timestamp (seconds may come as a string or a Long) → RFC 3339. */
function isoTime(t: Timestamp): string | undefined {
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  const ms = Number(String(t.seconds)) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const count = (v: unknown): number => Number(String(v ?? 0));

export function createVertexBatch(
  settings: GcpSettings,
  clients: BatchClients,
  options: BatchJobOptions = {},
): BatchPredictionService {
  const parent = locationName(settings);
  const machineType = options.machineType ?? settings.servingMachineType;
  const replicaCount = options.replicaCount ?? 1;
  const serviceAccount = options.serviceAccount ?? settings.servingServiceAccount;

  async function findBatchJobForRun(runId: string): Promise<{ name: string } | undefined> {
    const [jobs] = await clients
      .job()
      .listBatchPredictionJobs(
        { parent, filter: `labels.run_id="${runLabel(runId)}"`, pageSize: 5 },
        { autoPaginate: false },
      );
    const name = jobs[0]?.name;
    return name ? { name } : undefined;
  }

  return {
    findBatchJobForRun,

    async startBatchJob(req) {
      parseGsUri(req.inputUri, 'inputUri');
      parseGsUri(req.outputUriPrefix, 'outputUriPrefix');
      const existing = await findBatchJobForRun(req.runId);
      if (existing) return existing;
      const batchPredictionJob = {
        displayName: batchJobDisplayName(req.runId),
        model: modelVersionName(req.model),
        inputConfig: { instancesFormat: req.instancesFormat, gcsSource: { uris: [req.inputUri] } },
        ...(req.instancesFormat === 'jsonl'
          ? { instanceConfig: { instanceType: 'object', ...(req.keyField ? { keyField: req.keyField } : {}) } }
          : req.keyField
            ? { instanceConfig: { keyField: req.keyField } }
            : {}),
        outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: req.outputUriPrefix } },
        dedicatedResources: {
          machineSpec: { machineType },
          startingReplicaCount: replicaCount,
          maxReplicaCount: replicaCount,
        },
        serviceAccount,
        labels: { run_id: runLabel(req.runId), app: APP_LABEL, kind: 'scoring' },
      };
      const [job] = await clients.job().createBatchPredictionJob({ parent, batchPredictionJob });
      if (!job.name) throw new Error(`Vertex AI created a batch prediction job for run ${req.runId} without a name`);
      return { name: job.name };
    },

    async getBatchJob(name): Promise<BatchJobStatus> {
      const [job] = await clients.job().getBatchPredictionJob({ name });
      const stats = job.completionStats;
      const startTime = isoTime(job.startTime);
      const endTime = isoTime(job.endTime);
      const replicaHours = job.resourcesConsumed?.replicaHours;
      return {
        name: job.name || name,
        state: toBatchJobState(job.state),
        ...(job.labels?.run_id ? { runId: job.labels.run_id } : {}),
        ...(job.modelVersionId ? { modelVersionId: job.modelVersionId } : {}),
        ...(job.outputInfo?.gcsOutputDirectory ? { outputDirectory: job.outputInfo.gcsOutputDirectory } : {}),
        ...(stats
          ? {
              completion: {
                successful: count(stats.successfulCount),
                failed: count(stats.failedCount),
                incomplete: count(stats.incompleteCount),
              },
            }
          : {}),
        ...(typeof replicaHours === 'number' ? { replicaHours } : {}),
        ...(startTime ? { startTime } : {}),
        ...(endTime ? { endTime } : {}),
        ...(job.error?.message ? { error: job.error.message } : {}),
      };
    },
  };
}
