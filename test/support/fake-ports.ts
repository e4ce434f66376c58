// In-memory fakes of every port, recording their calls, for the handler and flow tests. The store is the real
// MemoryObjectStore (GCS generation semantics); the others model just enough of their service to be driven by a test.
import {
  deployedModelDisplayName,
  type BatchJobRequest,
  type BatchJobStatus,
  type BatchPredictionService,
  type BuildRef,
  type BuildResource,
  type BuildService,
  type DeployRequest,
  type EndpointService,
  type EndpointState,
  type ModelRegistry,
  type OperationStatus,
  type Ports,
  type Publisher,
  type RunEvents,
  type TrafficSplit,
  type TrainingRequest,
  type TrainingService,
  type TrainingStatus,
} from '../../functions/src/ports';
import type { RunCloudEvent } from '../../functions/src/pipeline/run-event';
import { MemoryObjectStore } from './memory-store';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Makes the next `n` calls of a method throw `err` (then behave normally). */
export class Faults {
  private readonly queued = new Map<string, unknown[]>();
  failNext(method: string, err: unknown, times = 1): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...Array<unknown>(times).fill(err)]);
  }
  async check(method: string): Promise<void> {
    await tick();
    const q = this.queued.get(method);
    if (q && q.length > 0) throw q.shift();
  }
}

export class FakeBuilds extends Faults implements BuildService {
  readonly started: { runId: string; datasetUri: string; buildId: string }[] = [];
  findCalls = 0;
  async startBuild(req: { runId: string; datasetUri: string }): Promise<BuildRef> {
    await this.check('startBuild');
    const buildId = `build-${this.started.length + 1}`;
    this.started.push({ ...req, buildId });
    return { buildId, logUrl: `https://console.cloud.google.com/cloud-build/builds/${buildId}` };
  }
  async findBuildForRun(runId: string): Promise<BuildRef | undefined> {
    this.findCalls++;
    await this.check('findBuildForRun');
    const b = this.started.find((s) => s.runId === runId);
    return b ? { buildId: b.buildId } : undefined;
  }
  /** What getBuild answers per build id; a started build not set here is WORKING. */
  readonly resources = new Map<string, BuildResource>();
  readonly getCalls: string[] = [];
  async getBuild(buildId: string): Promise<BuildResource> {
    this.getCalls.push(buildId);
    await this.check('getBuild');
    const set = this.resources.get(buildId);
    if (set) return set;
    const b = this.started.find((s) => s.buildId === buildId);
    if (!b) throw Object.assign(new Error(`5 NOT_FOUND: build ${buildId}`), { code: 5 });
    return { id: buildId, status: 'WORKING', tags: ['vertex-retrain', `run-${b.runId}`] };
  }
}

export class FakeTraining extends Faults implements TrainingService {
  readonly started: (TrainingRequest & { name: string })[] = [];
  readonly statuses = new Map<string, TrainingStatus>();
  async startTraining(req: TrainingRequest): Promise<{ name: string }> {
    await this.check('startTraining');
    const name = `projects/p/locations/r/trainingPipelines/${this.started.length + 1}`;
    this.started.push({ ...req, name });
    this.statuses.set(name, { name, state: 'RUNNING', runId: req.runId });
    return { name };
  }
  async findTrainingForRun(runId: string): Promise<{ name: string } | undefined> {
    await this.check('findTrainingForRun');
    const t = this.started.find((s) => s.runId === runId);
    return t ? { name: t.name } : undefined;
  }
  async getTraining(name: string): Promise<TrainingStatus> {
    await this.check('getTraining');
    const s = this.statuses.get(name);
    if (!s) throw Object.assign(new Error(`no training ${name}`), { code: 5 });
    return { ...s };
  }
  /** Test control: the training ends; a success uploads model version `versionId`. */
  finish(name: string, state: TrainingStatus['state'], versionId?: string, error?: string): void {
    const s = this.statuses.get(name) as TrainingStatus;
    this.statuses.set(name, {
      ...s,
      state,
      ...(versionId ? { model: { name: 'projects/p/locations/r/models/titanic', versionId } } : {}),
      ...(error ? { error } : {}),
    });
  }
}

