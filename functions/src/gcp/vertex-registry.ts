// ModelRegistry over the Vertex AI Model Registry: version aliases (the `default` alias decides which version an
// unversioned model name means) and imported evaluations shown next to each version.
import type { ClassificationEvaluation, ModelRegistry } from '../ports';
import type { GcpClients } from './clients';
import { toProtoValue } from './proto-value';
import { modelVersionName } from './settings';

export const CLASSIFICATION_METRICS_SCHEMA =
  'gs://google-cloud-aiplatform/schema/modelevaluation/classification_metrics_1.0.0.yaml';

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

    async importEvaluation(model, evaluation: ClassificationEvaluation) {
      await clients.model().importModelEvaluation({
        parent: modelVersionName(model),
        modelEvaluation: {
          displayName: evaluation.displayName,
          metricsSchemaUri: CLASSIFICATION_METRICS_SCHEMA,
          metrics: toProtoValue(evaluation.metrics),
        },
      });
    },
  };
}
