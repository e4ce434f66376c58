// The dashboard's view model: the ledger's run records and the endpoint's live state → what the page shows (a row
// per run, the gate metric across runs, the deployed versions and the traffic split, the operators' traffic
// changes). Pure. Every read of a run record's fields is in runFacts(), so a change of the record's shape is one edit.
import type { TrafficChange, RunRecord } from '../../pipeline/run-record';
import type { EndpointState } from '../../ports';

/** What the dashboard reads of one run record: the only place that knows the record's shape. */
export interface RunFacts {
  runId: string;
  state: string;
  createdAt: string;
  datasetUri?: string;
  datasetRows?: number;
  endpointVersion?: number;
  deployedModelId?: string;
  gate?: {
    metric: string;
    direction: 'higher' | 'lower';
    promote: boolean;
    candidate: number | null;
    threshold: number | null;
    reason: string;
  };
  overriddenBy?: string;
  costOnceUsd?: number | null;
  servingUsdPerDay?: number | null;
  rejectionReasons: string[];
  rejectionCount?: number;
  lastError?: { stage: string; reason: string; message: string };
  reportUri?: string;
  trafficChanges: TrafficChange[];
}

export function runFacts(r: RunRecord): RunFacts {
  const g = r.gate;
  const e = r.errors?.at(-1);
  return {
    runId: r.runId,
    state: r.state,
    createdAt: r.createdAt,
    datasetUri: r.dataset?.uri,
    datasetRows: r.dataset?.rows,
    endpointVersion: r.training?.endpointVersion,
    deployedModelId: r.deploy?.deployedModelId,
    gate: g && {
      metric: g.metric,
      direction: g.direction,
      promote: g.promote,
      candidate: g.candidate,
      threshold: g.threshold,
      reason: g.reason,
    },
    overriddenBy: r.override?.by,
    costOnceUsd: r.cost?.totalOnceUsd,
    servingUsdPerDay: r.cost?.servingUsdPerDay,
    rejectionReasons: r.rejection?.reasons ?? [],
    rejectionCount: r.rejection?.problemCount,
    lastError: e && { stage: e.stage, reason: e.reason, message: e.message },
    reportUri: r.report?.uri,
    trafficChanges: r.deploy?.trafficChanges ?? [],
  };
}

export interface RunRow {
  runId: string;
  state: string;
  createdAt: string;
  dataset?: string;
  rows?: number;
  /** `v3`: the endpoint version the run trained. */
  version?: string;
  /** Percent of the endpoint's traffic the run's deployed model gets now; undefined when it is not deployed. */
  trafficPercent?: number;
  gate?: RunFacts['gate'] & { overriddenBy?: string };
  costOnceUsd?: number | null;
  servingUsdPerDay?: number | null;
  /** Why the run ended where it did (rejected, failed, held, overridden); undefined for an unremarkable run. */
  reason?: string;
  /** Where the dashboard serves the run's report (relative to the dashboard); undefined when none was written. */
  reportHref?: string;
}

export interface GatePoint {
  runId: string;
  label: string;
  value: number;
  threshold: number | null;
  /** The gate's own decision. */
  promote: boolean;
  /** Deployed by an operator although the gate held it. */
  overridden: boolean;
  /** The run's deployed model has traffic now. */
  serving: boolean;
}

export interface GateSeries {
  metric: string;
  direction: 'higher' | 'lower';
  /** Oldest first. */
  points: GatePoint[];
  /** Gated runs left out because they were judged on another metric (the policy changed). */
  otherMetricRuns: number;
}

export interface DeployedVersion {
  deployedModelId: string;
  model: string;
  modelVersionId: string;
  displayName?: string;
  percent: number;
  runId?: string;
  version?: string;
}

export interface SplitSlice {
  deployedModelId: string;
  percent: number;
  /** `v3 · <run id>` when the deployed model is a known run's, else the deployed model id. */
  label: string;
}

export interface TrafficEvent {
  at: string;
  action: 'promote' | 'rollback';
  by: string;
  to: string;
  from?: string;
  split: Record<string, number>;
}

export interface DashboardView {
  generatedAt: string;
  runs: RunRow[];
  gate?: GateSeries;
  endpoint: { name: string; versions: DeployedVersion[]; split: SplitSlice[] };
  /** Operators' promote and rollback changes, newest first. */
  trafficEvents: TrafficEvent[];
}

/** The dashboard's route for a run's report (relative, so the dashboard can be mounted under any prefix). */
export const reportHref = (runId: string): string => `runs/${encodeURIComponent(runId)}/report`;

const version = (n: number | undefined): string | undefined => (n === undefined ? undefined : `v${n}`);

