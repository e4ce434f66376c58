// The local stack: every cloud box of the flow on one machine. It owns the twins (Cloud Build, Vertex training,
// model registry, endpoint with its replicas), the Pub/Sub/Eventarc router, the data bucket watcher, the reconcile
// tick, and the four functions, each in its own functions-framework server. Everything binds 127.0.0.1. State is on
// disk under the root folder, so a stack started after a crash carries on where the last one stopped.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadManifest } from '../contract/manifest';
import { endpointName } from '../pipeline/resource-names';
import { PUBSUB_PUBLISHED, STORAGE_FINALIZED, storageFinalizedEvent } from './cloud-events';
import { ControlServer } from './control-server';
import { dashboardHandler } from './dashboard/handler';
import { localDashboardDeps } from './dashboard/local-deps';
import { DatasetWatcher } from './dataset-watcher';
import { LocalEndpointService } from './endpoint-twin';
import { EventRouter } from './event-router';
import type { RouterOptions } from './event-router';
import { FunctionServer, frameworkMain } from './function-server';
import { LocalBatchPredictionService } from './batch-twin';
import { LocalBuildService } from './build-twin';
import { HostPrograms } from './host-interpreter';
import { imageRecipe } from './image-builder';
import { localLayout } from './layout';
import type { LocalLayout } from './layout';
import { LocalModelRegistry } from './model-registry-twin';
import { LocalObjectStore, setBucketConfig } from './object-store';
import { pauseHook } from './pause-hook';
import { LOCAL_CONTROL_TOKEN_ENV } from './rpc';
import { ServingReplicas } from './serving-replicas';
import {
  CLOUD_BUILDS_TOPIC,
  LOCAL_CONTROL_URL_ENV,
  LOCAL_DIR_ENV,
  LOCAL_NAMES,
  projectRoot,
  RECONCILE_TOPIC,
} from './settings';
import type { CloudNames } from './settings';
import { LocalTrainingService } from './training-twin';

/** The default trainer's folder: `<repository>/trainer`. */
export const defaultTrainerDir = (): string => join(projectRoot(), 'trainer');

/**
 * The host programs a trainer's image needs in local mode, checked now: its commands (Dockerfile ENTRYPOINT, serving
 * command) and the manifest's `local.requires`. Throws (HostRequirementError naming what to install, or the
 * manifest's / Dockerfile's problems) so that nothing starts for a trainer this machine cannot run.
 */
export async function checkTrainerHost(trainerDir: string, host = trainerHost(trainerDir)): Promise<HostPrograms> {
  const recipe = await imageRecipe(trainerDir);
  await host.check([recipe.entrypoint, recipe.servingCommand]);
  return host;
}

/** The host programs for a trainer's commands, with its manifest's `local.requires`. */
export function trainerHost(trainerDir: string): HostPrograms {
  return new HostPrograms(async () => (await loadManifest(trainerDir)).manifest.local?.requires ?? []);
}

export type StackLog = (event: string, fields?: Record<string, unknown>) => void;

export interface StackOptions {
  /** The stack's folder (default `.vertex-retrain`). */
  root?: string;
  /** The control server's port: the endpoint's predict URL lives there. 0 = any free port. */
  port?: number;
  names?: CloudNames;
  /**
   * The trainer folder (its trainer.yaml, Dockerfile, dataset schema): what the build twin builds and the functions
   * check drops against (their TRAINER_DIR). Default: the repository's `trainer/`.
   */
  trainerDir?: string;
  /** The host programs for the trainer's commands, when the caller checked them already (checkTrainerHost). */
  host?: HostPrograms;
  /** Extra environment for the function processes (e.g. TRAFFIC_POLICY). */
  functionEnv?: Record<string, string>;
  reconcileIntervalMs?: number;
  /** How long a file copied into the drop folder must stay unchanged before it starts a run (dataset-watcher.ts). */
  dropStableMs?: number;
  router?: Partial<RouterOptions>;
  /** The module registering the functions (default: the compiled dist/functions/src/local/function-entry.js). */
  functionSource?: string;
  /** Node options for the function processes (tests run the TypeScript sources with `['--import', 'tsx']`). */
  functionExecArgv?: string[];
  log?: StackLog;
}

/** The function targets and what triggers each. */
export function functionTriggers(names: CloudNames) {
  return [
    { target: 'onDatasetFinalized', eventType: STORAGE_FINALIZED, bucket: names.dataBucket },
    { target: 'onBuildStatus', eventType: PUBSUB_PUBLISHED, topic: CLOUD_BUILDS_TOPIC },
    { target: 'onTrainingStatus', eventType: PUBSUB_PUBLISHED, topic: names.trainingEventsTopic },
    { target: 'onReconcileTick', eventType: PUBSUB_PUBLISHED, topic: RECONCILE_TOPIC },
  ];
}

