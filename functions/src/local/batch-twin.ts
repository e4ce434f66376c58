// The Vertex AI BatchPredictionJob twin. A job runs the model version's serving command as the endpoint twin does
// (ServingReplicas: the same AIP_* variables, health wait and process handling), POSTs the instances to its predict
// route in chunks under the 1.5 MB request limit, and writes what Vertex writes: a `prediction-<model>-<time>/`
// folder under the output prefix holding `prediction.results-0000i-of-0000N` JSONL files of {key|instance,
// prediction} lines and, for instances that failed, `prediction.errors_stats-00000-of-00001` of {key|instance,
// error}. startBatchJob returns at once; getBatchJob reports the same small state union as the cloud adapter.
// Jobs live in the twin's bucket: after a restart, resume() runs again every job that had not ended.
import { randomInt } from 'node:crypto';
import type { BatchJobRequest, BatchJobState, BatchJobStatus, BatchPredictionService, ObjectStore } from '../ports';
import { listJson, readJson, updateJson } from './json-objects';
import { parseGsUri } from '../pipeline/gs-uri';
import { localPathOfGsUri, type LocalLayout } from './layout';
import { NotFoundError, type LocalModelRegistry } from './model-registry-twin';
import type { ServingReplicas } from './serving-replicas';
import { parentName, TWIN_STATE_BUCKET, type CloudNames } from './settings';

/** Request bodies stay under this (Vertex's 1.5 MB limit for a prediction request, with room to spare). */
export const MAX_REQUEST_BYTES = 1_500_000;
/** Instances per request (Vertex's default batch size for custom containers is 64). */
export const INSTANCES_PER_REQUEST = 64;
/** Lines per results file. */
export const LINES_PER_FILE = 10_000;

export interface LocalBatchJob {
  id: string;
  name: string;
  state: BatchJobState;
  request: BatchJobRequest;
  createTime: string;
  startTime?: string;
  endTime?: string;
  outputDirectory?: string;
  completion?: { successful: number; failed: number; incomplete: number };
  /** How many predict requests the job sent (local detail: shows the chunking). */
  predictRequests?: number;
  error?: string;
}

type Instance = { key?: string; instance: unknown; body: string };
type Line = Record<string, unknown>;

