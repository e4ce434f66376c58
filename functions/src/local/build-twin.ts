// The Cloud Build twin. startBuild returns at once; the build runs in this (the stack's) process: QUEUED → WORKING
// → SUCCESS or FAILURE, each state change published on the `cloud-builds` topic as Cloud Build does (message data =
// the Build resource as JSON with string enums, attributes buildId and status). The "image" is the content-
// addressed trainer bundle of image-builder.ts, reported in `results.images[{name, digest}]`. Builds are kept in
// the twin's state bucket, so a build interrupted by a crash runs again when the stack restarts.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BUILD_TAG,
  type BuildRef,
  type BuildService,
  type ObjectStore,
  runBuildTag,
  type TrainerBuildRequest,
} from '../ports';
import { buildImage, describeSource } from './image-builder';
import type { ImageSource } from './image-builder';
import { listJson, readJson, updateJson } from './json-objects';
import { localPathOfGsUri } from './layout';
import type { LocalLayout } from './layout';
import type { PauseHook } from './pause-hook';
import { NotFoundError } from './model-registry-twin';
import { CLOUD_BUILDS_TOPIC, parentName, TWIN_STATE_BUCKET } from './settings';
import type { CloudNames } from './settings';

export type BuildStatus = 'QUEUED' | 'WORKING' | 'SUCCESS' | 'FAILURE';

/** The fields of Cloud Build's Build resource the twin fills in. */
export interface LocalBuild {
  id: string;
  name: string;
  projectId: string;
  status: BuildStatus;
  statusDetail?: string;
  createTime: string;
  startTime?: string;
  finishTime?: string;
  tags: string[];
  substitutions: Record<string, string>;
  images: string[];
  results?: { images: { name: string; digest: string }[] };
  failureInfo?: { type: string; detail: string };
  logUrl: string;
}

export type PublishFn = (topic: string, data: string, attributes: Record<string, string>) => Promise<string>;

/** The tag every build of this project carries (the topic also carries other builds of the project). */

export class LocalBuildService implements BuildService {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      store: ObjectStore;
      layout: LocalLayout;
      names: CloudNames;
      publish: PublishFn;
      source: ImageSource;
      now?: () => Date;
      /** Test-only stage-boundary hook (pause-hook.ts); none in normal use. */
      pause?: PauseHook;
    },
  ) {}

  async startBuild(req: TrainerBuildRequest): Promise<BuildRef> {
    localPathOfGsUri(this.deps.layout, req.datasetUri, 'datasetUri');
    const { names } = this.deps;
    const id = randomUUID();
    const logPath = join(this.deps.layout.logs, 'builds', `${id}.log`);
    const build: LocalBuild = {
      id,
      name: `${parentName(names)}/builds/${id}`,
      projectId: names.projectId,
      status: 'QUEUED',
      createTime: this.now(),
      tags: [BUILD_TAG, runBuildTag(req.runId)],
      substitutions: { _RUN_ID: req.runId, _DATASET_URI: req.datasetUri },
      images: [`${names.imageRepository}/${names.imageName}:${req.runId}`],
      logUrl: pathToFileURL(logPath).href,
    };
    await this.save(build);
    await this.notify(build);
    this.track(this.run(build));
    return { buildId: id, logUrl: build.logUrl };
  }

  async findBuildForRun(runId: string): Promise<BuildRef | undefined> {
    const mine = (await this.all()).filter((b) => b.tags.includes(runBuildTag(runId)));
    const latest = mine.sort((a, b) => a.createTime.localeCompare(b.createTime)).pop();
    return latest && { buildId: latest.id, logUrl: latest.logUrl };
  }

  /** The build's record (a LocalBuild is a BuildResource); NotFoundError if the twin never started it. */
  async getBuild(id: string): Promise<LocalBuild> {
    // Ids are UUIDs: anything else cannot name a record (and must not name another object of the state bucket).
    const build = /^[0-9a-f-]{36}$/.test(id)
      ? await readJson<LocalBuild>(this.deps.store, TWIN_STATE_BUCKET, `builds/${id}.json`)
      : undefined;
    if (!build) throw new NotFoundError(`build ${id} not found`);
    return build;
  }

  /** After a restart: runs again every build that had not finished. */
  async resume(): Promise<void> {
    for (const build of await this.all()) {
      if (build.status === 'QUEUED' || build.status === 'WORKING') this.track(this.run(build));
    }
  }

  /** Resolves when no build is running (for an orderly stop). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async run(queued: LocalBuild): Promise<void> {
    const logFile = new URL(queued.logUrl).pathname;
    const log = async (line: string) => {
      await mkdir(dirname(logFile), { recursive: true });
      await appendFile(logFile, `${new Date().toISOString()} ${line}\n`);
    };
    const working: LocalBuild = { ...queued, status: 'WORKING', startTime: this.now() };
    await this.save(working);
    await this.notify(working);
    await this.deps.pause?.('build');
    await log(
      `building ${working.images[0]} from ${describeSource(this.deps.source)} (run ${working.substitutions._RUN_ID})`,
    );
    let done: LocalBuild;
    try {
      const image = await buildImage(this.deps.layout, this.deps.source);
      await log(`built ${image.digest} at ${image.dir}`);
      done = {
        ...working,
        status: 'SUCCESS',
        finishTime: this.now(),
        results: { images: working.images.map((name) => ({ name, digest: image.digest })) },
      };
    } catch (err) {
      const detail = (err as Error).message;
      await log(`FAILED: ${detail}`);
      done = {
        ...working,
        status: 'FAILURE',
        finishTime: this.now(),
        statusDetail: detail.split('\n')[0],
        failureInfo: { type: 'USER_BUILD_STEP', detail },
      };
    }
    await this.save(done);
    await this.notify(done);
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private notify(build: LocalBuild): Promise<string> {
    return this.deps.publish(CLOUD_BUILDS_TOPIC, JSON.stringify(build), { buildId: build.id, status: build.status });
  }

  private async save(build: LocalBuild): Promise<void> {
    await updateJson<LocalBuild>(this.deps.store, TWIN_STATE_BUCKET, `builds/${build.id}.json`, () => build);
  }

  private all(): Promise<LocalBuild[]> {
    return listJson<LocalBuild>(this.deps.store, TWIN_STATE_BUCKET, 'builds/');
  }

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}
