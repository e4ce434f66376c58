// Calling the endpoint: locally the running stack's predict URL; with --env vertex the Vertex AI endpoint.
import type { TableRules } from '../contract/dataset-schema';
import type { StackInfo } from './stack-file';

export interface PredictResponse {
  predictions: unknown[];
  deployedModelId?: string;
  model?: string;
  modelVersionId?: string;
}

/** POSTs `{instances}` to a local stack's endpoint; errors carry the endpoint's message. */
export async function predictLocal(
  stack: Pick<StackInfo, 'predictUrl'>,
  instances: unknown[],
): Promise<PredictResponse> {
  const res = await fetch(stack.predictUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances }),
  });
  const body = (await res.json().catch(() => ({}))) as PredictResponse & { error?: { message?: string } | string };
  if (!res.ok) {
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? JSON.stringify(body));
    throw new Error(`endpoint answered ${res.status}: ${message}`);
  }
  return body;
}

/** What the prediction table needs of the trainer's dataset schema (`x-vertex-retrain`: features, label, id). */
export type PredictionColumns = Pick<TableRules, 'features' | 'label'> & Partial<Pick<TableRules, 'id'>>;

/** The longest cell shown; longer values are cut (the whole value is in `--json`). */
const CELL = 24;

const cellText = (v: unknown): string => {
  const text = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text.length > CELL ? `${text.slice(0, CELL - 1)}…` : text;
};

/**
 * One prediction as (predicted value, probability). The contract's items are `{label, probability}`
 * (classification) and `{value}` (regression); a server may name the predicted field after the label column
 * (`{"<label>": 1, "probability": …}`, any case). Anything else shows as its JSON.
 */
function predictionCells(p: unknown, label: string): [string, string] {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return [cellText(p), ''];
  const o = p as Record<string, unknown>;
  const named = Object.keys(o).find((k) => k.toLowerCase() === label.toLowerCase());
  const value = 'label' in o ? o.label : 'value' in o ? o.value : named ? o[named] : undefined;
  const probability = typeof o.probability === 'number' ? o.probability.toFixed(3) : '';
  const shown = typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : cellText(value);
  return [value === undefined ? cellText(p) : shown, probability];
}

/** A table of the instances (the id column and the schema's feature columns) next to their predictions. */
export function renderPredictions(
  instances: Record<string, unknown>[],
  response: PredictResponse,
  columns: PredictionColumns,
): string[] {
  const shown = [...(columns.id ? [columns.id] : []), ...columns.features];
  const predicted = response.predictions.map((p) => predictionCells(p, columns.label));
  const withProbability = predicted.some(([, probability]) => probability !== '');
  const header = [
    ...shown.map((c) => c.toUpperCase()),
    `PREDICTED ${columns.label.toUpperCase()}`,
    ...(withProbability ? ['PROBABILITY'] : []),
  ];
  const rows = instances.map((inst, i) => {
    const [value, probability] = predicted[i] ?? ['(none)', ''];
    return [...shown.map((c) => cellText(inst[c])), value, ...(withProbability ? [probability] : [])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
