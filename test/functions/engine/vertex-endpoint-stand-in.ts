// The endpoint and registry ports of the functions harness as the REAL Vertex AI adapters (EndpointServiceClient,
// ModelServiceClient), with their gRPC transport stubbed onto the harness's in-memory FakeEndpoint / FakeRegistry
// (which keep the state and the test controls such as completeDeploy). Every request the clients send is recorded
// with its proto type so a test can check them all against the aiplatform schema.
import { EndpointServiceClient, ModelServiceClient } from '@google-cloud/aiplatform';
import { setPortsForTesting } from '../../../functions/src/backend';
import type { StepContext } from '../../../functions/src/engine/context';
import { createVertexEndpoint } from '../../../functions/src/gcp/vertex-endpoint';
import { createVertexRegistry } from '../../../functions/src/gcp/vertex-registry';
import { createLogger } from '../../../functions/src/log';
import type { TrafficSplit } from '../../../functions/src/ports';
import {
  fakeValidator,
  harness,
  registryModelExists,
  type Harness,
  type LogLine,
} from '../../support/functions-harness';
import { fakeGrpc, packAny, offlineClientOptions, type GrpcCall } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto } from '../../support/proto-schema';

const AI = 'google.cloud.aiplatform.v1';

const splitModel = (versioned: string) => {
  const at = versioned.lastIndexOf('@');
  return { name: versioned.slice(0, at), versionId: versioned.slice(at + 1) };
};
const numbers = (split: Record<string, unknown> | undefined): TrafficSplit =>
  Object.fromEntries(Object.entries(split ?? {}).map(([k, v]) => [k, Number(v)]));

export interface RealVertex {
  ctx: StepContext;
  /** Every request the real clients sent, with the proto request type it must match. */
  calls: { type: string; call: GrpcCall }[];
  /** Throws a ProtoMismatchError naming the first request that does not match its proto. */
  assertAllMatchProto(): void;
  mergeAliasCalls(): GrpcCall[];
}

/** Swaps the harness's endpoint and registry ports for the real adapters over the harness's fakes. */
/** A functions harness with `env`, the real Vertex endpoint client over the stand-in, and the registry model made. */
export async function realVertexHarness(env: Record<string, string>): Promise<{ h: Harness; vertex: RealVertex }> {
  const h = await harness(env);
  const vertex = await useRealVertexEndpoint(h);
  await registryModelExists(h);
  return { h, vertex };
}

export async function useRealVertexEndpoint(h: Harness): Promise<RealVertex> {
  const settings = testSettings();
  const endpointClient = new EndpointServiceClient(offlineClientOptions());
  const modelClient = new ModelServiceClient(offlineClientOptions());
  const record = async (
    stub: unknown,
    method: string,
    type: string,
    respond: (r: Record<string, unknown>) => unknown,
  ) => {
    const list = await fakeGrpc(stub, method, respond);
    return () => list.map((call) => ({ type, call }));
  };
  const eps = endpointClient.initialize();
  const lists = [
    await record(eps, 'getEndpoint', 'GetEndpointRequest', async () => {
      const ep = await h.endpoint.getEndpoint();
      return {
        name: ep.name,
        deployedModels: ep.deployedModels.map((m) => ({
          id: m.id,
          model: m.model,
          modelVersionId: m.modelVersionId,
          displayName: m.displayName,
        })),
        trafficSplit: ep.trafficSplit,
      };
    }),
    await record(eps, 'deployModel', 'DeployModelRequest', async (req) => {
      const dm = req.deployedModel as { id?: string; model: string; displayName: string };
      const m = /^v(\d+)-(.+)$/.exec(dm.displayName);
      const { operationName } = await h.endpoint.deployModel({
        runId: m?.[2] ?? dm.displayName,
        model: splitModel(dm.model),
        endpointVersion: Number(m?.[1]),
        trafficSplit: numbers(req.trafficSplit as Record<string, unknown>),
        ...(dm.id ? { deployedModelId: dm.id } : {}),
      });
      return {
        name: operationName,
        done: false,
        metadata: packAny('aiplatform', `${AI}.DeployModelOperationMetadata`, { genericMetadata: {} }),
      };
    }),
    await record(eps, 'undeployModel', 'UndeployModelRequest', async (req) => {
      const { operationName } = await h.endpoint.undeployModel(
        String(req.deployedModelId),
        numbers(req.trafficSplit as Record<string, unknown>),
      );
      // The fake's operation (done at once, or held by the test) is what getOperation reads back.
      return { name: operationName, done: false };
    }),
    await record(eps, 'updateEndpoint', 'UpdateEndpointRequest', async (req) => {
      const ep = req.endpoint as { trafficSplit?: Record<string, unknown> };
      await h.endpoint.updateTrafficSplit(numbers(ep.trafficSplit));
      return { name: h.endpoint.state.name, trafficSplit: h.endpoint.state.trafficSplit };
    }),
    await record(
      endpointClient.operationsClient.operationsStub,
      'getOperation',
      'google.longrunning.GetOperationRequest',
      async (req) => {
        const op = await h.endpoint.getOperation(String(req.name));
        if (!op.done) return { name: op.name, done: false };
        if (op.error) return { name: op.name, done: true, error: { code: 9, message: op.error } };
        return {
          name: op.name,
          done: true,
          response: op.deployedModelId
            ? packAny('aiplatform', `${AI}.DeployModelResponse`, { deployedModel: { id: op.deployedModelId } })
            : packAny('aiplatform', `${AI}.UndeployModelResponse`, {}),
        };
      },
    ),
  ];
  const ms = modelClient.initialize();
  const mergeAliases = await record(ms, 'mergeVersionAliases', 'MergeVersionAliasesRequest', async (req) => {
    const model = splitModel(String(req.name));
    await h.registry.setVersionAliases(model, req.versionAliases as string[]);
    return { name: model.name, versionId: model.versionId, versionAliases: req.versionAliases };
  });
  lists.push(
    mergeAliases,
    await record(ms, 'importModelEvaluation', 'ImportModelEvaluationRequest', async (req) => {
      await h.registry.importEvaluation(splitModel(String(req.parent)), { metrics: {} } as never);
      return { ...(req.modelEvaluation as object), name: `${String(req.parent)}/evaluations/1` };
    }),
  );
  const log = createLogger(h.config, { write: (line: string) => void h.logs.push(JSON.parse(line) as LogLine) });
  const ctx = setPortsForTesting(
    {
      ...h.ports,
      endpoint: createVertexEndpoint(settings, { endpoint: () => endpointClient }),
      registry: createVertexRegistry({ model: () => modelClient }),
    },
    { config: h.config, log, validateDataset: fakeValidator },
  ) as StepContext;
  const all = () => lists.flatMap((l) => l());
  return {
    ctx,
    get calls() {
      return all();
    },
    assertAllMatchProto() {
      for (const { type, call } of all())
        assertMatchesProto(type.includes('.') ? type : `${AI}.${type}`, call.request, protoOptions('aiplatform'));
    },
    mergeAliasCalls: () => mergeAliases().map((c) => c.call),
  };
}
