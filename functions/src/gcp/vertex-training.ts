// TrainingService over a Vertex AI TrainingPipeline with a custom-container task: the Node equivalent of the Python
// SDK's `CustomContainerTrainingJob(container_uri, model_serving_container_image_uri, …).run(…)`. The pipeline trains
// with the digest-pinned trainer image and, on success, uploads the model as a new version of the registry model.
import type { TrainingRequest, TrainingService, TrainingState, TrainingStatus } from '../ports';
import type { GcpClients } from './clients';
import { isNotFound } from './grpc-errors';
import { trainingArgs } from '../contract/training-args';
import { toProtoValue } from './proto-value';
import { type GcpSettings, locationName, modelName } from './settings';

/** The training task definition for a CustomJobSpec (python-aiplatform's `schema.training_job.definition.custom_task`). */
export const CUSTOM_TASK_DEFINITION =
  'gs://google-cloud-aiplatform/schema/trainingjob/definition/custom_task_1.0.0.yaml';
export const APP_LABEL = 'vertex-retrain';
const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

/** Label values allow only `[a-z0-9_-]`, ≤63 chars: the run id as it is stored and filtered on. */
export const runLabel = (runId: string): string =>
  runId
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);

const topicName = (s: GcpSettings): string =>
  s.trainingEventsTopic.startsWith('projects/')
    ? s.trainingEventsTopic
    : `projects/${s.projectId}/topics/${s.trainingEventsTopic}`;

// PipelineState by number: LRO-decoded messages carry numeric enums, unary responses names. Pinned by a test against
// google/cloud/aiplatform/v1/pipeline_state.proto.
export const PIPELINE_STATES = [
  'PIPELINE_STATE_UNSPECIFIED',
  'PIPELINE_STATE_QUEUED',
  'PIPELINE_STATE_PENDING',
  'PIPELINE_STATE_RUNNING',
  'PIPELINE_STATE_SUCCEEDED',
  'PIPELINE_STATE_FAILED',
  'PIPELINE_STATE_CANCELLING',
  'PIPELINE_STATE_CANCELLED',
  'PIPELINE_STATE_PAUSED',
] as const;

/** The port's state for a PipelineState name or number (cancelling/paused pipelines are still "running"). */
export function toTrainingState(state: unknown): TrainingState {
  const name = typeof state === 'number' ? PIPELINE_STATES[state] : String(state ?? '');
  switch (name) {
    case 'PIPELINE_STATE_SUCCEEDED':
      return 'SUCCEEDED';
    case 'PIPELINE_STATE_FAILED':
      return 'FAILED';
    case 'PIPELINE_STATE_CANCELLED':
      return 'CANCELLED';
    case 'PIPELINE_STATE_RUNNING':
    case 'PIPELINE_STATE_CANCELLING':
    case 'PIPELINE_STATE_PAUSED':
      return 'RUNNING';
    default:
      return 'PENDING';
  }
}

export function createVertexTraining(
  settings: GcpSettings,
  clients: Pick<GcpClients, 'pipeline' | 'model'>,
): TrainingService {
  const parent = locationName(settings);
  let modelExists = false; // once it exists it stays (we never delete the registry model)

  /** Whether the registry model exists: first version → `modelId`, later ones → `parentModel`. */
  async function registryModelExists(): Promise<boolean> {
    if (modelExists) return true;
    try {
      await clients.model().getModel({ name: modelName(settings) });
      modelExists = true;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return modelExists;
  }

  const { train, serve } = settings.trainer;

  /** The CustomJobSpec, in proto3 JSON form, that the custom task reads from trainingTaskInputs. */
  function customJobSpec(req: TrainingRequest) {
    return {
      workerPoolSpecs: [
        {
          machineSpec: { machineType: req.machineType },
          replicaCount: 1,
          containerSpec: {
            imageUri: req.imageUri,
            // No command: the image's ENTRYPOINT (docs/trainer-contract.md section 3).
            ...(train?.command?.length ? { command: [...train.command] } : {}),
            args: trainingArgs(
              {
                env: 'vertex',
                endpointVersion: req.endpointVersion,
                data: req.datasetUri,
                runId: req.runId,
                ...(req.baselineModelDir ? { baselineModelDir: req.baselineModelDir } : {}),
              },
              train?.args ?? [],
            ),
            env: [
              { name: 'TRAINING_EVENTS_TOPIC', value: topicName(settings) },
              { name: 'RUN_ID', value: req.runId },
            ],
          },
        },
      ],
      baseOutputDirectory: { outputUriPrefix: req.baseOutputDir },
      serviceAccount: settings.trainingServiceAccount,
    };
  }

  return {
    async startTraining(req) {
      if (!DIGEST_PINNED.test(req.imageUri)) {
        throw new Error(`training image must be pinned by digest (…@sha256:<64 hex>), got ${req.imageUri}`);
      }
      const version = `v${req.endpointVersion}`;
      const trainingPipeline = {
        displayName: `${APP_LABEL}-${runLabel(req.runId)}`,
        trainingTaskDefinition: CUSTOM_TASK_DEFINITION,
        trainingTaskInputs: toProtoValue(customJobSpec(req)),
        modelToUpload: {
          displayName: settings.modelId,
          containerSpec: {
            imageUri: req.imageUri,
            command: [...serve.command],
            ...(serve.args?.length ? { args: [...serve.args] } : {}),
            predictRoute: serve.predictRoute,
            healthRoute: serve.healthRoute,
            ports: [{ containerPort: serve.port }],
          },
          labels: { run_id: runLabel(req.runId), endpoint_version: String(req.endpointVersion) },
          versionAliases: [version],
        },
        ...((await registryModelExists()) ? { parentModel: modelName(settings) } : { modelId: settings.modelId }),
        labels: { run_id: runLabel(req.runId), app: APP_LABEL },
      };
      const [pipeline] = await clients.pipeline().createTrainingPipeline({ parent, trainingPipeline });
      if (!pipeline.name) throw new Error(`Vertex AI created a training pipeline for run ${req.runId} without a name`);
      return { name: pipeline.name };
    },

    async findTrainingForRun(runId) {
      const [pipelines] = await clients
        .pipeline()
        .listTrainingPipelines(
          { parent, filter: `labels.run_id="${runLabel(runId)}"`, pageSize: 5 },
          { autoPaginate: false },
        );
      const name = pipelines[0]?.name;
      return name ? { name } : undefined;
    },

    async getTraining(name): Promise<TrainingStatus> {
      const [pipeline] = await clients.pipeline().getTrainingPipeline({ name });
      const uploaded = pipeline.modelToUpload;
      return {
        name: pipeline.name || name,
        state: toTrainingState(pipeline.state),
        ...(pipeline.labels?.run_id ? { runId: pipeline.labels.run_id } : {}),
        ...(uploaded?.name && uploaded.versionId
          ? { model: { name: uploaded.name, versionId: uploaded.versionId } }
          : {}),
        ...(pipeline.error?.message ? { error: pipeline.error.message } : {}),
      };
    },
  };
}