export class FakeEndpoint extends Faults implements EndpointService {
  state: EndpointState = { name: 'projects/p/locations/r/endpoints/e', deployedModels: [], trafficSplit: {} };
  readonly deploys: (DeployRequest & { operationName: string })[] = [];
  readonly undeploys: { deployedModelId: string; trafficSplit: TrafficSplit }[] = [];
  readonly operations = new Map<string, OperationStatus>();
  private nextId = 1000;
  async getEndpoint(): Promise<EndpointState> {
    await this.check('getEndpoint');
    return structuredClone(this.state);
  }
  /** Like Vertex: a requested deployed model id already deployed, or being deployed, is refused (ALREADY_EXISTS). */
  async deployModel(req: DeployRequest): Promise<{ operationName: string }> {
    await this.check('deployModel');
    const id = req.deployedModelId;
    const running = (d: { operationName: string }) => !this.operations.get(d.operationName)?.done;
    if (
      id !== undefined &&
      (this.state.deployedModels.some((m) => m.id === id) ||
        this.deploys.some((d) => d.deployedModelId === id && running(d)))
    ) {
      throw Object.assign(new Error(`deployed model ${id} already exists`), { code: 6 });
    }
    const operationName = `${this.state.name}/operations/deploy-${this.deploys.length + 1}`;
    this.deploys.push({ ...req, operationName });
    this.operations.set(operationName, { name: operationName, done: false });
    return { operationName };
  }
  /** Test control: undeploys stay running (the model on the endpoint) until completeUndeploy; done at once otherwise. */
  holdUndeploys = false;
  async undeployModel(deployedModelId: string, trafficSplit: TrafficSplit): Promise<{ operationName: string }> {
    await this.check('undeployModel');
    if ((this.state.trafficSplit[deployedModelId] ?? 0) > 0) throw new Error(`${deployedModelId} still has traffic`);
    this.undeploys.push({ deployedModelId, trafficSplit });
    const name = `${this.state.name}/operations/undeploy-${deployedModelId}`;
    this.operations.set(name, { name, done: false });
    if (!this.holdUndeploys) this.completeUndeploy(name);
    return { operationName: name };
  }
  /** Test control: a held undeploy finishes (the model leaves the endpoint) or fails (it stays). */
  completeUndeploy(operationName: string, error?: string): void {
    const id = operationName.slice(operationName.lastIndexOf('/undeploy-') + '/undeploy-'.length);
    if (!error) this.state.deployedModels = this.state.deployedModels.filter((m) => m.id !== id);
    this.operations.set(operationName, { name: operationName, done: true, ...(error ? { error } : {}) });
  }
  async updateTrafficSplit(trafficSplit: TrafficSplit): Promise<{ operationName: string }> {
    this.state.trafficSplit = { ...trafficSplit };
    const name = `${this.state.name}/operations/split`;
    this.operations.set(name, { name, done: true });
    return { operationName: name };
  }
  async getOperation(name: string): Promise<OperationStatus> {
    await this.check('getOperation');
    const op = this.operations.get(name);
    if (!op) throw Object.assign(new Error(`no operation ${name}`), { code: 5 });
    return { ...op };
  }
  /** Test control: the deployment finishes (the model goes live with the requested split) or fails. */
  completeDeploy(operationName: string, error?: string): string | undefined {
    const req = this.deploys.find((d) => d.operationName === operationName) as DeployRequest;
    if (error) {
      this.operations.set(operationName, { name: operationName, done: true, error });
      return undefined;
    }
    const id = req.deployedModelId ?? String(this.nextId++);
    this.state.deployedModels.push({
      id,
      model: req.model.name,
      modelVersionId: req.model.versionId,
      displayName: deployedModelDisplayName(req.runId, req.endpointVersion),
    });
    const split: TrafficSplit = {};
    for (const [key, pct] of Object.entries(req.trafficSplit)) split[key === '0' ? id : key] = pct;
    this.state.trafficSplit = split;
    this.operations.set(operationName, { name: operationName, done: true, deployedModelId: id });
    return id;
  }
}

export class FakeRegistry extends Faults implements ModelRegistry {
  readonly aliases: { versionId: string; aliases: string[] }[] = [];
  readonly evaluations: { versionId: string; metrics: Record<string, unknown> }[] = [];
  async setVersionAliases(model: { versionId: string }, aliases: string[]): Promise<void> {
    await this.check('setVersionAliases');
    this.aliases.push({ versionId: model.versionId, aliases });
  }
  async importEvaluation(model: { versionId: string }, ev: { metrics: Record<string, unknown> }): Promise<void> {
    await this.check('importEvaluation');
    this.evaluations.push({ versionId: model.versionId, metrics: ev.metrics });
  }
}

