// The Vertex AI endpoint twin. Deploy, undeploy and traffic changes are long-running operations: each call checks
// the request as the service would, records an operation and returns its name at once; the work (start a replica
// and wait until it is healthy, stop one, change the split) happens afterwards, and the operation is marked done
// when it is finished. Endpoint and operations live in the twin's bucket: after a restart, replicas are started
// again for every deployed model and unfinished operations are carried out. As on Vertex, a deployed model is listed
// only once its deployment is done, and a caller-chosen deployed model id that is deployed or being deployed is
// refused with ALREADY_EXISTS.
import { randomInt } from 'node:crypto';
import {
  ALREADY_EXISTS,
  deployedModelDisplayName,
  type DeployedModelInfo,
  type DeployRequest,
  type EndpointService,
  type EndpointState,
  type ObjectStore,
  type OperationStatus,
  type TrafficSplit,
} from '../ports';
import { listJson, readJson, updateJson } from './json-objects';
import type { LocalModelRegistry } from './model-registry-twin';
import type { PauseHook } from './pause-hook';
import type { ServingReplicas } from './serving-replicas';
import { endpointName, withoutVersion } from '../pipeline/resource-names';
import { TWIN_STATE_BUCKET } from './settings';
import type { CloudNames } from './settings';
import { checkSplit, InvalidRequestError } from './traffic';

/** A deployed model id that is taken (Vertex's ALREADY_EXISTS, gRPC code 6). */
export class AlreadyExistsError extends Error {
  readonly code = ALREADY_EXISTS;
  constructor(message: string) {
    super(message);
    this.name = 'AlreadyExistsError';
  }
}

/** DeployedModel.id as endpoint.proto allows it: 1–10 characters, digits only. */
const DEPLOYED_MODEL_ID = /^[0-9]{1,10}$/;

export interface LocalDeployedModel extends DeployedModelInfo {
  artifactUri: string;
  imageUri: string;
  servingCommand: string[];
  createTime: string;
}

export interface LocalEndpoint {
  name: string;
  deployedModels: LocalDeployedModel[];
  trafficSplit: TrafficSplit;
}

type OperationRequest =
  | { kind: 'deploy'; request: DeployRequest; deployedModelId: string }
  | { kind: 'undeploy'; deployedModelId: string; trafficSplit: TrafficSplit }
  | { kind: 'traffic'; trafficSplit: TrafficSplit };

export interface LocalOperation extends OperationStatus {
  id: string;
  /** When the change was asked for, and when it was finished (Vertex's genericMetadata createTime / updateTime). */
  createTime: string;
  endTime?: string;
  request: OperationRequest;
}

