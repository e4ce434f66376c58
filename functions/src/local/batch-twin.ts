// The Vertex AI BatchPredictionJob twin. A job runs the model version's serving command as the endpoint twin does
// (ServingReplicas: the same AIP_* variables, health wait and process handling), POSTs the instances to its predict
// route in chunks under the 1.5 MB request limit, and writes what Vertex writes: a `prediction-<model>-<time>/`
// folder under the output prefix holding `prediction.results-0000i-of-0000N` JSONL files of {key|instance,
// prediction} lines and, for instances that failed, `prediction.errors_stats-00000-of-00001` of {key|instance,
// error}. startBatchJob returns at once; getBatchJob reports the same small state union as the cloud adapter.
// Jobs live in the twin's bucket: after a restart, resume() runs again every job that had not ended. The instances
// are streamed (counted in one read, sent in the next) and the results written as they come, so a job holds one
// request's worth of instances whatever the file's size.
import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import type {
  BatchJobRequest,
  BatchJobState,
  BatchJobStatus,
  BatchPredictionService,
  ObjectInfo,
  ObjectStore,
} from '../ports';
import { ObjectSink } from '../pipeline/object-sink';
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

/** A job's output files being written: results rotate into the next file every `linesPerFile` lines. */
interface JobOutputs {
  /** The results folder's gs:// URI. */
  folder: string;
  result(line: Line): void;
  error(line: Line): void;
  flush(): Promise<void>;
  end(): Promise<void>;
  abort(): Promise<void>;
}

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
      const input = await this.inputOf(request);
      const total = await this.countInstances(input);
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
      const out = this.outputs(job, total);
      let counts;
      try {
        counts = await this.predictAll(url, this.instances(request, input), out);
        await out.end();
      } catch (err) {
        await out.abort();
        throw err;
      }
      const { results, errors, requests, firstError } = counts;
      const outputDirectory = out.folder;
      const completion = { successful: results, failed: errors, incomplete: 0 };
      const allFailed = results === 0 && errors > 0;
      await this.update(job, {
        state: allFailed ? 'FAILED' : 'SUCCEEDED',
        endTime: this.iso(),
        outputDirectory,
        completion,
        predictRequests: requests,
        ...(allFailed ? { error: `every instance failed: ${String((firstError?.error as Line).message)}` } : {}),
      });
    } catch (err) {
      await this.update(job, { state: 'FAILED', endTime: this.iso(), error: (err as Error).message });
    } finally {
      await this.deps.replicas.stop(replicaId);
    }
  }

  /** The input file, as it is now (the job reads one generation throughout). */
  private async inputOf(req: BatchJobRequest): Promise<ObjectInfo> {
    if (req.instancesFormat !== 'jsonl')
      throw new Error(`the local twin reads jsonl instances, not ${req.instancesFormat}`);
    const { bucket, name } = parseGsUri(req.inputUri, 'inputUri');
    const info = await this.deps.store.stat(bucket, name);
    if (!info) throw new Error(`input ${req.inputUri} not found`);
    return info;
  }

  private lines(input: ObjectInfo) {
    return createInterface({
      input: this.deps.store.readStream(input.bucket, input.name, input.generation),
      crlfDelay: Infinity,
    });
  }

  /** How many instances the file holds (its non-blank lines): the results files' count depends on it. */
  private async countInstances(input: ObjectInfo): Promise<number> {
    let n = 0;
    for await (const text of this.lines(input)) if (text.trim() !== '') n++;
    return n;
  }

  /** The input file's instances (JSONL objects or values); the key field is taken out of what the model gets. */
  private async *instances(req: BatchJobRequest, input: ObjectInfo): AsyncGenerator<Instance> {
    let i = 0;
    for await (const text of this.lines(input)) {
      i++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error(`input ${req.inputUri} line ${i} is not JSON`);
      }
      if (req.keyField && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const { [req.keyField]: key, ...rest } = value as Record<string, unknown>;
        yield { key: String(key), instance: rest, body: JSON.stringify(rest) };
      } else yield { instance: value, body: JSON.stringify(value) };
    }
  }

  /** Chunks under the request limits; a chunk the server refuses fails its instances, as on Vertex. */
  private async predictAll(url: string, instances: AsyncIterable<Instance>, out: JobOutputs) {
    const maxBytes = this.deps.maxRequestBytes ?? MAX_REQUEST_BYTES;
    const perRequest = this.deps.instancesPerRequest ?? INSTANCES_PER_REQUEST;
    const envelope = Buffer.byteLength('{"instances":[]}');
    let results = 0;
    let errors = 0;
    let firstError: Line | undefined;
    const error = (line: Line) => {
      errors++;
      firstError ??= line;
      out.error(line);
    };
    const result = (line: Line) => {
      results++;
      out.result(line);
    };
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
      if ('predictions' in outcome) sent.forEach((x, i) => result({ ...tag(x), prediction: outcome.predictions[i] }));
      else sent.forEach((x) => error({ ...tag(x), error: outcome.error }));
      await out.flush();
    };
    for await (const x of instances) {
      const size = Buffer.byteLength(x.body) + (chunk.length > 0 ? 1 : 0);
      if (envelope + Buffer.byteLength(x.body) > maxBytes) {
        error({
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
    return { results, errors, requests, firstError };
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

  /** The job's output files as Vertex lays them out, written as lines come: `total` instances decide the count. */
  private outputs(job: LocalBatchJob, total: number): JobOutputs {
    const prefix = job.request.outputUriPrefix.endsWith('/')
      ? job.request.outputUriPrefix
      : `${job.request.outputUriPrefix}/`;
    const stamp = job.createTime.replace(/[-:.]/g, '_');
    const folder = `${prefix}prediction-${this.deps.names.modelId}-${stamp}/`;
    const { bucket, name: dir } = parseGsUri(folder, 'outputUriPrefix');
    const perFile = this.deps.linesPerFile ?? LINES_PER_FILE;
    const files = Math.max(1, Math.ceil(total / perFile));
    const pad = (n: number) => String(n).padStart(5, '0');
    const store = this.deps.store;
    const open = (n: number) =>
      new ObjectSink(
        store,
        { bucket, name: `${dir}prediction.results-${pad(n)}-of-${pad(files)}` },
        'application/jsonl',
      );
    const done: ObjectSink[] = [];
    let file = 0;
    let current = open(0);
    let inFile = 0;
    let errors: ObjectSink | undefined;
    return {
      folder,
      result(line) {
        if (inFile === perFile && file < files - 1) {
          done.push(current);
          current = open(++file);
          inFile = 0;
        }
        current.push(`${JSON.stringify(line)}\n`);
        inFile++;
      },
      error(line) {
        errors ??= new ObjectSink(
          store,
          { bucket, name: `${dir}prediction.errors_stats-00000-of-00001` },
          'application/jsonl',
        );
        errors.push(`${JSON.stringify(line)}\n`);
      },
      async flush() {
        // A file that is full is finished now, so only the current one stays open.
        for (let sink = done.shift(); sink; sink = done.shift()) await sink.end();
        await Promise.all([current.flush(), errors?.flush()]);
      },
      async end() {
        for (let sink = done.shift(); sink; sink = done.shift()) await sink.end();
        await current.end();
        // Files no result reached (instances that failed): written empty, as the count in their names promises.
        while (file < files - 1) await open(++file).end();
        await errors?.end();
      },
      async abort() {
        await Promise.all([...done, current, ...(errors ? [errors] : [])].map((sink) => sink.abort()));
      },
    };
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
