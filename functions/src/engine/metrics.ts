// Reading a run's metrics.json v1 (written by the trainer next to the model, docs/trainer-contract.md) against the
// trainer's manifest, and the serving version's figures from the ledger, for the quality gate, the registry
// evaluation and the report. Nothing here knows a metric's name: the manifest declares them.
import type { BuildResource, EndpointState, ModelEvaluation } from '../ports';
import { servingModel } from '../pipeline/traffic-split';
import type { RunRecord } from '../pipeline/run-record';
import type { Config } from '../config';
import { parseGsUri } from '../pipeline/gs-uri';
import { ContractError } from '../contract/ajv';
import { gatePolicy, type GatePolicy } from '../contract/gate-comparison';
import { loadManifest, type LoadedManifest } from '../contract/manifest';
import { parseMetricsFile, type MetricsFile } from '../contract/metrics-file';
import type { StepContext } from './context';
import { loadOncePerKey } from '../load-once';

/** metrics.json is missing, unreadable or malformed (the reason names the field): a permanent problem of the run. */
export class MetricsError extends Error {
  override name = 'MetricsError';
}

/** The trainer's manifest, loaded once per folder (a failed load is retried next time). */
export const trainerManifest: (trainerDir: string) => Promise<LoadedManifest> = loadOncePerKey(loadManifest);

/** The candidate's usable hold-out figures of metrics.json v1 (`metrics`): numbers only, a null metric left out. */
export function holdoutFigures(file: Pick<MetricsFile, 'metrics'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(file.metrics))
    if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
  return out;
}

/** A run's metrics.json, checked against the manifest, and the gate it is judged by. */
export interface RunMetrics {
  file: MetricsFile;
  policy: GatePolicy;
}

/** The object name of a run's metrics.json: `<baseOutputDir>model/metrics.json` (AIP_MODEL_DIR). */
export const metricsUri = (baseOutputDir: string): string => `${baseOutputDir.replace(/\/?$/, '/')}model/metrics.json`;

/**
 * Reads and checks `<baseOutputDir>model/metrics.json` and resolves the gate (manifest + GATE_* overrides).
 * Throws MetricsError naming the object and each bad field.
 */
export async function readRunMetrics(
  ctx: Pick<StepContext, 'ports' | 'config'>,
  baseOutputDir: string,
): Promise<RunMetrics> {
  const uri = metricsUri(baseOutputDir);
  const { bucket, name } = parseGsUri(uri);
  try {
    const { manifest } = await trainerManifest(ctx.config.trainerDir);
    const policy = gatePolicy(manifest, ctx.config.gate);
    const found = await ctx.ports.store.read(bucket, name, { maxBytes: 1024 * 1024 });
    if (!found) throw new MetricsError(`${uri} does not exist`);
    return { file: parseMetricsFile(found.data.toString('utf8'), manifest), policy };
  } catch (err) {
    if (err instanceof ContractError) throw new MetricsError(`${uri}: ${err.message}`);
    throw err;
  }
}

/** The serving version's run (matched by deployed model id, else by model version) and its gate metric. */
export function servingRun(endpoint: EndpointState, runs: RunRecord[]): RunRecord | undefined {
  const serving = servingModel(endpoint);
  if (!serving) return undefined;
  return (
    runs.find((r) => r.deploy?.deployedModelId === serving.id) ??
    runs.find((r) => r.state === 'DEPLOYED' && r.training?.model?.versionId === serving.modelVersionId)
  );
}

/** The registry evaluation of a run: its hold-out figures under the contract's names, and the task they measure. */
export function toEvaluation(
  runId: string,
  figures: Record<string, number>,
  task: ModelEvaluation['task'],
): ModelEvaluation {
  return { displayName: `holdout-${runId}`, task, metrics: { ...figures } };
}

/** The pushed trainer image as `<name without tag>@<digest>`, preferring IMAGE_REPOSITORY/IMAGE_NAME. */
export function pinnedImage(
  config: Pick<Config, 'imageRepository' | 'imageName'>,
  build: Pick<BuildResource, 'results'>,
): { uri: string; digest: string } | undefined {
  const wanted = `${config.imageRepository}/${config.imageName}`;
  const untagged = (name: string): string => name.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const images = (build.results?.images ?? []).filter((i) => i.name && i.digest?.startsWith('sha256:'));
  const image = images.find((i) => untagged(i.name as string) === wanted) ?? images[0];
  return image
    ? { uri: `${untagged(image.name as string)}@${image.digest}`, digest: image.digest as string }
    : undefined;
}