export class FakePublisher extends Faults implements Publisher {
  readonly messages: { topic: string; data: unknown; attributes?: Record<string, string> }[] = [];
  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    await this.check('publish');
    this.messages.push({ topic, data, ...(attributes ? { attributes } : {}) });
    return String(this.messages.length);
  }
}

export class FakeRunEvents extends Faults implements RunEvents {
  readonly events: RunCloudEvent[] = [];
  async publish(event: RunCloudEvent): Promise<void> {
    await this.check('publish');
    this.events.push(event);
  }
}

/**
 * Batch prediction: one job per run (check-before-create by run id, as both real services do). A job stays RUNNING
 * until the test calls `finish`, which scores the instances file with `predict` and writes the results as Vertex lays
 * them out (`prediction-…/prediction.results-00000-of-00001`, `{key, prediction}` lines).
 */
export class FakeBatch extends Faults implements BatchPredictionService {
  readonly started: (BatchJobRequest & { name: string })[] = [];
  readonly statuses = new Map<string, BatchJobStatus>();
  /** Every startBatchJob call, a repeat for the same run included. */
  startCalls = 0;
  constructor(private readonly store?: MemoryObjectStore) {
    super();
  }
  async startBatchJob(req: BatchJobRequest): Promise<{ name: string }> {
    this.startCalls++;
    await this.check('startBatchJob');
    const existing = this.started.find((s) => s.runId === req.runId);
    if (existing) return { name: existing.name };
    const name = `projects/p/locations/r/batchPredictionJobs/${this.started.length + 1}`;
    this.started.push({ ...req, name });
    this.statuses.set(name, { name, state: 'RUNNING', runId: req.runId, modelVersionId: req.model.versionId });
    return { name };
  }
  async findBatchJobForRun(runId: string): Promise<{ name: string } | undefined> {
    await this.check('findBatchJobForRun');
    const s = this.started.find((j) => j.runId === runId);
    return s ? { name: s.name } : undefined;
  }
  async getBatchJob(name: string): Promise<BatchJobStatus> {
    await this.check('getBatchJob');
    const s = this.statuses.get(name);
    if (!s) throw new Error(`batch prediction job ${name} not found`);
    return { ...s };
  }
  /** Scores the run's instances with `predict` and marks its job SUCCEEDED (or sets `state` as given). */
  async finish(
    runId: string,
    predict: (instance: Record<string, unknown>) => unknown,
    over: Partial<BatchJobStatus> = {},
  ): Promise<void> {
    const job = this.started.find((j) => j.runId === runId);
    if (!job || !this.store) throw new Error(`no batch job for run ${runId}`);
    const [bucket, ...rest] = job.inputUri.slice('gs://'.length).split('/');
    const input = await this.store.read(bucket as string, rest.join('/'));
    const lines = (input?.data.toString('utf8') ?? '').split('\n').filter((l) => l.trim() !== '');
    const out = lines.map((l) => {
      const { [job.keyField ?? '']: key, ...instance } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ key: String(key), prediction: predict(instance) });
    });
    const folder = `${job.outputUriPrefix.replace(/\/?$/, '/')}prediction-model-2026_03_01T12_00_00_000Z/`;
    const [ob, ...op] = folder.slice('gs://'.length).split('/');
    await this.store.write(ob as string, `${op.join('/')}prediction.results-00000-of-00001`, `${out.join('\n')}\n`);
    this.statuses.set(job.name, {
      name: job.name,
      state: 'SUCCEEDED',
      runId,
      modelVersionId: job.model.versionId,
      outputDirectory: folder,
      completion: { successful: out.length, failed: 0, incomplete: 0 },
      startTime: '2026-03-01T12:00:00.000Z',
      endTime: '2026-03-01T12:06:00.000Z',
      ...over,
    });
  }
}

/** All fakes plus a settable clock. */
export function fakePorts(start = new Date('2026-03-01T12:00:00.000Z')) {
  const clock = { now: start };
  const store = new MemoryObjectStore(() => clock.now);
  const fakes = {
    store,
    builds: new FakeBuilds(),
    training: new FakeTraining(),
    endpoint: new FakeEndpoint(),
    registry: new FakeRegistry(),
    publisher: new FakePublisher(),
    runEvents: new FakeRunEvents(),
    batch: new FakeBatch(store),
  };
  const ports: Ports = { ...fakes, now: () => clock.now };
  return { ...fakes, ports, clock };
}
export type Fakes = ReturnType<typeof fakePorts>;
