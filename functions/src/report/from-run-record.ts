// The run report's input from a run record (and the trainer's metrics.json when it could be read). Pure: a copy of
// the record's fields into the report's shape, nothing computed but the endpoint name.
import type { RunRecord } from '../pipeline/run-record';
import { ContractError } from '../contract/ajv';
import type { TrainerManifest } from '../contract/manifest';
import { parseMetricsFile } from '../contract/metrics-file';
import type { ReportMetrics, RunReportInput } from './report-input';

/** metrics.json (its text, undefined when absent) checked against the trainer's manifest, for the report. */
export function reportMetrics(
  text: string | undefined,
  manifest: Pick<TrainerManifest, 'metrics' | 'task'>,
): ReportMetrics | undefined {
  if (text === undefined) return undefined;
  try {
    return { file: parseMetricsFile(text, manifest), declared: manifest.metrics };
  } catch (err) {
    return { error: err instanceof ContractError ? err.message : String(err) };
  }
}

/** Maps a run record to the report's input. */
export function reportInputFromRecord(
  r: RunRecord,
  extra: { generatedAt?: string; endpoint?: string; metrics?: ReportMetrics } = {},
): RunReportInput {
  const d = r.dataset;
  return {
    runId: r.runId,
    state: r.state,
    trigger: r.trigger,
    ...(extra.generatedAt ? { generatedAt: extra.generatedAt } : {}),
    stages: { ...r.stages },
    ...(d
      ? {
          dataset: {
            uri: d.uri,
            generation: d.generation,
            size: d.size,
            ...(d.md5Hash ? { md5Hash: d.md5Hash } : {}),
            ...(d.rows !== undefined ? { rows: d.rows } : {}),
          },
        }
      : {}),
    ...(r.build
      ? {
          build: {
            ...(r.build.id ? { id: r.build.id } : {}),
            ...(r.build.logUrl ? { logUrl: r.build.logUrl } : {}),
            ...(r.build.imageUri ? { imageUri: r.build.imageUri } : {}),
            ...(r.build.imageDigest ? { imageDigest: r.build.imageDigest } : {}),
          },
        }
      : {}),
    ...(r.training
      ? {
          training: {
            ...(r.training.name ? { name: r.training.name } : {}),
            ...(r.training.endpointVersion !== undefined ? { endpointVersion: r.training.endpointVersion } : {}),
            ...(r.training.model ? { model: { ...r.training.model } } : {}),
          },
        }
      : {}),
    ...(r.deploy?.deployedModelId
      ? {
          deployment: {
            ...(extra.endpoint ? { endpoint: extra.endpoint } : {}),
            deployedModelId: r.deploy.deployedModelId,
            // Once undeployed (keep-K), the model takes no traffic whatever the go-live split was.
            ...(r.deploy.undeployedAt
              ? { trafficSplit: { [r.deploy.deployedModelId]: 0 }, undeployedAt: r.deploy.undeployedAt }
              : r.deploy.traffic
                ? { trafficSplit: { ...r.deploy.traffic } }
                : {}),
          },
        }
      : {}),
    ...(r.gate
      ? {
          gate: {
            ...r.gate,
            reason: r.override
              ? `${r.gate.reason} — overridden: deployed by ${r.override.by} at ${r.override.at}`
              : r.gate.reason,
          },
        }
      : {}),
    ...(r.rejection ? { rejection: { ...r.rejection } } : {}),
    ...(r.errors.length > 0 ? { errors: r.errors.map((e) => ({ ...e })) } : {}),
    ...(r.cost ? { cost: r.cost } : {}),
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
  };
}