export class LocalEndpointService implements EndpointService {
  private readonly work = new Set<Promise<void>>();
  /** Deploy requests are checked and recorded one at a time, so two with the same id cannot both pass the check. */
  private deploying: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: ObjectStore;
      names: CloudNames;
      registry: LocalModelRegistry;
      replicas: ServingReplicas;
      now?: () => Date;
      /** Test-only stage-boundary hook (pause-hook.ts); none in normal use. */
      pause?: PauseHook;
    },
  ) {}

  get endpointName(): string {
    return endpointName(this.deps.names);
  }

  async getEndpoint(): Promise<EndpointState> {
    const endpoint = await this.load();
    return {
      name: endpoint.name,
      deployedModels: endpoint.deployedModels.map(({ id, model, modelVersionId, displayName }) => ({
        id,
        model,
        modelVersionId,
        ...(displayName ? { displayName } : {}),
      })),
      trafficSplit: { ...endpoint.trafficSplit },
    };
  }

  /** The endpoint with the twin's details (image, artifact) of each deployed model. */
  async describe(): Promise<LocalEndpoint> {
    return this.load();
  }

  async deployModel(req: DeployRequest): Promise<{ operationName: string }> {
    const turn = this.deploying.then(() => this.startDeploy(req));
    this.deploying = turn.catch(() => undefined);
    return turn;
  }

  private async startDeploy(req: DeployRequest): Promise<{ operationName: string }> {
    const endpoint = await this.load();
    await this.deps.registry.getVersion(req.model);
    // An empty split leaves the endpoint's as it is (the new model at 0 %); any other must place the new model.
    checkSplit(req.trafficSplit, {
      knownIds: ['0', ...endpoint.deployedModels.map((m) => m.id)],
      ...(Object.keys(req.trafficSplit).length > 0 ? { mustInclude: '0' } : {}),
    });
    const id = req.deployedModelId ?? String(randomInt(1e9, 9e9));
    if (!DEPLOYED_MODEL_ID.test(id)) throw new InvalidRequestError(`deployed model id "${id}" must be 1-10 digits`);
    const ops = await listJson<LocalOperation>(this.deps.store, TWIN_STATE_BUCKET, 'operations/');
    const inProgress = ops.some((op) => !op.done && op.request.kind === 'deploy' && op.request.deployedModelId === id);
    if (inProgress || endpoint.deployedModels.some((m) => m.id === id)) {
      throw new AlreadyExistsError(`deployed model ${id} already exists on ${endpoint.name}`);
    }
    return this.begin({ kind: 'deploy', request: req, deployedModelId: id });
  }

  async undeployModel(deployedModelId: string, trafficSplit: TrafficSplit): Promise<{ operationName: string }> {
    const endpoint = await this.load();
    if (!endpoint.deployedModels.some((m) => m.id === deployedModelId)) {
      throw new InvalidRequestError(`deployed model ${deployedModelId} is not on ${endpoint.name}`);
    }
    const after = Object.keys(trafficSplit).length > 0 ? trafficSplit : endpoint.trafficSplit;
    checkSplit(after, { knownIds: endpoint.deployedModels.map((m) => m.id), mustExclude: deployedModelId });
    return this.begin({ kind: 'undeploy', deployedModelId, trafficSplit });
  }

  async updateTrafficSplit(trafficSplit: TrafficSplit): Promise<{ operationName: string }> {
    const endpoint = await this.load();
    checkSplit(trafficSplit, { knownIds: endpoint.deployedModels.map((m) => m.id) });
    return this.begin({ kind: 'traffic', trafficSplit });
  }

  async getOperation(name: string): Promise<OperationStatus> {
    const id = name.split('/').pop() ?? '';
    const op = /^\d+$/.test(id)
      ? await readJson<LocalOperation>(this.deps.store, TWIN_STATE_BUCKET, this.opDoc(id))
      : undefined;
    if (!op) throw new InvalidRequestError(`operation ${name} not found`);
    return {
      name: op.name,
      done: op.done,
      ...(op.error ? { error: op.error } : {}),
      ...(op.deployedModelId ? { deployedModelId: op.deployedModelId } : {}),
    };
  }

  /** After a restart: replicas for every deployed model, then the operations that had not finished. */
  async resume(): Promise<void> {
    const endpoint = await this.load();
    // In the background: until a replica is healthy its traffic gets 503, as with a Vertex replica not ready.
    for (const m of endpoint.deployedModels) {
      if (!this.deps.replicas.has(m.id)) this.track(this.deps.replicas.start(this.spec(m)));
    }
    for (const op of await listJson<LocalOperation>(this.deps.store, TWIN_STATE_BUCKET, 'operations/')) {
      if (!op.done) this.track(this.carryOut(op));
    }
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.work]);
  }

  private async begin(request: OperationRequest): Promise<{ operationName: string }> {
    const id = String(randomInt(1e9, 9e9)) + String(randomInt(1e8, 9e8));
    const op: LocalOperation = {
      id,
      name: `${this.endpointName}/operations/${id}`,
      done: false,
      createTime: this.iso(),
      request,
    };
    await updateJson<LocalOperation>(this.deps.store, TWIN_STATE_BUCKET, this.opDoc(id), () => op);
    this.track(this.carryOut(op));
    return { operationName: op.name };
  }

  private async carryOut(op: LocalOperation): Promise<void> {
    let result: Partial<OperationStatus> = {};
    try {
      result = await this.apply(op.request);
    } catch (err) {
      result = { error: (err as Error).message };
    }
    await updateJson<LocalOperation>(this.deps.store, TWIN_STATE_BUCKET, this.opDoc(op.id), (cur) => ({
      ...(cur ?? op),
      ...result,
      done: true,
      endTime: this.iso(),
    }));
  }

  private async apply(request: OperationRequest): Promise<Partial<OperationStatus>> {
    const { replicas, registry } = this.deps;
    if (request.kind === 'deploy') {
      const { request: req, deployedModelId: id } = request;
      const version = await registry.getVersion(req.model);
      const deployed: LocalDeployedModel = {
        id,
        model: withoutVersion(req.model.name),
        modelVersionId: req.model.versionId,
        displayName: deployedModelDisplayName(req.runId, req.endpointVersion),
        artifactUri: version.artifactUri,
        imageUri: version.imageUri,
        servingCommand: version.servingCommand,
        createTime: this.iso(),
      };
      if (!replicas.has(id)) await replicas.start(this.spec(deployed));
      await this.deps.pause?.('deploy');
      await this.change((endpoint) => {
        if (endpoint.deployedModels.some((m) => m.id === id)) return endpoint;
        const split =
          Object.keys(req.trafficSplit).length === 0
            ? { ...endpoint.trafficSplit, [id]: 0 }
            : Object.fromEntries(Object.entries(req.trafficSplit).map(([k, v]) => [k === '0' ? id : k, v]));
        return { ...endpoint, deployedModels: [...endpoint.deployedModels, deployed], trafficSplit: split };
      });
      return { deployedModelId: id };
    }
    if (request.kind === 'undeploy') {
      await this.change((endpoint) => {
        const split = Object.keys(request.trafficSplit).length > 0 ? request.trafficSplit : endpoint.trafficSplit;
        return {
          ...endpoint,
          deployedModels: endpoint.deployedModels.filter((m) => m.id !== request.deployedModelId),
          trafficSplit: withoutZero(split, request.deployedModelId),
        };
      });
      await replicas.stop(request.deployedModelId);
      return {};
    }
    await this.change((endpoint) => ({ ...endpoint, trafficSplit: { ...request.trafficSplit } }));
    return {};
  }

  private spec(m: LocalDeployedModel) {
    return {
      deployedModelId: m.id,
      endpointId: this.deps.names.endpointId,
      imageUri: m.imageUri,
      servingCommand: m.servingCommand,
      artifactUri: m.artifactUri,
    };
  }

  private async change(fn: (endpoint: LocalEndpoint) => LocalEndpoint): Promise<void> {
    await updateJson<LocalEndpoint>(this.deps.store, TWIN_STATE_BUCKET, this.endpointDoc, (cur) =>
      fn(cur ?? this.empty()),
    );
  }

  private async load(): Promise<LocalEndpoint> {
    return (await readJson<LocalEndpoint>(this.deps.store, TWIN_STATE_BUCKET, this.endpointDoc)) ?? this.empty();
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  private get endpointDoc(): string {
    return `endpoints/${this.deps.names.endpointId}.json`;
  }

  private opDoc(id: string): string {
    return `operations/${id}.json`;
  }

  private empty(): LocalEndpoint {
    return { name: this.endpointName, deployedModels: [], trafficSplit: {} };
  }

  private iso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}

/** A split without one id's (zero) entry. */
function withoutZero(split: TrafficSplit, id: string): TrafficSplit {
  return Object.fromEntries(Object.entries(split).filter(([k]) => k !== id));
}
