// The endpoint's serving history, pure: deployed models by when they last took traffic, most recent first, one entry
// per model, bounded. Traffic moves (a go-live, a promote, a rollback) are appended under the endpoint's lease, so
// the order appended is the order they happened in — no clock tie to break. Keep-K and rollback go by it
// (traffic-split.ts planUndeploy, rollbackTarget); the ledger keeps it as one document (ledger/serving-history.ts).
import { runIdOfDeployedModel, type EndpointState, type TrafficSplit } from '../ports';
import { servingHistory } from './ledger-traffic';
import type { RunRecord } from './run-record';

/**
 * How many models the history remembers: well above KEEP_DEPLOYED_VERSIONS (at most 20, config.ts), so every model
 * keep-K may keep, and the rollback target, is always in it.
 */
export const SERVING_HISTORY_LIMIT = 64;

/** A deployed model that took traffic, the run it was deployed for, and when it last took traffic. */
export interface ServedEntry {
  deployedModelId: string;
  runId?: string;
  /** When the move that put it here happened (for entries built from older run records: when they were built). */
  at: string;
}

/** What a traffic move left on the endpoint: its split, the model traffic moved to, and who each model belongs to. */
export interface TrafficMove {
  at: string;
  to: string;
  split: TrafficSplit;
  /** deployed model id → run id, from the deployed models' display names. */
  runIds: Readonly<Record<string, string>>;
}

/** The move as the endpoint shows it after the change (its split, the runs its deployed models' names carry). */
export function trafficMoveOf(endpoint: EndpointState, to: string, at: string): TrafficMove {
  const runIds: Record<string, string> = {};
  for (const m of endpoint.deployedModels) {
    const runId = runIdOfDeployedModel(m);
    if (runId !== undefined) runIds[m.id] = runId;
  }
  return { at, to, split: endpoint.trafficSplit, runIds };
}

/**
 * The history after `move`: every model with traffic in its split moves to the front — the model traffic moved to
 * first, the others (a canary's previous version) in the order they had — and the history keeps `limit` entries.
 * Undefined when the move changes nothing (the same move again: a redelivered go-live), so no write is made.
 */
export function withTrafficMove(
  history: readonly ServedEntry[],
  move: TrafficMove,
  limit = SERVING_HISTORY_LIMIT,
): ServedEntry[] | undefined {
  const serving = Object.entries(move.split)
    .filter(([, pct]) => pct > 0)
    .map(([id]) => id);
  const place = (id: string): number => {
    if (id === move.to) return -1;
    const i = history.findIndex((e) => e.deployedModelId === id);
    return i < 0 ? history.length : i;
  };
  const front = serving.sort((a, b) => place(a) - place(b) || a.localeCompare(b));
  if (front.length === 0 || front.every((id, i) => history[i]?.deployedModelId === id)) return undefined;
  const known = new Map(history.map((e) => [e.deployedModelId, e]));
  const moved = front.map((id): ServedEntry => {
    const runId = move.runIds[id] ?? known.get(id)?.runId;
    return { deployedModelId: id, ...(runId !== undefined ? { runId } : {}), at: move.at };
  });
  return [...moved, ...history.filter((e) => !front.includes(e.deployedModelId))].slice(0, limit);
}

/** The deployed model ids, most recently serving first: what planUndeploy and rollbackTarget take. */
export const servingOrder = (history: readonly ServedEntry[]): string[] => history.map((e) => e.deployedModelId);

/**
 * The history of a ledger written before the document existed: rebuilt once from every run record's go-live split
 * and operator traffic changes (ledger-traffic.ts servingHistory), stamped `at`.
 */
export function historyFromRecords(
  runs: readonly RunRecord[],
  at: string,
  limit = SERVING_HISTORY_LIMIT,
): ServedEntry[] {
  const owner = new Map(runs.flatMap((r) => (r.deploy?.deployedModelId ? [[r.deploy.deployedModelId, r.runId]] : [])));
  return servingHistory(runs)
    .slice(0, limit)
    .map((id) => {
      const runId = owner.get(id);
      return { deployedModelId: id, ...(runId !== undefined ? { runId } : {}), at };
    });
}
