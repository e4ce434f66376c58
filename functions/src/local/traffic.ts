// Traffic split rules of a Vertex AI endpoint, as the twin enforces them (endpoint_service.proto): percentages are
// integers summing to 100 (or the split is empty), keys are deployed model ids ("0" = the model being deployed),
// and a request is routed to one deployed model with probability equal to its share.
import { trafficSplitProblem, type SplitRules } from '../pipeline/traffic-split';
import type { TrafficSplit } from '../ports';

/** A request the real service would refuse with INVALID_ARGUMENT / FAILED_PRECONDITION. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** Throws InvalidRequestError, as the service answers, for a split pipeline/traffic-split.ts finds a problem with. */
export function checkSplit(split: TrafficSplit, rules: SplitRules): void {
  const problem = trafficSplitProblem(split, rules);
  if (problem) throw new InvalidRequestError(`traffic split ${JSON.stringify(split)}: ${problem}`);
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
