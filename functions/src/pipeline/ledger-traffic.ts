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

/** One recorded split, with what orders it against another recorded at the same instant. */
interface SplitEntry {
  at: string;
  split: TrafficSplit;
  /** The newest endpoint version among the runs the entry names (go-live: its run; change: `to`, `from`, host). */
  version: number;
  /** 0 = a go-live, 1 = an operator change (which always follows the go-live of the runs it names). */
  kind: 0 | 1;
  /** The run it is recorded on, and its place in that run's changes: the last word on a full tie. */
  runId: string;
  index: number;
}

/**
 * Orders two entries, older first. Equal timestamps (a millisecond clock, a burst) are common, so the order goes on:
 * the entry naming a newer endpoint version is newer (versions are allocated in order, and the endpoint lease makes
 * a later version's go-live follow every change made before it), then an operator change follows a go-live of the
 * same version (promote and rollback act on what went live), then run id and position, so the answer never depends
 * on the order the ledger listed the runs in.
 */
function compareEntries(a: SplitEntry, b: SplitEntry): number {
  return (
    a.at.localeCompare(b.at) ||
    a.version - b.version ||
    a.kind - b.kind ||
    a.runId.localeCompare(b.runId) ||
    a.index - b.index
  );
}

/** Every split the ledger recorded: go-live splits and operator traffic changes. */
function splitEntries(runs: readonly RunRecord[]): SplitEntry[] {
  const version = new Map(runs.map((r) => [r.runId, r.training?.endpointVersion ?? 0]));
  const entries: SplitEntry[] = [];
  for (const r of runs) {
    if (!r.deploy?.deployedModelId) continue;
    const own = version.get(r.runId) ?? 0;
    if (r.stages.DEPLOYED && r.deploy.traffic)
      entries.push({ at: r.stages.DEPLOYED, split: r.deploy.traffic, version: own, kind: 0, runId: r.runId, index: 0 });
    (r.deploy.trafficChanges ?? []).forEach((c, index) => {
      const named = [c.to, c.from].map((id) => (id === undefined ? 0 : (version.get(id) ?? 0)));
      entries.push({ at: c.at, split: c.split, version: Math.max(own, ...named), kind: 1, runId: r.runId, index });
    });
  }
  return entries;
}

/** The endpoint's split according to the newest traffic entry in the ledger; undefined when nothing was deployed. */
export function ledgerTraffic(runs: readonly RunRecord[]): LedgerTraffic | undefined {
  let latest: SplitEntry | undefined;
  for (const e of splitEntries(runs)) if (!latest || compareEntries(e, latest) > 0) latest = e;
  if (!latest) return undefined;
  const { at, split } = latest;
  const byRun: Record<string, number> = {};
  for (const r of runs) {
    const id = r.deploy?.deployedModelId;
    const pct = id === undefined || r.deploy?.undeployedAt ? 0 : (split[id] ?? 0);
    if (pct > 0) byRun[r.runId] = pct;
  }
  return { at, split, byRun };
}

/**
 * Deployed model ids by when they last took traffic, most recent first, from every split the ledger recorded
 * (go-live splits and operator traffic changes). Undeployed models are left out. What keep-K and rollback go by.
 */
export function servingHistory(runs: readonly RunRecord[]): string[] {
  const undeployed = new Set(runs.filter((r) => r.deploy?.undeployedAt).map((r) => r.deploy?.deployedModelId));
  const last = new Map<string, SplitEntry>();
  for (const e of splitEntries(runs))
    for (const [id, pct] of Object.entries(e.split)) {
      const seen = last.get(id);
      if (pct > 0 && !undeployed.has(id) && (!seen || compareEntries(e, seen) > 0)) last.set(id, e);
    }
  // Two models last serving in the same entry (a canary split): the newer endpoint version first, then the id.
  const version = new Map(runs.map((r) => [r.deploy?.deployedModelId, r.training?.endpointVersion ?? 0]));
  return [...last.entries()]
    .sort(
      ([ia, ea], [ib, eb]) =>
        compareEntries(eb, ea) || (version.get(ib) ?? 0) - (version.get(ia) ?? 0) || ia.localeCompare(ib),
    )
    .map(([id]) => id);
}
