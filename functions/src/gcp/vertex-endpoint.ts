// EndpointService over the Vertex AI endpoint: deploys model versions with a traffic split, moves traffic, and
// reports on the long-running operations it starts. Nothing here waits for an operation: deployments routinely
// outlast an event function's 540 s, so callers keep the operation name and poll getOperation.
import {
  deployedModelDisplayName,
  type DeployedModelInfo,
  type EndpointService,
  type OperationStatus,
  type TrafficSplit,
} from '../ports';
import type { GcpClients } from './clients';
import { withoutVersion } from '../pipeline/resource-names';
import { trafficSplitProblem, type SplitRules } from '../pipeline/traffic-split';
import { endpointName, type GcpSettings, modelVersionName } from './settings';

/**
 * Traffic-split updates are a synchronous UpdateEndpoint call, not an operation, yet the port returns an operation
 * name: this prefix marks such an already-finished "operation", and getOperation reports it done.
 */
export const COMPLETED_OPERATION_PREFIX = 'completed:';

/** Vertex rejects a bad split after a round trip; fail here, before calling, with the split in the message instead. */
function checkTrafficSplit(split: TrafficSplit, rules: SplitRules = {}): void {
  const problem = trafficSplitProblem(split, rules);
  if (problem) throw new Error(`invalid traffic split ${JSON.stringify(split)}: ${problem}`);
}

export function createVertexEndpoint(settings: GcpSettings, clients: Pick<GcpClients, 'endpoint'>): EndpointService {
  const endpoint = endpointName(settings);

  return {
    async getEndpoint() {
      const [ep] = await clients.endpoint().getEndpoint({ name: endpoint });
      const deployedModels: DeployedModelInfo[] = (ep.deployedModels ?? []).map((dm) => ({
        id: String(dm.id ?? ''),
        model: withoutVersion(dm.model ?? ''),
        modelVersionId: String(dm.modelVersionId ?? ''),
        ...(dm.displayName ? { displayName: dm.displayName } : {}),
      }));
      const trafficSplit: TrafficSplit = {};
      for (const [id, pct] of Object.entries(ep.trafficSplit ?? {})) trafficSplit[id] = Number(pct);
      return { name: ep.name || endpoint, deployedModels, trafficSplit };
    },

    async deployModel(req) {
      checkTrafficSplit(req.trafficSplit, { mustInclude: '0' });
      const [operation] = await clients.endpoint().deployModel({
        endpoint,
        deployedModel: {
          // Caller-chosen, so a second deploy for the same run fails with ALREADY_EXISTS even while this one runs.
          ...(req.deployedModelId ? { id: req.deployedModelId } : {}),
          model: modelVersionName(req.model),
          displayName: deployedModelDisplayName(req.runId, req.endpointVersion),
          dedicatedResources: {
            machineSpec: { machineType: settings.servingMachineType },
            minReplicaCount: 1,
            maxReplicaCount: 1,
          },
          serviceAccount: settings.servingServiceAccount,
        },
        trafficSplit: req.trafficSplit,
      });
      return { operationName: operationNameOf(operation) };
    },

    async undeployModel(deployedModelId, trafficSplit) {
      checkTrafficSplit(trafficSplit, { mustExclude: deployedModelId });
      const [operation] = await clients.endpoint().undeployModel({ endpoint, deployedModelId, trafficSplit });
      return { operationName: operationNameOf(operation) };
    },

    async updateTrafficSplit(trafficSplit) {
      checkTrafficSplit(trafficSplit);
      const [ep] = await clients.endpoint().updateEndpoint({
        endpoint: { name: endpoint, trafficSplit },
        updateMask: { paths: ['traffic_split'] },
      });
      return { operationName: `${COMPLETED_OPERATION_PREFIX}${ep.name || endpoint}` };
    },

    async getOperation(name): Promise<OperationStatus> {
      if (name.startsWith(COMPLETED_OPERATION_PREFIX)) return { name, done: true };
      // Any endpoint operation can be read through this helper; only a DeployModelResponse carries a model id.
      const op = await clients.endpoint().checkDeployModelProgress(name);
      const raw = op.latestResponse as { error?: { message?: string } | null; response?: { type_url?: string } | null };
      const error = raw.error?.message || op.error?.message;
      if (error) return { name, done: true, error };
      // tsc needs the assertion (the LRO's result type is not narrowed by checkDeployModelProgress); typescript-eslint's
      // program types it already.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      const result = op.result as { deployedModel?: { id?: string | null } | null } | null;
      const isDeploy = raw.response?.type_url?.endsWith('.DeployModelResponse');
      const deployed = isDeploy ? result?.deployedModel?.id : undefined;
      return { name, done: Boolean(op.done), ...(deployed ? { deployedModelId: String(deployed) } : {}) };
    },
  };
}

function operationNameOf(operation: { name?: string | null }): string {
  if (!operation.name) throw new Error('Vertex AI started an operation without a name');
  return operation.name;
}
