// Which run serves, as the ledger tells it (no call to the endpoint): every change of the endpoint's split is
// recorded on a run — a deployment going live (`stages.DEPLOYED`, `deploy.traffic`) or an operator's traffic change
// (`deploy.trafficChanges`, written on both runs it moved traffic between). The newest such entry across the ledger
// holds the endpoint's split; its deployed model ids map to runs through `deploy.deployedModelId`. Pure.
import type { TrafficSplit } from '../ports';
import type { RunRecord } from './run-record';

export interface LedgerTraffic {
  /** When the split was last changed, and the split. */
  at: string;
  split: TrafficSplit;
  /** runId → percent, for every run whose deployed model has a share > 0. */
  byRun: Record<string, number>;
}

/** The endpoint's split according to the newest traffic entry in the ledger; undefined when nothing was deployed. */
export function ledgerTraffic(runs: readonly RunRecord[]): LedgerTraffic | undefined {
  let latest: { at: string; split: TrafficSplit } | undefined;
  const consider = (at: string | undefined, split: TrafficSplit | undefined) => {
    if (at && split && (!latest || at > latest.at)) latest = { at, split };
  };
  for (const r of runs) {
    if (!r.deploy?.deployedModelId) continue;
    consider(r.stages.DEPLOYED, r.deploy.traffic);
    for (const c of r.deploy.trafficChanges ?? []) consider(c.at, c.split);
  }
  if (!latest) return undefined;
  const byRun: Record<string, number> = {};
  for (const r of runs) {
    const id = r.deploy?.deployedModelId;
    const pct = id === undefined || r.deploy?.undeployedAt ? 0 : (latest.split[id] ?? 0);
    if (pct > 0) byRun[r.runId] = pct;
  }
  return { ...latest, byRun };
}

/**
 * Deployed model ids by when they last took traffic, most recent first, from every split the ledger recorded
 * (go-live splits and operator traffic changes). Undeployed models are left out. What keep-K and rollback go by.
 */
export function servingHistory(runs: readonly RunRecord[]): string[] {
  const entries: { at: string; split: TrafficSplit }[] = [];
  for (const r of runs) {
    if (!r.deploy?.deployedModelId) continue;
    if (r.stages.DEPLOYED && r.deploy.traffic) entries.push({ at: r.stages.DEPLOYED, split: r.deploy.traffic });
    for (const c of r.deploy.trafficChanges ?? []) entries.push({ at: c.at, split: c.split });
  }
  const undeployed = new Set(runs.filter((r) => r.deploy?.undeployedAt).map((r) => r.deploy?.deployedModelId));
  const last = new Map<string, string>();
  for (const e of entries)
    for (const [id, pct] of Object.entries(e.split))
      if (pct > 0 && !undeployed.has(id) && (last.get(id) ?? '') < e.at) last.set(id, e.at);
  // Same instant (a coarse clock): the newer endpoint version first.
  const version = new Map(runs.map((r) => [r.deploy?.deployedModelId, r.training?.endpointVersion ?? 0]));
  return [...last.entries()]
    .sort((a, b) => b[1].localeCompare(a[1]) || (version.get(b[0]) ?? 0) - (version.get(a[0]) ?? 0))
    .map(([id]) => id);
}
