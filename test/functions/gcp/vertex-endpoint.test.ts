import assert from 'node:assert/strict';
import { EndpointServiceClient } from '@google-cloud/aiplatform';
import { createVertexEndpoint } from '../../../functions/src/gcp/vertex-endpoint';
import { deployedModelIdForRun, isAlreadyExists } from '../../../functions/src/ports';
import { fakeGrpc, grpcError, offlineClientOptions, packAny } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto } from '../../support/proto-schema';

const AI = 'google.cloud.aiplatform.v1';
const ENDPOINT = 'projects/test-project/locations/europe-west1/endpoints/1234567890';
const MODEL = 'projects/test-project/locations/europe-west1/models/titanic';
const OP = `${ENDPOINT}/operations/555`;
const settings = testSettings();

async function setup() {
  const client = new EndpointServiceClient(offlineClientOptions());
  const service = createVertexEndpoint(settings, { endpoint: () => client });
  return { client, stub: client.initialize(), service };
}

describe('gcp/vertex-endpoint', () => {
  it('deploys the model version with dedicated resources and the new split (DeployModelRequest proto-checked)', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'deployModel', () => ({
      name: OP,
      done: false,
      metadata: packAny('aiplatform', `${AI}.DeployModelOperationMetadata`, { genericMetadata: {} }),
    }));
    const result = await service.deployModel({
      runId: 'r7',
      model: { name: MODEL, versionId: '4' },
      endpointVersion: 4,
      trafficSplit: { '0': 10, '111': 90 },
      deployedModelId: '4123456789',
    });
    assert.deepEqual(result, { operationName: OP });
    const { request, headers } = calls[0]!;
    assertMatchesProto(`${AI}.DeployModelRequest`, request, protoOptions('aiplatform'));
    assert.equal(headers['x-goog-request-params'], `endpoint=${encodeURIComponent(ENDPOINT)}`);
    assert.deepEqual(request, {
      endpoint: ENDPOINT,
      deployedModel: {
        id: '4123456789',
        model: `${MODEL}@4`,
        displayName: 'v4-r7',
        dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1, maxReplicaCount: 1 },
        serviceAccount: settings.servingServiceAccount,
      },
      trafficSplit: { '0': 10, '111': 90 },
    });
  });

  it('a run always asks for the same deployed model id, in the form endpoint.proto allows (1–10 digits)', () => {
    const ids = ['20260301-120000-ab12', '20260301-120000-ab13', 'r7'].map(deployedModelIdForRun);
    for (const id of ids) assert.match(id, /^[1-9][0-9]{9}$/);
    assert.equal(new Set(ids).size, 3);
    assert.equal(deployedModelIdForRun('r7'), ids[2]);
  });

  it('a deployed model id already taken comes back as ALREADY_EXISTS (code 6) for the caller to recognise', async () => {
    const { stub, service } = await setup();
    await fakeGrpc(stub, 'deployModel', () => {
      throw grpcError(6, 'ALREADY_EXISTS: DeployedModel with ID 4123456789 already exists');
    });
    const err = await service
      .deployModel({
        runId: 'r7',
        model: { name: MODEL, versionId: '4' },
        endpointVersion: 4,
        trafficSplit: { '0': 100 },
        deployedModelId: '4123456789',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.equal((err as { code?: number }).code, 6);
    assert.equal(isAlreadyExists(err), true);
    assert.equal(isAlreadyExists(grpcError(14, 'UNAVAILABLE')), false);
  });

  it('refuses a deploy split without "0" or not summing to 100, before calling Vertex', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'deployModel', () => ({ name: OP }));
    const deploy = (trafficSplit: Record<string, number>) =>
      service.deployModel({ runId: 'r', model: { name: MODEL, versionId: '1' }, endpointVersion: 1, trafficSplit });
    await assert.rejects(deploy({ '111': 100 }), /must include "0"/);
    await assert.rejects(deploy({ '0': 50, '111': 40 }), /sum to 100/);
    await assert.rejects(deploy({ '0': 100.5 }), /integers/);
    assert.equal(calls.length, 0);
  });

  it('undeploys with the reassigned split (UndeployModelRequest proto-checked)', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'undeployModel', () => ({ name: OP }));
    assert.deepEqual(await service.undeployModel('111', { '222': 100 }), { operationName: OP });
    assertMatchesProto(`${AI}.UndeployModelRequest`, calls[0]!.request, protoOptions('aiplatform'));
    assert.deepEqual(calls[0]!.request, { endpoint: ENDPOINT, deployedModelId: '111', trafficSplit: { '222': 100 } });
    await assert.rejects(service.undeployModel('111', { '111': 100 }), /still has traffic/);
  });

  it('changes only the split with UpdateEndpoint and a traffic_split mask (UpdateEndpointRequest proto-checked)', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'updateEndpoint', (req) => ({ ...(req.endpoint as object), displayName: 'ep' }));
    const { operationName } = await service.updateTrafficSplit({ '111': 100, '222': 0 });
    const { request } = calls[0]!;
    assertMatchesProto(`${AI}.UpdateEndpointRequest`, request, protoOptions('aiplatform'));
    assert.deepEqual(request, {
      endpoint: { name: ENDPOINT, trafficSplit: { '111': 100, '222': 0 } },
      updateMask: { paths: ['traffic_split'] },
    });
    assert.deepEqual(await service.getOperation(operationName), { name: operationName, done: true });
  });

  it('reads the endpoint: deployed models (version stripped from the model name) and split', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'getEndpoint', () => ({
      name: ENDPOINT,
      displayName: 'ep',
      deployedModels: [{ id: '111', model: MODEL, modelVersionId: '3', displayName: 'v3-r6' }],
      trafficSplit: { '111': 100 },
    }));
    assert.deepEqual(await service.getEndpoint(), {
      name: ENDPOINT,
      deployedModels: [{ id: '111', model: MODEL, modelVersionId: '3', displayName: 'v3-r6' }],
      trafficSplit: { '111': 100 },
    });
    assertMatchesProto(`${AI}.GetEndpointRequest`, calls[0]!.request, protoOptions('aiplatform'));
  });

  describe('getOperation (checkDeployModelProgress → operations.GetOperation)', () => {
    async function withOperation(operation: Record<string, unknown>) {
      const { client, service } = await setup();
      const calls = await fakeGrpc(client.operationsClient.operationsStub, 'getOperation', () => operation);
      return { service, calls };
    }

    it('reports a finished deploy with the id the endpoint gave the deployed model', async () => {
      const { service, calls } = await withOperation({
        name: OP,
        done: true,
        response: packAny('aiplatform', `${AI}.DeployModelResponse`, { deployedModel: { id: '333', model: MODEL } }),
      });
      assert.deepEqual(await service.getOperation(OP), { name: OP, done: true, deployedModelId: '333' });
      assertMatchesProto('google.longrunning.GetOperationRequest', calls[0]!.request, protoOptions('aiplatform'));
      assert.equal(calls[0]!.request.name, OP);
    });

    it('reports a running operation as not done', async () => {
      const { service } = await withOperation({ name: OP, done: false });
      assert.deepEqual(await service.getOperation(OP), { name: OP, done: false });
    });

    it('reports a failed operation with its error message', async () => {
      const { service } = await withOperation({
        name: OP,
        done: true,
        error: { code: 9, message: 'Model server never became ready.' },
      });
      assert.deepEqual(await service.getOperation(OP), {
        name: OP,
        done: true,
        error: 'Model server never became ready.',
      });
    });

    it('finishes an undeploy without inventing a deployed model id', async () => {
      const { service } = await withOperation({
        name: OP,
        done: true,
        response: packAny('aiplatform', `${AI}.UndeployModelResponse`, {}),
      });
      assert.deepEqual(await service.getOperation(OP), { name: OP, done: true });
    });
  });
});
