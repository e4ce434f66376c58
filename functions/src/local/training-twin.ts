// The Vertex AI training twin: a TrainingPipeline with a custom container task and a modelToUpload. It runs the
// image's ENTRYPOINT as a child process with the variables Vertex sets (AIP_MODEL_DIR=<baseOutputDir>/model/, …) and
// the arguments the request implies; on success it uploads the model as a new version of the registry's model, and
// either way it publishes the outcome message v1 (contract/outcome-message.ts) on the training-events topic. Job state lives in the twin's bucket:
// after a crash of the stack, a job that was running is started again, once; a second interruption fails it.
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outcomeMessage } from '../contract/outcome-message';
import { trainingArgs } from '../contract/training-args';
import type { ObjectStore, TrainingRequest, TrainingService, TrainingState, TrainingStatus } from '../ports';
import { killProcess, pidAlive, spawnCommand } from './child-process';
import { HostPrograms } from './host-interpreter';
import { imageEnvironment, readImage } from './image-builder';
import { listJson, readJson, updateJson } from './json-objects';
import { LocalObjectStore } from './object-store';
import { parseGsUri, splitGeneration } from '../pipeline/gs-uri';
import { gsUriToPath, localPathOfGsUri } from './layout';
import type { LocalLayout } from './layout';
import type { LocalModelRegistry } from './model-registry-twin';
import type { PauseHook } from './pause-hook';
import { parentName, TWIN_STATE_BUCKET } from './settings';
import type { CloudNames } from './settings';

export interface LocalTrainingJob {
  name: string;
  id: string;
  runId: string;
  state: TrainingState;
  request: TrainingRequest;
  createTime: string;
  startTime?: string;
  endTime?: string;
  /** How many times the container was started. */
  attempts: number;
  pid?: number;
  logFile: string;
  model?: { name: string; versionId: string };
  error?: string;
}

/** A job interrupted by a crash is started again once; interrupted twice, it fails. */
export const MAX_TRAINING_ATTEMPTS = 2;