/** The run's outcome in one line, for the runs table. */
export function runReason(f: RunFacts): string | undefined {
  if (f.state === 'REJECTED' && f.rejectionReasons.length > 0) {
    const more = Math.max((f.rejectionCount ?? f.rejectionReasons.length) - 1, 0);
    return `${f.rejectionReasons[0]}${more > 0 ? ` (+${more} more)` : ''}`;
  }
  if (f.state === 'FAILED' && f.lastError) return `${f.lastError.reason}: ${f.lastError.message}`;
  if (f.state === 'HELD' && f.gate) return f.gate.reason;
  if (f.overriddenBy) return `deployed despite the gate by ${f.overriddenBy}`;
  return undefined;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function gateSeries(facts: readonly RunFacts[], traffic: Record<string, number>): GateSeries | undefined {
  const gated = facts.filter((f) => finite(f.gate?.candidate));
  const latest = gated.at(-1)?.gate;
  if (!latest) return undefined;
  const same = gated.filter((f) => f.gate?.metric === latest.metric);
  return {
    metric: latest.metric,
    direction: latest.direction,
    otherMetricRuns: gated.length - same.length,
    points: same.map((f) => ({
      runId: f.runId,
      label: version(f.endpointVersion) ?? f.runId,
      value: f.gate?.candidate as number,
      threshold: finite(f.gate?.threshold) ? (f.gate?.threshold as number) : null,
      promote: f.gate?.promote === true,
      overridden: f.overriddenBy !== undefined,
      serving: f.deployedModelId !== undefined && (traffic[f.deployedModelId] ?? 0) > 0,
    })),
  };
}

/** The operators' traffic changes across the ledger (each is written on both runs it moved), once each, newest first. */
function trafficEvents(facts: readonly RunFacts[]): TrafficEvent[] {
  const seen = new Map<string, TrafficEvent>();
  for (const f of facts)
    for (const c of f.trafficChanges) {
      const key = JSON.stringify([c.at, c.action, c.to, c.from ?? null]);
      if (!seen.has(key))
        seen.set(key, {
          at: c.at,
          action: c.action,
          by: c.by,
          to: c.to,
          ...(c.from ? { from: c.from } : {}),
          split: { ...c.split },
        });
    }
  return [...seen.values()].sort((a, b) => b.at.localeCompare(a.at));
}

/** The view model: runs newest first, the gate metric oldest first, versions and split from the endpoint. */
export function dashboardView(records: readonly RunRecord[], endpoint: EndpointState, now: Date): DashboardView {
  const facts = records
    .map(runFacts)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  const split = endpoint.trafficSplit;
  const byDeployedModel = new Map(facts.filter((f) => f.deployedModelId).map((f) => [f.deployedModelId, f]));
  const runs: RunRow[] = [...facts].reverse().map((f) => ({
    runId: f.runId,
    state: f.state,
    createdAt: f.createdAt,
    dataset: f.datasetUri,
    rows: f.datasetRows,
    version: version(f.endpointVersion),
    trafficPercent:
      f.deployedModelId !== undefined && endpoint.deployedModels.some((m) => m.id === f.deployedModelId)
        ? (split[f.deployedModelId] ?? 0)
        : undefined,
    gate: f.gate && { ...f.gate, ...(f.overriddenBy ? { overriddenBy: f.overriddenBy } : {}) },
    costOnceUsd: f.costOnceUsd,
    servingUsdPerDay: f.servingUsdPerDay,
    reason: runReason(f),
    reportHref: f.reportUri ? reportHref(f.runId) : undefined,
  }));
  const versions: DeployedVersion[] = endpoint.deployedModels.map((m) => {
    const run = byDeployedModel.get(m.id);
    return {
      deployedModelId: m.id,
      model: m.model,
      modelVersionId: m.modelVersionId,
      ...(m.displayName ? { displayName: m.displayName } : {}),
      percent: split[m.id] ?? 0,
      ...(run ? { runId: run.runId, version: version(run.endpointVersion) } : {}),
    };
  });
  versions.sort((a, b) => b.percent - a.percent || a.deployedModelId.localeCompare(b.deployedModelId));
  const slices: SplitSlice[] = Object.entries(split)
    .filter(([, pct]) => pct > 0)
    .map(([id, percent]) => {
      const run = byDeployedModel.get(id);
      const label = run ? [version(run.endpointVersion), run.runId].filter(Boolean).join(' · ') : id;
      return { deployedModelId: id, percent, label };
    })
    .sort((a, b) => b.percent - a.percent || a.deployedModelId.localeCompare(b.deployedModelId));
  return {
    generatedAt: now.toISOString(),
    runs,
    gate: gateSeries(facts, split),
    endpoint: { name: endpoint.name, versions, split: slices },
    trafficEvents: trafficEvents(facts),
  };
}
