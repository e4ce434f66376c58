// Traffic split rules of a Vertex AI endpoint, as the twin enforces them (endpoint_service.proto): percentages are
// integers summing to 100 (or the split is empty), keys are deployed model ids ("0" = the model being deployed),
// and a request is routed to one deployed model with probability equal to its share.
import type { TrafficSplit } from '../ports';

/** A request the real service would refuse with INVALID_ARGUMENT / FAILED_PRECONDITION. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** Throws InvalidRequestError unless every key is known and the values are integers 0–100 summing to 100. */
export function checkSplit(split: TrafficSplit, knownIds: readonly string[]): void {
  const entries = Object.entries(split);
  if (entries.length === 0) return;
  for (const [id, pct] of entries) {
    if (!knownIds.includes(id)) throw new InvalidRequestError(`traffic split names unknown deployed model ${id}`);
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) {
      throw new InvalidRequestError(`traffic split value for ${id} must be an integer 0-100, got ${pct}`);
    }
  }
  const sum = entries.reduce((s, [, pct]) => s + pct, 0);
  if (sum !== 100) throw new InvalidRequestError(`traffic split must sum to 100, got ${sum}`);
}

/** The deployed model a request goes to: a weighted choice; `random` in [0, 1). Undefined if nothing has traffic. */
export function pickDeployedModel(split: TrafficSplit, random: number = Math.random()): string | undefined {
  const entries = Object.entries(split)
    .filter(([, pct]) => pct > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((s, [, pct]) => s + pct, 0);
  let point = random * total;
  for (const [id, pct] of entries) {
    if (point < pct) return id;
    point -= pct;
  }
  return entries.at(-1)?.[0];
}
