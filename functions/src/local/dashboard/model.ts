// The dashboard's view model: the ledger's run records and the endpoint's live state → what the page shows (a row
// per run, the gate metric across runs, the deployed versions and the traffic split, the operators' traffic
// changes). Pure; it reads the run records as the ledger keeps them (pipeline/run-record.ts).
import type { GateDecision } from '../../contract/gate-comparison';
import { runReason } from '../../pipeline/run-reason';
import { runKind, type RunKind, type RunRecord, type RunState } from '../../pipeline/run-record';
import type { EndpointState } from '../../ports';

/** What a scoring run's row shows: what it scored, with which version, and where the predictions are. */
export interface ScoringRow {
  /** Rows scored (the summary's, once the predictions are written). */
  rowsScored?: number;
  /** `v3`: the endpoint version of the run that deployed the model scored with, when that run is in the ledger. */
  version?: string;
  /** `projects/…/models/<id>@<version>`: the registry version scored with. */
  modelVersion?: string;
  /** The run that deployed that version. */
  servingRunId?: string;
  /** Where the dashboard serves the predictions file (relative); undefined until it is written. */
  predictionsHref?: string;
  /** The predictions file's name (`test.predictions.csv`). */
  predictionsFile?: string;
}

export interface RunRow {
  runId: string;
  /** `training` or `scoring`. */
  kind: RunKind;
  state: RunState;
  createdAt: string;
  dataset?: string;
  rows?: number;
  /** `v3`: the endpoint version the run trained. */
  version?: string;
  /** Percent of the endpoint's traffic the run's deployed model gets now; undefined when it is not deployed. */
  trafficPercent?: number;
  gate?: GateDecision & { overriddenBy?: string };
  costOnceUsd?: number | null;
  servingUsdPerDay?: number | null;
  /** Why the run ended where it did (rejected, failed, held, overridden); undefined for an unremarkable run. */
  reason?: string;
  /** Where the dashboard serves the run's report (relative to the dashboard); undefined when none was written. */
  reportHref?: string;
  /** Scoring runs only. */
  scoring?: ScoringRow;
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

/** The dashboard's route for a scoring run's predictions file. */
export const predictionsHref = (runId: string): string => `runs/${encodeURIComponent(runId)}/predictions`;

const version = (n: number | undefined): string | undefined => (n === undefined ? undefined : `v${n}`);

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A run the gate judged on a figure: its gate decision with a finite candidate value. */
type GatedRun = RunRecord & { gate: GateDecision & { candidate: number } };
const gated = (r: RunRecord): r is GatedRun => finite(r.gate?.candidate);

function gateSeries(records: readonly RunRecord[], traffic: Record<string, number>): GateSeries | undefined {
  const judged = records.filter(gated);
  const latest = judged.at(-1)?.gate;
  if (!latest) return undefined;
  const same = judged.filter((r) => r.gate.metric === latest.metric);
  return {
    metric: latest.metric,
    direction: latest.direction,
    otherMetricRuns: judged.length - same.length,
    points: same.map((r) => {
      const deployedModelId = r.deploy?.deployedModelId;
      return {
        runId: r.runId,
        label: version(r.training?.endpointVersion) ?? r.runId,
        value: r.gate.candidate,
        threshold: finite(r.gate.threshold) ? r.gate.threshold : null,
        promote: r.gate.promote,
        overridden: r.override !== undefined,
        serving: deployedModelId !== undefined && (traffic[deployedModelId] ?? 0) > 0,
      };
    }),
  };
}

/** The operators' traffic changes across the ledger (each is written on both runs it moved), once each, newest first. */
function trafficEvents(records: readonly RunRecord[]): TrafficEvent[] {
  const seen = new Map<string, TrafficEvent>();
  for (const r of records)
    for (const c of r.deploy?.trafficChanges ?? []) {
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

/** A scoring run's row: the version it scored with (named by the run that deployed it), rows, the file. */
function scoringRow(r: RunRecord, byRunId: ReadonlyMap<string, RunRecord>): ScoringRow {
  const s = r.scoring;
  const model = s?.model;
  const serving = s?.servingRunId ? byRunId.get(s.servingRunId) : undefined;
  const file = s?.predictionsUri?.split('/').pop();
  const endpointVersion = version(serving?.training?.endpointVersion);
  return {
    ...(s?.summary ? { rowsScored: s.summary.rows } : {}),
    ...(endpointVersion ? { version: endpointVersion } : {}),
    ...(s?.summary?.modelVersion || model
      ? { modelVersion: s?.summary?.modelVersion ?? `${model?.name}@${model?.versionId}` }
      : {}),
    ...(s?.servingRunId ? { servingRunId: s.servingRunId } : {}),
    ...(s?.predictionsUri ? { predictionsHref: predictionsHref(r.runId) } : {}),
    ...(file ? { predictionsFile: file } : {}),
  };
}

/** The view model: runs newest first, the gate metric oldest first, versions and split from the endpoint. */
export function dashboardView(records: readonly RunRecord[], endpoint: EndpointState, now: Date): DashboardView {
  const runsOldestFirst = [...records].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId),
  );
  const split = endpoint.trafficSplit;
  const byDeployedModel = new Map(
    runsOldestFirst.flatMap((r) => (r.deploy?.deployedModelId ? [[r.deploy.deployedModelId, r] as const] : [])),
  );
  const byRunId = new Map(records.map((r) => [r.runId, r] as const));
  const runs: RunRow[] = [...runsOldestFirst].reverse().map((r) => {
    const deployedModelId = r.deploy?.deployedModelId;
    const kind = runKind(r);
    return {
      runId: r.runId,
      kind,
      state: r.state,
      createdAt: r.createdAt,
      dataset: r.dataset?.uri,
      rows: r.dataset?.rows,
      version: version(r.training?.endpointVersion),
      trafficPercent:
        deployedModelId !== undefined && endpoint.deployedModels.some((m) => m.id === deployedModelId)
          ? (split[deployedModelId] ?? 0)
          : undefined,
      gate: r.gate && { ...r.gate, ...(r.override ? { overriddenBy: r.override.by } : {}) },
      costOnceUsd: kind === 'scoring' ? r.scoring?.summary?.cost.usd : r.cost?.totalOnceUsd,
      servingUsdPerDay: r.cost?.servingUsdPerDay,
      reason: runReason(r) || undefined,
      reportHref: r.report?.uri ? reportHref(r.runId) : undefined,
      ...(kind === 'scoring' ? { scoring: scoringRow(r, byRunId) } : {}),
    };
  });
  const versions: DeployedVersion[] = endpoint.deployedModels.map((m) => {
    const run = byDeployedModel.get(m.id);
    return {
      deployedModelId: m.id,
      model: m.model,
      modelVersionId: m.modelVersionId,
      ...(m.displayName ? { displayName: m.displayName } : {}),
      percent: split[m.id] ?? 0,
      ...(run ? { runId: run.runId, version: version(run.training?.endpointVersion) } : {}),
    };
  });
  versions.sort((a, b) => b.percent - a.percent || a.deployedModelId.localeCompare(b.deployedModelId));
  const slices: SplitSlice[] = Object.entries(split)
    .filter(([, pct]) => pct > 0)
    .map(([id, percent]) => {
      const run = byDeployedModel.get(id);
      const label = run ? [version(run.training?.endpointVersion), run.runId].filter(Boolean).join(' · ') : id;
      return { deployedModelId: id, percent, label };
    })
    .sort((a, b) => b.percent - a.percent || a.deployedModelId.localeCompare(b.deployedModelId));
  return {
    generatedAt: now.toISOString(),
    runs,
    gate: gateSeries(runsOldestFirst, split),
    endpoint: { name: endpoint.name, versions, split: slices },
    trafficEvents: trafficEvents(runsOldestFirst),
  };
}
