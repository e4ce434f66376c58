// Calling the endpoint: locally the running stack's predict URL; with --env vertex the Vertex AI endpoint.
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

/** A table of passengers and their predictions. */
export function renderPredictions(instances: Record<string, unknown>[], response: PredictResponse): string[] {
  const rows = instances.map((inst, i) => {
    const p = response.predictions[i] as { survived?: number; probability?: number } | undefined;
    return [
      String(inst.PassengerId ?? i + 1),
      String(inst.Name ?? '').slice(0, 34),
      String(inst.Sex ?? ''),
      String(inst.Age ?? ''),
      String(inst.Pclass ?? ''),
      p?.survived === undefined ? JSON.stringify(p) : p.survived === 1 ? 'survives' : 'does not survive',
      p?.probability === undefined ? '' : p.probability.toFixed(3),
    ];
  });
  const header = ['ID', 'NAME', 'SEX', 'AGE', 'CLASS', 'PREDICTION', 'P(SURVIVE)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