export class LocalTrainingService implements TrainingService {
  private readonly children = new Map<string, ChildProcess>();
  private readonly host: HostPrograms;
  private readonly finishing = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly deps: {
      store: ObjectStore;
      layout: LocalLayout;
      names: CloudNames;
      registry: LocalModelRegistry;
      publish: (topic: string, data: string, attributes: Record<string, string>) => Promise<string>;
      /** Where the image's bundles find their npm packages (the image's node_modules layer). */
      nodeModules: string;
      /** Which host program runs the image's ENTRYPOINT (default: probed on PATH, no module requirements). */
      host?: HostPrograms;
      now?: () => Date;
      /** Test-only stage-boundary hook (pause-hook.ts); none in normal use. */
      pause?: PauseHook;
    },
  ) {
    this.host = deps.host ?? new HostPrograms();
  }

  async startTraining(req: TrainingRequest): Promise<{ name: string }> {
    // The trainer reads the dataset and writes under the output folder: only objects of the local buckets qualify
    // (Vertex, too, takes gs:// URIs only), never an arbitrary path of this machine.
    localPathOfGsUri(this.deps.layout, req.datasetUri, 'datasetUri');
    localPathOfGsUri(this.deps.layout, req.baseOutputDir, 'baseOutputDir');
    const id = String(randomInt(1e9, 9e9)) + String(randomInt(1e8, 9e8));
    const name = `${parentName(this.deps.names)}/trainingPipelines/${id}`;
    const job: LocalTrainingJob = {
      name,
      id,
      runId: req.runId,
      state: 'PENDING',
      request: req,
      createTime: this.iso(),
      attempts: 0,
      logFile: join(this.deps.layout.logs, 'trainings', `${id}.log`),
    };
    await this.save(job);
    this.start(job);
    return { name };
  }

  async findTrainingForRun(runId: string): Promise<{ name: string } | undefined> {
    const jobs = (await this.all()).filter((j) => j.runId === runId);
    const latest = jobs.sort((a, b) => a.createTime.localeCompare(b.createTime)).pop();
    return latest && { name: latest.name };
  }

  async getTraining(name: string): Promise<TrainingStatus> {
    const job = await this.get(name);
    if (!job) throw new Error(`training ${name} not found`);
    return {
      name: job.name,
      state: job.state,
      runId: job.runId,
      ...(job.model ? { model: job.model } : {}),
      ...(job.error ? { error: job.error } : {}),
    };
  }

  /** After a restart: jobs left PENDING or RUNNING are started again (once) or failed. */
  async resume(): Promise<void> {
    for (const job of await this.all()) {
      if (job.state !== 'PENDING' && job.state !== 'RUNNING') continue;
      // The parent watchdog stops an orphaned trainer; if one still runs, it must not race the restart.
      if (job.pid && pidAlive(job.pid) && !this.children.has(job.name)) killProcess(job.pid, 'SIGKILL');
      if (job.attempts >= MAX_TRAINING_ATTEMPTS) {
        await this.finish(job, 'FAILED', `the training process was interrupted ${job.attempts} times`);
      } else {
        this.start(job);
      }
    }
  }

  /** Stops running trainings (their jobs stay RUNNING, so the next start resumes them). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const child of this.children.values()) killProcess(child.pid, 'SIGKILL');
    await Promise.allSettled([...this.finishing]);
  }

  /**
   * The file the trainer reads for `gs://bucket/name[#generation]`: with a generation pin, exactly that generation
   * (kept by the versioned data bucket even after a newer drop), as the trainer on Vertex reads it; else the live file.
   */
  private async datasetPath(uri: string): Promise<string | undefined> {
    const live = localPathOfGsUri(this.deps.layout, uri, 'datasetUri');
    const { bucket, name: pinned } = parseGsUri(uri, 'datasetUri'); // localPathOfGsUri checked it
    const { name, generation } = splitGeneration(pinned);
    if (!generation) return live;
    return new LocalObjectStore(this.deps.layout).pathOfGeneration(bucket, name, generation);
  }

  private start(job: LocalTrainingJob): void {
    this.launch(job).catch((err: unknown) =>
      this.finish(job, 'FAILED', `cannot start the trainer: ${(err as Error).message}`),
    );
  }

  private async launch(job: LocalTrainingJob): Promise<void> {
    const { layout } = this.deps;
    const req = job.request;
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(req.imageUri)?.[1];
    const image = digest && (await readImage(layout, digest));
    if (!image) {
      await this.finish(
        job,
        'FAILED',
        `image ${req.imageUri} not found (pin it by digest; the build twin stores images)`,
      );
      return;
    }
    const dataPath = await this.datasetPath(req.datasetUri);
    if (!dataPath) {
      // What the trainer on Vertex meets too: a pinned generation that no longer exists reads as 404.
      await this.finish(job, 'FAILED', `${req.datasetUri}: no such object generation (overwritten or deleted)`);
      return;
    }
    const base = req.baseOutputDir.replace(/\/+$/, '');
    localPathOfGsUri(layout, req.baseOutputDir, 'baseOutputDir');
    const child = await spawnCommand(layout, {
      command: [
        ...(await this.host.command(image.manifest.entrypoint)),
        ...trainingArgs(
          {
            env: 'local',
            endpointVersion: req.endpointVersion,
            data: dataPath,
            runId: req.runId,
            ...(req.baselineModelDir ? { baselineModelDir: gsUriToPath(layout, req.baselineModelDir) } : {}),
          },
          image.manifest.trainArgs ?? [],
        ),
      ],
      cwd: image.dir,
      env: {
        ...imageEnvironment(image.manifest),
        PATH: process.env.PATH,
        NODE_PATH: this.deps.nodeModules,
        AIP_MODEL_DIR: gsUriToPath(layout, `${base}/model/`),
        AIP_CHECKPOINT_DIR: gsUriToPath(layout, `${base}/checkpoints/`),
        AIP_TENSORBOARD_LOG_DIR: gsUriToPath(layout, `${base}/logs/`),
        CLOUD_ML_JOB_ID: job.id,
        CLOUD_ML_PROJECT_ID: this.deps.names.projectId,
        CLOUD_ML_REGION: this.deps.names.region,
      },
      logFile: job.logFile,
    });
    this.children.set(job.name, child);
    const running: LocalTrainingJob = {
      ...job,
      state: 'RUNNING',
      startTime: job.startTime ?? this.iso(),
      attempts: job.attempts + 1,
      pid: child.pid,
    };
    await this.save(running);
    child.once('exit', (code, signal) => {
      this.children.delete(job.name);
      // Killed by the stack stopping: leave it RUNNING for resume().
      if (signal === 'SIGKILL' && this.stopping) return;
      const task = this.completed(running, code, signal).finally(() => this.finishing.delete(task));
      this.finishing.add(task);
    });
  }

  private async completed(job: LocalTrainingJob, code: number | null, signal: string | null): Promise<void> {
    if (code !== 0) {
      const tail = (await readFile(job.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      await this.finish(job, 'FAILED', `trainer exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`);
      return;
    }
    const image = await readImage(this.deps.layout, job.request.imageUri.split('@')[1] ?? '');
    const model = await this.deps.registry.uploadVersion({
      artifactUri: `${job.request.baseOutputDir.replace(/\/+$/, '')}/model/`,
      imageUri: job.request.imageUri,
      servingCommand: image?.manifest.servingCommand ?? [],
      trainingName: job.name,
      runId: job.runId,
    });
    await this.deps.pause?.('training');
    await this.finish({ ...job, model }, 'SUCCEEDED');
  }

  private async finish(job: LocalTrainingJob, state: TrainingState, error?: string): Promise<void> {
    const done: LocalTrainingJob = { ...job, state, endTime: this.iso(), ...(error ? { error } : {}) };
    delete done.pid;
    await this.save(done);
    // What the trainer publishes on Vertex (docs/trainer-contract.md section 6): one message shape for every sender.
    const { json, attributes } = outcomeMessage({
      runId: job.runId,
      status: state === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
      endpointVersion: job.request.endpointVersion,
      ...(error ? { message: error } : {}),
    });
    await this.deps.publish(this.deps.names.trainingEventsTopic, JSON.stringify(json), attributes);
  }

  private get(name: string): Promise<LocalTrainingJob | undefined> {
    const id = name.split('/').pop() ?? '';
    if (!/^\d+$/.test(id)) return Promise.resolve(undefined);
    return readJson<LocalTrainingJob>(this.deps.store, TWIN_STATE_BUCKET, `trainings/${id}.json`);
  }

  private async save(job: LocalTrainingJob): Promise<void> {
    await updateJson<LocalTrainingJob>(this.deps.store, TWIN_STATE_BUCKET, `trainings/${job.id}.json`, () => job);
  }

  private all(): Promise<LocalTrainingJob[]> {
    return listJson<LocalTrainingJob>(this.deps.store, TWIN_STATE_BUCKET, 'trainings/');
  }

  private iso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}