export class LocalStack {
  readonly layout: LocalLayout;
  readonly names: CloudNames;
  readonly store: LocalObjectStore;
  readonly router: EventRouter;
  readonly registry: LocalModelRegistry;
  readonly builds: LocalBuildService;
  readonly training: LocalTrainingService;
  readonly replicas: ServingReplicas;
  readonly endpoint: LocalEndpointService;
  readonly batch: LocalBatchPredictionService;
  readonly watcher: DatasetWatcher;
  readonly scoringWatcher: DatasetWatcher;
  readonly functions: FunctionServer[] = [];
  /** Absolute. */
  readonly trainerDir: string;
  private readonly host: HostPrograms;
  private readonly control: ControlServer;
  private readonly log: StackLog;
  private ticker: NodeJS.Timeout | undefined;
  private controlUrl = '';
  /** New for every stack: what lets a caller use the twins' RPCs (see control-server.ts). */
  private readonly controlToken = randomBytes(32).toString('hex');

  constructor(private readonly opts: StackOptions = {}) {
    this.layout = localLayout(opts.root);
    this.names = opts.names ?? LOCAL_NAMES;
    this.log = opts.log ?? (() => undefined);
    const root = projectRoot();
    const nodeModules = join(root, 'node_modules');
    this.trainerDir = resolve(opts.trainerDir ?? defaultTrainerDir());
    this.host = opts.host ?? trainerHost(this.trainerDir);
    this.store = new LocalObjectStore(this.layout);
    // Inert unless RETRAIN_LOCAL_PAUSE_AT is set (crash tests only).
    const pause = pauseHook(this.layout);
    this.router = new EventRouter(this.layout, opts.router, (msg, fields) => this.log(msg, fields));
    const publish = (topic: string, data: string, attributes: Record<string, string>) =>
      this.router.publish(topic, data, attributes);
    this.registry = new LocalModelRegistry(this.store, this.names);
    this.builds = new LocalBuildService({
      store: this.store,
      layout: this.layout,
      names: this.names,
      publish,
      source: { trainerDir: this.trainerDir },
      pause,
    });
    this.training = new LocalTrainingService({
      store: this.store,
      layout: this.layout,
      names: this.names,
      registry: this.registry,
      publish,
      nodeModules,
      host: this.host,
      pause,
    });
    this.replicas = new ServingReplicas(this.layout, { nodeModules, projectNumber: '0', host: this.host });
    this.endpoint = new LocalEndpointService({
      store: this.store,
      names: this.names,
      registry: this.registry,
      replicas: this.replicas,
      pause,
    });
    this.batch = new LocalBatchPredictionService({
      store: this.store,
      layout: this.layout,
      names: this.names,
      registry: this.registry,
      replicas: this.replicas,
    });
    const watch = (prefix: string, stateName?: string) =>
      new DatasetWatcher(this.layout, this.store, {
        bucket: this.names.dataBucket,
        prefix,
        ...(stateName ? { stateName } : {}),
        ...(opts.dropStableMs !== undefined ? { stableMs: opts.dropStableMs } : {}),
        onFinalized: async (info) => {
          this.log('object finalized', { uri: `gs://${info.bucket}/${info.name}`, generation: info.generation });
          await this.router.dispatch(storageFinalizedEvent(info), info.bucket);
        },
        onError: (name, err) => this.log('watcher error', { name, error: err.message }),
        onWaiting: (name, why) => this.log('dataset waiting', { name, why }),
      });
    this.watcher = watch(this.names.datasetPrefix);
    // Files to score: the same bucket's trigger, a folder of its own (its own record of what was emitted).
    this.scoringWatcher = watch(this.names.scoringPrefix, `${this.names.dataBucket}-scoring`);
    this.control = new ControlServer({
      services: {
        builds: this.builds,
        training: this.training,
        endpoint: this.endpoint,
        registry: this.registry,
        batch: this.batch,
        publisher: {
          publish: (topic: string, data: unknown, attributes?: Record<string, string>) =>
            this.router.publish(topic, JSON.stringify(data), attributes ?? {}),
        },
      },
      endpoint: this.endpoint,
      replicas: this.replicas,
      endpointId: this.names.endpointId,
      token: this.controlToken,
      dashboard: dashboardHandler(
        localDashboardDeps(this.layout, {
          artifactsBucket: this.names.artifactsBucket,
          dataBucket: this.names.dataBucket,
          endpoint: this.endpoint,
        }),
      ),
    });
  }

