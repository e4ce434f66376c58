import assert from 'node:assert/strict';
import { ModelServiceClient } from '@google-cloud/aiplatform';
import {
  CLASSIFICATION_METRICS_SCHEMA,
  createVertexRegistry,
  REGRESSION_METRICS_SCHEMA,
  vertexEvaluation,
} from '../../../functions/src/gcp/vertex-registry';
import type { ModelEvaluation } from '../../../functions/src/ports';
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

  // The fields each Vertex metrics schema defines (gs://google-cloud-aiplatform/schema/modelevaluation/
  // classification_metrics_1.0.0.yaml and regression_metrics_1.0.0.yaml; the regression names as in
  // google.cloud.automl RegressionEvaluationMetrics). A field outside these is not part of the evaluation.
  const SCHEMA_FIELDS = {
    classification: ['auPrc', 'auRoc', 'logLoss', 'confidenceMetrics', 'confusionMatrix'],
    regression: [
      'rootMeanSquaredError',
      'meanAbsoluteError',
      'meanAbsolutePercentageError',
      'rSquared',
      'rootMeanSquaredLogError',
    ],
  };
  const cases: {
    task: ModelEvaluation['task'];
    figures: Record<string, number>;
    schema: string;
    sent: Record<string, number>;
    fields: string[];
  }[] = [
    {
      task: 'binary-classification',
      figures: { accuracy: 0.84, rocAuc: 0.87, logLoss: 0.41 },
      schema: CLASSIFICATION_METRICS_SCHEMA,
      sent: { auRoc: 0.87, logLoss: 0.41 },
      fields: SCHEMA_FIELDS.classification,
    },
    {
      task: 'multiclass-classification',
      figures: { accuracy: 0.7, logLoss: 0.9, f1: 0.66 },
      schema: CLASSIFICATION_METRICS_SCHEMA,
      sent: { logLoss: 0.9 },
      fields: SCHEMA_FIELDS.classification,
    },
    {
      task: 'regression',
      figures: { mae: 42.1, rmse: 53.9, r2: 0.45, mape: 0.38, myOwn: 3 },
      schema: REGRESSION_METRICS_SCHEMA,
      sent: { meanAbsoluteError: 42.1, rootMeanSquaredError: 53.9, rSquared: 0.45, meanAbsolutePercentageError: 0.38 },
      fields: SCHEMA_FIELDS.regression,
    },
  ];
  for (const c of cases)
    it(`imports a ${c.task} evaluation under ${c.schema.split('/').pop()} with only that schema's fields (ImportModelEvaluationRequest proto-checked)`, async () => {
      const { stub, registry } = await setup();
      const calls = await fakeGrpc(stub, 'importModelEvaluation', (req) => ({
        ...(req.modelEvaluation as object),
        name: `${MODEL.name}/evaluations/1`,
      }));
      await registry.importEvaluation(MODEL, { displayName: 'holdout-r7', task: c.task, metrics: c.figures });
      const { request } = calls[0]!;
      assertMatchesProto(`${AI}.ImportModelEvaluationRequest`, request, protoOptions('aiplatform'));
      assert.equal(request.parent, `${MODEL.name}@4`);
      const evaluation = request.modelEvaluation as { displayName: string; metricsSchemaUri: string; metrics: unknown };
      assert.equal(evaluation.displayName, 'holdout-r7');
      assert.equal(evaluation.metricsSchemaUri, c.schema);
      const sent = valueToJson(evaluation.metrics) as Record<string, unknown>;
      assert.deepEqual(sent, c.sent);
      for (const field of Object.keys(sent)) assert.ok(c.fields.includes(field), `${field} is not in ${c.schema}`);
    });

  it('leaves out a NaN figure', () =>
    assert.deepEqual(
      vertexEvaluation({ displayName: 'd', task: 'regression', metrics: { rmse: NaN, mae: 1 } }).metrics,
      { meanAbsoluteError: 1 },
    ));
});
