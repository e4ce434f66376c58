// ModelRegistry over the Vertex AI Model Registry: version aliases (the `default` alias decides which version an
// unversioned model name means) and imported evaluations shown next to each version.
import type { ModelEvaluation, ModelRegistry } from '../ports';
import type { GcpClients } from './clients';
import { toProtoValue } from './proto-value';
import { modelVersionName } from './settings';

export const CLASSIFICATION_METRICS_SCHEMA =
  'gs://google-cloud-aiplatform/schema/modelevaluation/classification_metrics_1.0.0.yaml';
export const REGRESSION_METRICS_SCHEMA =
  'gs://google-cloud-aiplatform/schema/modelevaluation/regression_metrics_1.0.0.yaml';

/**
 * The trainer contract's standard metric names (docs/trainer-contract.md) as fields of each Vertex metrics schema.
 * Only fields the schema defines are sent: classification_metrics_1.0.0 has auPrc, auRoc, logLoss, confidenceMetrics
 * and confusionMatrix (no accuracy); regression_metrics_1.0.0 has rootMeanSquaredError, meanAbsoluteError,
 * meanAbsolutePercentageError, rSquared and rootMeanSquaredLogError. A metric with no field there (accuracy, f1, a
 * trainer's own) stays in metrics.json and the run record, not in the registry.
 */
const VERTEX_FIELDS: Record<'classification' | 'regression', { schema: string; fields: Record<string, string> }> = {
  classification: {
    schema: CLASSIFICATION_METRICS_SCHEMA,
    fields: { rocAuc: 'auRoc', logLoss: 'logLoss', auPrc: 'auPrc' },
  },
  regression: {
    schema: REGRESSION_METRICS_SCHEMA,
    fields: {
      mae: 'meanAbsoluteError',
      rmse: 'rootMeanSquaredError',
      r2: 'rSquared',
      mape: 'meanAbsolutePercentageError',
      rmsle: 'rootMeanSquaredLogError',
    },
  },
};

/** The metrics schema URI and the Struct content Vertex gets for an evaluation. */
export function vertexEvaluation(evaluation: ModelEvaluation): {
  metricsSchemaUri: string;
  metrics: Record<string, number>;
} {
  const { schema, fields } = VERTEX_FIELDS[evaluation.task === 'regression' ? 'regression' : 'classification'];
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(evaluation.metrics)) {
    const field = fields[name];
    if (field && Number.isFinite(value)) metrics[field] = value;
  }
  return { metricsSchemaUri: schema, metrics };
}

// model.proto: `[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]`; a leading "-" removes the alias (MergeVersionAliases).
const ALIAS = /^-?[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$/;

export function createVertexRegistry(clients: Pick<GcpClients, 'model'>): ModelRegistry {
  return {
    async setVersionAliases(model, aliases) {
      const bad = aliases.filter((a) => !ALIAS.test(a));
      if (aliases.length === 0 || bad.length > 0) {
        throw new Error(`invalid model version aliases ${JSON.stringify(bad.length ? bad : aliases)}`);
      }
      await clients.model().mergeVersionAliases({ name: modelVersionName(model), versionAliases: aliases });
    },

    async importEvaluation(model, evaluation: ModelEvaluation) {
      const { metricsSchemaUri, metrics } = vertexEvaluation(evaluation);
      await clients.model().importModelEvaluation({
        parent: modelVersionName(model),
        modelEvaluation: { displayName: evaluation.displayName, metricsSchemaUri, metrics: toProtoValue(metrics) },
      });
    },
  };
}