  /** The folder to drop CSV files into. */
  get dropFolder(): string {
    return this.watcher.folder;
  }

  /** The folder to drop CSV files to score into (their predictions are written next to them). */
  get scoringFolder(): string {
    return this.scoringWatcher.folder;
  }

  /** The endpoint's predict URL. */
  get predictUrl(): string {
    return `${this.controlUrl}/v1/${endpointName(this.names)}:predict`;
  }

  get url(): string {
    return this.controlUrl;
  }

  async start(): Promise<void> {
    // Before anything starts: a trainer this machine cannot run stops here, saying what to install.
    await checkTrainerHost(this.trainerDir, this.host);
    // Readable by the folder's owner only: the operator commands (another process) call the twins with it.
    await mkdir(this.layout.root, { recursive: true });
    await writeFile(this.layout.controlToken, `${this.controlToken}\n`, { mode: 0o600 });
    // The data bucket keeps every generation, as terraform/storage.tf sets it: a run trains on the generation it validated.
    await setBucketConfig(this.layout, this.names.dataBucket, { versioning: { enabled: true } });
    this.controlUrl = await this.control.listen(this.opts.port ?? 0);
    const env = this.functionEnv();
    const root = projectRoot();
    for (const trigger of functionTriggers(this.names)) {
      const server = new FunctionServer(this.layout, {
        target: trigger.target,
        source: this.opts.functionSource ?? join(root, 'dist', 'functions', 'src', 'local', 'function-entry.js'),
        execArgv: this.opts.functionExecArgv,
        frameworkMain: frameworkMain(),
        env,
        cwd: root,
        onExit: (target, code, signal) => this.log('function exited', { target, code, signal }),
      });
      this.functions.push(server);
      this.router.addTrigger({ name: trigger.target, ...trigger, destination: () => server.url });
    }
    await Promise.all([
      ...this.functions.map((f) => f.start()),
      this.endpoint.resume(),
      this.builds.resume(),
      this.training.resume(),
      this.batch.resume(),
    ]);
    await this.router.start();
    await this.watcher.start();
    await this.scoringWatcher.start();
    const interval = this.opts.reconcileIntervalMs ?? 1000;
    if (interval > 0) {
      this.ticker = setInterval(() => void this.tick(), interval);
    }
    this.log('stack started', { url: this.controlUrl, dropFolder: this.dropFolder, scoringFolder: this.scoringFolder });
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    await this.watcher.stop();
    await this.scoringWatcher.stop();
    await this.router.stop();
    await Promise.all([
      ...this.functions.map((f) => f.stop()),
      this.training.stop(),
      this.replicas.stopAll(),
      this.builds.idle(),
      this.endpoint.idle(),
      this.batch.idle(),
    ]);
    await this.control.close();
    await rm(this.layout.controlToken, { force: true });
  }

  private async tick(): Promise<void> {
    // One tick at a time: a slow reconcile must not pile up ticks (Cloud Scheduler would, but it ticks per minute).
    if (this.router.backlogFor('onReconcileTick') > 0) return;
    await this.router
      .publish(RECONCILE_TOPIC, JSON.stringify({ at: new Date().toISOString() }), {})
      .catch(() => undefined);
  }

  private functionEnv(): NodeJS.ProcessEnv {
    const n = this.names;
    return {
      ...process.env,
      RETRAIN_ENV: 'local',
      PROJECT_ID: n.projectId,
      REGION: n.region,
      DATA_BUCKET: n.dataBucket,
      DATASET_PREFIX: n.datasetPrefix,
      SCORING_PREFIX: n.scoringPrefix,
      ARTIFACTS_BUCKET: n.artifactsBucket,
      IMAGE_REPOSITORY: n.imageRepository,
      IMAGE_NAME: n.imageName,
      TRAINING_EVENTS_TOPIC: n.trainingEventsTopic,
      ENDPOINT_ID: n.endpointId,
      MODEL_ID: n.modelId,
      ...this.opts.functionEnv,
      // The folder the build twin builds from is the one drops are checked against.
      TRAINER_DIR: this.trainerDir,
      [LOCAL_DIR_ENV]: this.layout.root,
      [LOCAL_CONTROL_URL_ENV]: this.controlUrl,
      [LOCAL_CONTROL_TOKEN_ENV]: this.controlToken,
    };
  }
}