export class LocalBatchPredictionService implements BatchPredictionService {
  private readonly work = new Set<Promise<void>>();
  /** Jobs are checked and recorded one at a time, so two starts for one run cannot both create. */
  private starting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: ObjectStore;
      layout: LocalLayout;
      names: CloudNames;
      registry: LocalModelRegistry;
      replicas: ServingReplicas;
      now?: () => Date;
      maxRequestBytes?: number;
      instancesPerRequest?: number;
      linesPerFile?: number;
    },
  ) {}

  async startBatchJob(req: BatchJobRequest): Promise<{ name: string }> {
    const turn = this.starting.then(() => this.create(req));
    this.starting = turn.catch(() => undefined);
    return turn;
  }

  async findBatchJobForRun(runId: string): Promise<{ name: string } | undefined> {
    const doc = await readJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, this.doc(runId));
    return doc ? { name: doc.name } : undefined;
  }

  async getBatchJob(name: string): Promise<BatchJobStatus> {
    const jobs = await listJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, 'batchPredictionJobs/');
    const job = jobs.find((j) => j.name === name);
    if (!job) throw new NotFoundError(`batch prediction job ${name} not found`);
    return {
      name: job.name,
      state: job.state,
      runId: job.request.runId,
      modelVersionId: job.request.model.versionId,
      ...(job.outputDirectory ? { outputDirectory: job.outputDirectory } : {}),
      ...(job.completion ? { completion: { ...job.completion } } : {}),
      ...(job.startTime ? { startTime: job.startTime } : {}),
      ...(job.endTime ? { endTime: job.endTime } : {}),
      ...(job.error ? { error: job.error } : {}),
    };
  }

  /** The job with the twin's details (how many requests it sent). */
  async describe(runId: string): Promise<LocalBatchJob | undefined> {
    return readJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, this.doc(runId));
  }

  /** After a restart: runs again every job that had not ended (its outputs are written afresh). */
  async resume(): Promise<void> {
    for (const job of await listJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, 'batchPredictionJobs/')) {
      if (job.state === 'PENDING' || job.state === 'RUNNING') this.track(this.run(job));
    }
  }

  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private async create(req: BatchJobRequest): Promise<{ name: string }> {
    const existing = await this.findBatchJobForRun(req.runId);
    if (existing) return existing;
    // Refused at once, as the service would: input and output must be objects of the local buckets, the model known.
    localPathOfGsUri(this.deps.layout, req.inputUri, 'inputUri');
    localPathOfGsUri(this.deps.layout, req.outputUriPrefix, 'outputUriPrefix');
    await this.deps.registry.getVersion(req.model);
    const id = String(randomInt(1e9, 9e9)) + String(randomInt(1e8, 9e8));
    const job: LocalBatchJob = {
      id,
      name: `${parentName(this.deps.names)}/batchPredictionJobs/${id}`,
      state: 'PENDING',
      request: req,
      createTime: this.iso(),
    };
    const stored = await updateJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, this.doc(req.runId), (cur) =>
      cur ? undefined : job,
    );
    if (stored?.id === id) this.track(this.run(job));
    return { name: stored?.name ?? job.name };
  }

  private async run(job: LocalBatchJob): Promise<void> {
    const replicaId = `batch-${job.id}`;
    const { request } = job;
    await this.update(job, { state: 'RUNNING', startTime: this.iso() });
    try {
      const instances = await this.readInstances(request);
      const version = await this.deps.registry.getVersion(request.model);
      await this.deps.replicas.start({
        deployedModelId: replicaId,
        endpointId: 'batch',
        imageUri: version.imageUri,
        servingCommand: version.servingCommand,
        artifactUri: version.artifactUri,
      });
      const url = this.deps.replicas.predictUrl(replicaId);
      if (!url) throw new Error('the model server stopped before the job could send instances');
      const { results, errors, requests } = await this.predictAll(url, instances);
      const outputDirectory = await this.writeOutputs(job, results, errors);
      const completion = { successful: results.length, failed: errors.length, incomplete: 0 };
      const allFailed = results.length === 0 && errors.length > 0;
      await this.update(job, {
        state: allFailed ? 'FAILED' : 'SUCCEEDED',
        endTime: this.iso(),
        outputDirectory,
        completion,
        predictRequests: requests,
        ...(allFailed ? { error: `every instance failed: ${String((errors[0]?.error as Line).message)}` } : {}),
      });
    } catch (err) {
      await this.update(job, { state: 'FAILED', endTime: this.iso(), error: (err as Error).message });
    } finally {
      await this.deps.replicas.stop(replicaId);
    }
  }

  /** The input file's instances (JSONL objects or values); the key field is taken out of what the model gets. */
  private async readInstances(req: BatchJobRequest): Promise<Instance[]> {
    if (req.instancesFormat !== 'jsonl')
      throw new Error(`the local twin reads jsonl instances, not ${req.instancesFormat}`);
    const { bucket, name } = parseGsUri(req.inputUri, 'inputUri');
    const got = await this.deps.store.read(bucket, name);
    if (!got) throw new Error(`input ${req.inputUri} not found`);
    const out: Instance[] = [];
    got.data
      .toString('utf8')
      .split(/\r?\n/)
      .forEach((text, i) => {
        if (text.trim() === '') return;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new Error(`input ${req.inputUri} line ${i + 1} is not JSON`);
        }
        if (req.keyField && typeof value === 'object' && value !== null && !Array.isArray(value)) {
          const { [req.keyField]: key, ...rest } = value as Record<string, unknown>;
          out.push({ key: String(key), instance: rest, body: JSON.stringify(rest) });
        } else out.push({ instance: value, body: JSON.stringify(value) });
      });
    return out;
  }

  /** Chunks under the request limits; a chunk the server refuses fails its instances, as on Vertex. */
  private async predictAll(url: string, instances: Instance[]) {
    const maxBytes = this.deps.maxRequestBytes ?? MAX_REQUEST_BYTES;
    const perRequest = this.deps.instancesPerRequest ?? INSTANCES_PER_REQUEST;
    const envelope = Buffer.byteLength('{"instances":[]}');
    const results: Line[] = [];
    const errors: Line[] = [];
    const tag = (x: Instance): Line => (x.key !== undefined ? { key: x.key } : { instance: x.instance });
    let requests = 0;
    let chunk: Instance[] = [];
    let bytes = envelope;
    const flush = async () => {
      if (chunk.length === 0) return;
      const sent = chunk;
      chunk = [];
      bytes = envelope;
      requests++;
      const outcome = await this.post(
        url,
        sent.map((x) => x.body),
      );
      if ('predictions' in outcome)
        sent.forEach((x, i) => results.push({ ...tag(x), prediction: outcome.predictions[i] }));
      else sent.forEach((x) => errors.push({ ...tag(x), error: outcome.error }));
    };
    for (const x of instances) {
      const size = Buffer.byteLength(x.body) + (chunk.length > 0 ? 1 : 0);
      if (envelope + Buffer.byteLength(x.body) > maxBytes) {
        errors.push({
          ...tag(x),
          error: { code: 3, message: `instance is larger than the ${maxBytes}-byte request limit` },
        });
        continue;
      }
      if (chunk.length >= perRequest || bytes + size > maxBytes) await flush();
      bytes += Buffer.byteLength(x.body) + (chunk.length > 0 ? 1 : 0);
      chunk.push(x);
    }
    await flush();
    return { results, errors, requests };
  }

  private async post(
    url: string,
    bodies: string[],
  ): Promise<{ predictions: unknown[] } | { error: { code: number; message: string } }> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"instances":[${bodies.join(',')}]}`,
      });
    } catch (err) {
      return { error: { code: 14, message: `model server unreachable: ${(err as Error).message}` } };
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const predictions = (body as { predictions?: unknown } | undefined)?.predictions;
    if (res.ok && Array.isArray(predictions) && predictions.length === bodies.length) return { predictions };
    const message = res.ok
      ? `the model server answered ${Array.isArray(predictions) ? predictions.length : 'no'} predictions for ${bodies.length} instances`
      : `HTTP ${res.status}: ${text.slice(0, 500)}`;
    return { error: { code: res.status === 400 ? 3 : 13, message } };
  }

  /** Writes the results as Vertex lays them out; returns the results folder's gs:// URI. */
  private async writeOutputs(job: LocalBatchJob, results: Line[], errors: Line[]): Promise<string> {
    const prefix = job.request.outputUriPrefix.endsWith('/')
      ? job.request.outputUriPrefix
      : `${job.request.outputUriPrefix}/`;
    const stamp = job.createTime.replace(/[-:.]/g, '_');
    const folder = `${prefix}prediction-${this.deps.names.modelId}-${stamp}/`;
    const { bucket, name: dir } = parseGsUri(folder, 'outputUriPrefix');
    const perFile = this.deps.linesPerFile ?? LINES_PER_FILE;
    const files = Math.max(1, Math.ceil(results.length / perFile));
    const pad = (n: number) => String(n).padStart(5, '0');
    for (let f = 0; f < files; f++) {
      const lines = results.slice(f * perFile, (f + 1) * perFile).map((l) => `${JSON.stringify(l)}\n`);
      await this.deps.store.write(bucket, `${dir}prediction.results-${pad(f)}-of-${pad(files)}`, lines.join(''));
    }
    if (errors.length > 0) {
      const text = errors.map((l) => `${JSON.stringify(l)}\n`).join('');
      await this.deps.store.write(bucket, `${dir}prediction.errors_stats-00000-of-00001`, text);
    }
    return folder;
  }

  private async update(job: LocalBatchJob, change: Partial<LocalBatchJob>): Promise<void> {
    await updateJson<LocalBatchJob>(this.deps.store, TWIN_STATE_BUCKET, this.doc(job.request.runId), (cur) => ({
      ...(cur ?? job),
      ...change,
    }));
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  /** One document per run: the run's job, found by check-before-create. */
  private doc(runId: string): string {
    return `batchPredictionJobs/${encodeURIComponent(runId)}.json`;
  }

  private iso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}
