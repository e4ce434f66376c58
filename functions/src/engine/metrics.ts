// Reading a run's metrics.json (written by the trainer next to the model) and the serving version's figures from the
// ledger, for the quality gate and the registry evaluation.
import type { BuildResource, ClassificationEvaluation, EndpointState } from '../ports';
import { servingModel } from '../pipeline/traffic-split';
import type { RunRecord } from '../pipeline/run-record';
import type { Config } from '../config';
import { parseGsUri } from '../pipeline/gs-uri';
import type { StepContext } from './context';

/** The figures the gate may use. */
const FIGURES = ['accuracy', 'rocAuc', 'logLoss'] as const;

/** metrics.json is missing or unreadable: a permanent problem of the run. */
export class MetricsError extends Error {
  override name = 'MetricsError';
}

/** The hold-out figures of metrics.json (`holdout.accuracy` etc., or top-level figures), numbers only. */
export function holdoutFigures(json: unknown): Record<string, number> {
  const root = (json ?? {}) as Record<string, unknown>;
  const source = (typeof root.holdout === 'object' && root.holdout !== null ? root.holdout : root) as Record<
    string,
    unknown
  >;
  const out: Record<string, number> = {};
  for (const key of FIGURES) if (typeof source[key] === 'number') out[key] = source[key];
  return out;
}

/** Reads `<baseOutputDir>model/metrics.json`. */
export async function readRunMetrics(ctx: StepContext, baseOutputDir: string): Promise<Record<string, number>> {
  const { bucket, name } = parseGsUri(`${baseOutputDir.replace(/\/?$/, '/')}model/metrics.json`);
  const found = await ctx.ports.store.read(bucket, name, { maxBytes: 1024 * 1024 });
  if (!found) throw new MetricsError(`gs://${bucket}/${name} does not exist`);
  try {
    return holdoutFigures(JSON.parse(found.data.toString('utf8')));
  } catch {
    throw new MetricsError(`gs://${bucket}/${name} is not JSON`);
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

/** Our figures in Vertex's classification-metrics vocabulary (auRoc, logLoss) plus accuracy. */
export function toEvaluation(runId: string, figures: Record<string, number>): ClassificationEvaluation {
  const metrics: Record<string, unknown> = {};
  if (figures.rocAuc !== undefined) metrics.auRoc = figures.rocAuc;
  if (figures.logLoss !== undefined) metrics.logLoss = figures.logLoss;
  if (figures.accuracy !== undefined) metrics.accuracy = figures.accuracy;
  return { displayName: `holdout-${runId}`, metrics };
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
