// Traffic decisions for a deployment, pure: which split the deploy request carries and, once the new model is live,
// which older deployed models to undeploy (keep-K). Rules: the split always sums to 100, the new model (key "0") always
// gets traffic, and nothing that carries traffic is ever undeployed — the endpoint is never left without a server.
import type { DeployedModelInfo, EndpointState, TrafficSplit } from '../ports';

/** `replace`: new model 100 %, previous serving version kept at 0 % for instant rollback. `canary`: new model gets `percent`. */
export type TrafficPolicy = { kind: 'replace' } | { kind: 'canary'; percent: number };

/** Parses `replace` or `canary:<1-99>`; throws an Error saying what is accepted. */
export function parseTrafficPolicy(text: string): TrafficPolicy {
  if (text === 'replace') return { kind: 'replace' };
  const m = /^canary:(\d{1,2})$/.exec(text);
  const percent = m ? Number(m[1]) : NaN;
  if (percent >= 1 && percent <= 99) return { kind: 'canary', percent };
  throw new Error(`expected "replace" or "canary:<1-99>", got "${text}"`);
}

/** What a split sent to the endpoint must satisfy besides Vertex's own rules (integer shares summing to 100, or none). */
export interface SplitRules {
  /** The ids the split may name (the endpoint's deployed models, and "0" on a deploy); any id when absent. */
  knownIds?: readonly string[];
  /** An id the split must name: "0", the model a deploy adds. */
  mustInclude?: string;
  /** An id that must get no traffic: the deployed model being undeployed. */
  mustExclude?: string;
}

/**
 * Why Vertex would refuse `split` (endpoint_service.proto: shares are integers 0–100 summing to 100, or the split is
 * empty), or why it breaks `rules`; undefined when it is fine. The one check: the cloud adapter and the endpoint
 * twin both refuse a split for the reason given here.
 */
export function trafficSplitProblem(split: TrafficSplit, rules: SplitRules = {}): string | undefined {
  const entries = Object.entries(split);
  if (rules.mustInclude !== undefined && !(rules.mustInclude in split))
    return `must include "${rules.mustInclude}" (the model being deployed)`;
  if (rules.mustExclude !== undefined && (split[rules.mustExclude] ?? 0) > 0)
    return `deployed model ${rules.mustExclude} being undeployed still has traffic; move it first`;
  for (const [id, pct] of entries) {
    if (rules.knownIds && !rules.knownIds.includes(id)) return `names unknown deployed model ${id}`;
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) return `percentages must be integers 0–100 (${id}: ${pct})`;
  }
  const sum = entries.reduce((s, [, pct]) => s + pct, 0);
  if (entries.length > 0 && sum !== 100) return `percentages must sum to 100, got ${sum}`;
  return undefined;
}

const versionNumber = (m: DeployedModelInfo): number => {
  const n = Number.parseInt(m.modelVersionId, 10);
  return Number.isFinite(n) ? n : -1;
};

/** Newest first: by model version, then by deployed model id, so the order is total and stable. */
const newestFirst = (a: DeployedModelInfo, b: DeployedModelInfo): number =>
  versionNumber(b) - versionNumber(a) || b.id.localeCompare(a.id);

/** The deployed model serving now: the one with the most traffic (the newest on a tie); none if no traffic. */
export function servingModel(endpoint: EndpointState): DeployedModelInfo | undefined {
  const share = (m: DeployedModelInfo): number => endpoint.trafficSplit[m.id] ?? 0;
  const serving = endpoint.deployedModels.filter((m) => share(m) > 0);
  return serving.sort((a, b) => share(b) - share(a) || newestFirst(a, b))[0];
}

/** The split for the deploy request: key "0" is the model being deployed; entries at 0 % are left out. */
export function planDeploySplit(endpoint: EndpointState, policy: TrafficPolicy): TrafficSplit {
  const serving = servingModel(endpoint);
  if (policy.kind === 'replace' || !serving) return { '0': 100 };
  return { '0': policy.percent, [serving.id]: 100 - policy.percent };
}

/**
 * The deployed models to undeploy (keep-K): keep everything with traffic, then the most recently serving others in
 * `history` order (newest first; see ledger-traffic.ts servingHistory), then the newest unknown ones, until `keep`
 * models remain, so the version that served before the current one stays for rollback — also after a rollback.
 */
export function planUndeploy(endpoint: EndpointState, history: readonly string[], keep: number): string[] {
  const kept = new Set<string>();
  for (const m of endpoint.deployedModels) if ((endpoint.trafficSplit[m.id] ?? 0) > 0) kept.add(m.id);
  const rank = (m: DeployedModelInfo): number => {
    const i = history.indexOf(m.id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const rest = endpoint.deployedModels
    .filter((m) => !kept.has(m.id))
    .sort((a, b) => rank(a) - rank(b) || newestFirst(a, b));
  const undeploy: string[] = [];
  for (const m of rest) {
    if (kept.size < keep) kept.add(m.id);
    else undeploy.push(m.id);
  }
  return undeploy;
}

/** The model to roll back to: the most recently serving deployed model other than `servingId` (serving history). */
export function rollbackTarget(
  endpoint: EndpointState,
  history: readonly string[],
  servingId: string,
): DeployedModelInfo | undefined {
  const deployed = new Map(endpoint.deployedModels.map((m) => [m.id, m]));
  const id = history.find((h) => h !== servingId && deployed.has(h));
  return id === undefined ? undefined : deployed.get(id);
}

/** The split to send with an undeploy: the current one without the model leaving (it carries 0 %). */
export function splitWithout(split: TrafficSplit, deployedModelId: string): TrafficSplit {
  return Object.fromEntries(Object.entries(split).filter(([id, pct]) => id !== deployedModelId && pct > 0));
}
