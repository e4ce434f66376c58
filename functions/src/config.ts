// Configuration: the environment, read once, validated, typed. Env is injected (`parseConfig(env)`) so tests pass a
// plain object. Every problem names its variable, and all problems are reported together.
import { z } from 'zod';
import type { GateOverrides } from './contract/gate-comparison';
import { parseBandEntries, singleBand, type MachineBand } from './pipeline/machine-bands';
import { parseTrafficPolicy, type TrafficPolicy } from './pipeline/traffic-split';

/** Every variable the functions read (Terraform's function environment is checked against this list). */
export const CONFIG_VARIABLES = [
  'RETRAIN_ENV',
  'PROJECT_ID',
  'REGION',
  'DATA_BUCKET',
  'DATASET_PREFIX',
  'SCORING_PREFIX',
  'ARTIFACTS_BUCKET',
  'IMAGE_REPOSITORY',
  'IMAGE_NAME',
  'TRAINER_SOURCE_URI',
  'TRAINER_DIR',
  'BUILD_TRIGGER_ID',
  'TRAINER_SOURCE_POINTER',
  'TRAINING_EVENTS_TOPIC',
  'RUN_EVENTS_TOPIC',
  'ENDPOINT_ID',
  'MODEL_ID',
  'TRAINING_MACHINE_TYPE',
  'TRAINING_MACHINE_BANDS',
  'SERVING_MACHINE_TYPE',
  'TRAINING_SERVICE_ACCOUNT',
  'SERVING_SERVICE_ACCOUNT',
  'BUILD_SERVICE_ACCOUNT',
  'TRAFFIC_POLICY',
  'KEEP_DEPLOYED_VERSIONS',
  'MAX_EVENT_AGE_SECONDS',
  'MAX_DATASET_BYTES',
  'GATE_METRIC',
  'GATE_FLOOR',
  'GATE_TOLERANCE',
  'LOG_LEVEL',
  'CLAIM_LEASE_SECONDS',
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

/** Required with RETRAIN_ENV=vertex; local mode fills them with these stand-ins. */
export const LOCAL_DEFAULTS: Partial<Record<ConfigVariable, string>> = {
  PROJECT_ID: 'local-project',
  REGION: 'local',
  DATA_BUCKET: 'data',
  ARTIFACTS_BUCKET: 'artifacts',
  IMAGE_REPOSITORY: 'local/vertex-retrain',
  TRAINER_SOURCE_URI: 'local://trainer',
  TRAINING_EVENTS_TOPIC: 'training-events',
  RUN_EVENTS_TOPIC: 'run-events',
  ENDPOINT_ID: 'local-endpoint',
  MODEL_ID: 'local-model',
};
/** Required with RETRAIN_ENV=vertex only (local mode runs no service accounts). */
const VERTEX_ONLY = [
  'TRAINING_SERVICE_ACCOUNT',
  'SERVING_SERVICE_ACCOUNT',
  'BUILD_SERVICE_ACCOUNT',
] as const satisfies readonly ConfigVariable[];

/** Where the pipeline writes rejection reports in the data bucket: outside the watched prefix, never a .csv. */
export const REJECTED_PREFIX = 'rejected/';

/** What both backends read. */
interface SharedConfig {
  projectId: string;
  region: string;
  dataBucket: string;
  /** Ends with "/"; only `.csv` objects under it start runs. */
  datasetPrefix: string;
  /** Ends with "/"; a `.csv` object under it is scored by the serving version (a scoring run), not trained on. */
  scoringPrefix: string;
  artifactsBucket: string;
  /** Artifact Registry repository, e.g. `europe-west1-docker.pkg.dev/<project>/<repo>`. */
  imageRepository: string;
  imageName: string;
  /** `gs://bucket/object.tar.gz`: the trainer source archive Cloud Build builds from. */
  trainerSourceUri: string;
  /**
   * The trainer's folder (its trainer.yaml and dataset.schema.json), relative to the working directory: the
   * repository root locally, the function's source root in the cloud.
   */
  trainerDir: string;
  /**
   * `projects/<p>/locations/<l>/triggers/<id>`: with it, a data drop runs this Cloud Build trigger on main
   * (RunBuildTrigger) instead of building the source archive.
   */
  buildTriggerId?: string;
  /** `gs://…` object the git-push build rewrites to name the newest source archive; wins over trainerSourceUri. */
  trainerSourcePointer?: string;
  /** Topic (short id or `projects/…/topics/…`) the trainer reports training events to. */
  trainingEventsTopic: string;
  /** Topic (short id or `projects/…/topics/…`) every run transition is published on, as a CloudEvent. */
  runEventsTopic: string;
  /** Numeric endpoint id or full `projects/…/locations/…/endpoints/…` name. */
  endpointId: string;
  /** The registry model every run adds a version to. */
  modelId: string;
  /** The training machine when no band is configured, and of runs recorded before machine bands existed. */
  trainingMachineType: string;
  /**
   * Dataset size → training machine (pipeline/machine-bands.ts), from TRAINING_MACHINE_BANDS; unset: one band,
   * `trainingMachineType` for every size.
   */
  trainingMachineBands: MachineBand[];
  servingMachineType: string;
  trafficPolicy: TrafficPolicy;
  keepDeployedVersions: number;
  maxEventAgeSeconds: number;
  maxDatasetBytes: number;
  /** Overrides of the trainer manifest's gate; the manifest supplies the rest (contract/gate-comparison.ts gatePolicy). */
  gate: GateOverrides;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a claim on a side effect is honoured before a redelivery may retake it (check-before-create). */
  claimLeaseSeconds: number;
}

/** RETRAIN_ENV=local: the twins on this machine; the cloud names are the local stand-ins (LOCAL_DEFAULTS). */
export interface LocalConfig extends SharedConfig {
  env: 'local';
}

/** RETRAIN_ENV=vertex: Google Cloud; every cloud variable was given, the service accounts included. */
export interface VertexConfig extends SharedConfig {
  env: 'vertex';
  trainingServiceAccount: string;
  servingServiceAccount: string;
  buildServiceAccount: string;
}

export type Config = LocalConfig | VertexConfig;

/** `keys` of `config`, and nothing else: the part of the configuration a component reads. */
export function pickConfig<C extends Config, K extends keyof C>(config: C, keys: readonly K[]): Pick<C, K> {
  return Object.fromEntries(keys.map((k) => [k, config[k]])) as Pick<C, K>;
}

/** The configuration is invalid; `problems` has one line per variable, each starting with its name. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bucket = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'not a bucket name');
const text = z.string().min(1);
const email = z.string().regex(/^[^@\s]+@[^@\s]+$/, 'not a service account email');

const SCHEMA = {
  RETRAIN_ENV: z.enum(['local', 'vertex']).default('local'),
  PROJECT_ID: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'not a project id'),
  REGION: z.string().regex(/^[a-z0-9-]+$/, 'not a region'),
  DATA_BUCKET: bucket,
  DATASET_PREFIX: z
    .string()
    .default('datasets/')
    .refine((p) => p.endsWith('/') && !p.startsWith('/'), 'must be a folder like "datasets/"')
    .refine((p) => !p.startsWith(REJECTED_PREFIX), `must not be under ${REJECTED_PREFIX} (the pipeline writes there)`),
  SCORING_PREFIX: z
    .string()
    .default('score/')
    .refine((p) => p.endsWith('/') && !p.startsWith('/'), 'must be a folder like "score/"')
    .refine((p) => !p.startsWith(REJECTED_PREFIX), `must not be under ${REJECTED_PREFIX} (the pipeline writes there)`),
  ARTIFACTS_BUCKET: bucket,
  IMAGE_REPOSITORY: text,
  IMAGE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]*$/, 'not an image name')
    .default('trainer'),
  TRAINER_SOURCE_URI: text,
  TRAINER_DIR: text.default('trainer'),
  BUILD_TRIGGER_ID: z
    .string()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/triggers\/[^/]+$/, 'not projects/<p>/locations/<l>/triggers/<id>')
    .optional(),
  TRAINER_SOURCE_POINTER: z
    .string()
    .regex(/^gs:\/\/[^/]+\/.+$/, 'not gs://bucket/object')
    .optional(),
  TRAINING_EVENTS_TOPIC: text,
  RUN_EVENTS_TOPIC: text,
  ENDPOINT_ID: text,
  MODEL_ID: text,
  TRAINING_MACHINE_TYPE: text.default('n1-standard-4'),
  // Unset: every dataset trains on TRAINING_MACHINE_TYPE. The default band is filled in below, where that type is known.
  TRAINING_MACHINE_BANDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return v === undefined || v.trim() === '' ? undefined : parseBandEntries(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  SERVING_MACHINE_TYPE: text.default('n1-standard-2'),
  TRAINING_SERVICE_ACCOUNT: email.optional(),
  SERVING_SERVICE_ACCOUNT: email.optional(),
  BUILD_SERVICE_ACCOUNT: email.optional(),
  TRAFFIC_POLICY: z
    .string()
    .default('replace')
    .transform((v, ctx) => {
      try {
        return parseTrafficPolicy(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  // 2 at least: the previous version must stay deployed (at 0 %) for an instant rollback.
  KEEP_DEPLOYED_VERSIONS: int(2, 20).default(2),
  MAX_EVENT_AGE_SECONDS: int(60).default(86400),
  // 2 GiB: the drop check streams the object, so the cap bounds the work, not the memory.
  MAX_DATASET_BYTES: int(1).default(2147483648),
  // Unset: the trainer manifest's gate (trainer.yaml `gate`); a metric is checked against its declared metrics.
  GATE_METRIC: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'not a metric name')
    .optional(),
  GATE_FLOOR: z.coerce.number().finite().optional(),
  GATE_TOLERANCE: z.coerce.number().finite().min(0).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Longer than the 540 s ceiling of an event function, so a claim holder that is still running is never presumed dead.
  CLAIM_LEASE_SECONDS: int(10).default(600),
} satisfies Record<ConfigVariable, z.ZodType>;

type VertexOnly = (typeof VERTEX_ONLY)[number];
/** What the loop in parseConfig has checked: every value parsed, and in vertex mode the vertex-only ones present. */
type Parsed = { [K in Exclude<ConfigVariable, VertexOnly | 'RETRAIN_ENV'>]: z.output<(typeof SCHEMA)[K]> } & (
  { RETRAIN_ENV: 'local' } | ({ RETRAIN_ENV: 'vertex' } & Record<VertexOnly, string>)
);

/** Reads and validates the configuration. Empty strings count as unset. Throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const raw = (name: ConfigVariable): string | undefined => (env[name] === '' ? undefined : env[name]);
  const vertex = raw('RETRAIN_ENV') === 'vertex';
  const vertexOnly: readonly ConfigVariable[] = VERTEX_ONLY;
  const out: Partial<Record<ConfigVariable, unknown>> = {};
  for (const name of CONFIG_VARIABLES) {
    let value = raw(name);
    if (value === undefined && !vertex) value = LOCAL_DEFAULTS[name];
    if (value === undefined && vertex && (name in LOCAL_DEFAULTS || vertexOnly.includes(name))) {
      problems.push(`${name}: required when RETRAIN_ENV=vertex`);
      continue;
    }
    const result = SCHEMA[name].safeParse(value);
    if (result.success) out[name] = result.data;
    else
      problems.push(`${name}: ${result.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(value)})`);
  }
  // A drop must be one kind of run: neither folder may contain the other.
  const [drops, scoring] = [out.DATASET_PREFIX, out.SCORING_PREFIX];
  if (
    typeof drops === 'string' &&
    typeof scoring === 'string' &&
    (drops.startsWith(scoring) || scoring.startsWith(drops))
  )
    problems.push(`SCORING_PREFIX: must not overlap DATASET_PREFIX (got "${scoring}" and "${drops}")`);
  if (problems.length > 0) throw new ConfigError(problems);
  const v = out as Parsed;
  const shared: SharedConfig = {
    projectId: v.PROJECT_ID,
    region: v.REGION,
    dataBucket: v.DATA_BUCKET,
    datasetPrefix: v.DATASET_PREFIX,
    scoringPrefix: v.SCORING_PREFIX,
    artifactsBucket: v.ARTIFACTS_BUCKET,
    imageRepository: v.IMAGE_REPOSITORY,
    imageName: v.IMAGE_NAME,
    trainerSourceUri: v.TRAINER_SOURCE_URI,
    trainerDir: v.TRAINER_DIR,
    ...(v.BUILD_TRIGGER_ID ? { buildTriggerId: v.BUILD_TRIGGER_ID } : {}),
    ...(v.TRAINER_SOURCE_POINTER ? { trainerSourcePointer: v.TRAINER_SOURCE_POINTER } : {}),
    trainingEventsTopic: v.TRAINING_EVENTS_TOPIC,
    runEventsTopic: v.RUN_EVENTS_TOPIC,
    endpointId: v.ENDPOINT_ID,
    modelId: v.MODEL_ID,
    trainingMachineType: v.TRAINING_MACHINE_TYPE,
    trainingMachineBands: v.TRAINING_MACHINE_BANDS ?? singleBand(v.TRAINING_MACHINE_TYPE),
    servingMachineType: v.SERVING_MACHINE_TYPE,
    trafficPolicy: v.TRAFFIC_POLICY,
    keepDeployedVersions: v.KEEP_DEPLOYED_VERSIONS,
    maxEventAgeSeconds: v.MAX_EVENT_AGE_SECONDS,
    maxDatasetBytes: v.MAX_DATASET_BYTES,
    gate: {
      ...(v.GATE_METRIC !== undefined ? { metric: v.GATE_METRIC } : {}),
      ...(v.GATE_FLOOR !== undefined ? { floor: v.GATE_FLOOR } : {}),
      ...(v.GATE_TOLERANCE !== undefined ? { tolerance: v.GATE_TOLERANCE } : {}),
    },
    logLevel: v.LOG_LEVEL,
    claimLeaseSeconds: v.CLAIM_LEASE_SECONDS,
  };
  if (v.RETRAIN_ENV === 'local') return { env: 'local', ...shared };
  return {
    env: 'vertex',
    ...shared,
    trainingServiceAccount: v.TRAINING_SERVICE_ACCOUNT,
    servingServiceAccount: v.SERVING_SERVICE_ACCOUNT,
    buildServiceAccount: v.BUILD_SERVICE_ACCOUNT,
  };
}
