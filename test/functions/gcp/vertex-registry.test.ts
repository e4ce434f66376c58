import assert from 'node:assert/strict';
import { ModelServiceClient } from '@google-cloud/aiplatform';
import { CLASSIFICATION_METRICS_SCHEMA, createVertexRegistry } from '../../../functions/src/gcp/vertex-registry';
import { fakeGrpc, offlineClientOptions } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { assertMatchesProto, valueToJson } from '../../support/proto-schema';

const AI = 'google.cloud.aiplatform.v1';
const MODEL = { name: 'projects/test-project/locations/europe-west1/models/titanic', versionId: '4' };

async function setup() {
  const client = new ModelServiceClient(offlineClientOptions());
  return { stub: client.initialize(), registry: createVertexRegistry({ model: () => client }) };
}

describe('gcp/vertex-registry', () => {
  it('moves aliases onto one version (MergeVersionAliasesRequest proto-checked)', async () => {
    const { stub, registry } = await setup();
    const calls = await fakeGrpc(stub, 'mergeVersionAliases', (req) => ({
      name: MODEL.name,
      versionId: '4',
      versionAliases: req.versionAliases,
    }));
    await registry.setVersionAliases(MODEL, ['default', 'v4']);
    assertMatchesProto(`${AI}.MergeVersionAliasesRequest`, calls[0]!.request, protoOptions('aiplatform'));
    assert.deepEqual(calls[0]!.request, { name: `${MODEL.name}@4`, versionAliases: ['default', 'v4'] });
    assert.equal(calls[0]!.headers['x-goog-request-params'], `name=${encodeURIComponent(`${MODEL.name}@4`)}`);
  });

  it('refuses aliases Vertex would reject (numeric, upper-case start, empty list)', async () => {
    const { registry } = await setup();
    await assert.rejects(registry.setVersionAliases(MODEL, ['4']), /invalid model version aliases \["4"\]/);
    await assert.rejects(registry.setVersionAliases(MODEL, ['Default']), /invalid/);
    await assert.rejects(registry.setVersionAliases(MODEL, []), /invalid/);
  });

  it('imports a classification evaluation with metrics as a Value (ImportModelEvaluationRequest proto-checked)', async () => {
    const { stub, registry } = await setup();
    const calls = await fakeGrpc(stub, 'importModelEvaluation', (req) => ({
      ...(req.modelEvaluation as object),
      name: `${MODEL.name}/evaluations/1`,
    }));
    const metrics = {
      auRoc: 0.87,
      logLoss: 0.41,
      confusionMatrix: {
        annotationSpecs: [{ displayName: 'died' }, { displayName: 'survived' }],
        rows: [
          [90, 12],
          [15, 62],
        ],
      },
      confidenceMetrics: [{ confidenceThreshold: 0.5, precision: 0.84, recall: 0.8 }],
    };
    await registry.importEvaluation(MODEL, { displayName: 'run r7 holdout', metrics });
    const { request } = calls[0]!;
    assertMatchesProto(`${AI}.ImportModelEvaluationRequest`, request, protoOptions('aiplatform'));
    assert.equal(request.parent, `${MODEL.name}@4`);
    const evaluation = request.modelEvaluation as { displayName: string; metricsSchemaUri: string; metrics: unknown };
    assert.equal(evaluation.displayName, 'run r7 holdout');
    assert.equal(evaluation.metricsSchemaUri, CLASSIFICATION_METRICS_SCHEMA);
    assert.deepEqual(valueToJson(evaluation.metrics), metrics);
  });
});
