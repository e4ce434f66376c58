// How the CLI shows a run: the stage timeline (live while it moves), and its lineage, from the run record the
// ledger keeps (gs://<ARTIFACTS_BUCKET>/runs/<runId>.json). Pure functions over the record: easy to test.
import { TERMINAL_STATES } from '../pipeline/run-record';
import { runReason } from './transitions';

/** The fields of a run record the CLI displays (the ledger's RunRecord has these and more). */
export interface RunView {
  runId: string;
  state: string;
  trigger?: string;
  createdAt: string;
  updatedAt: string;
  stages: Record<string, string | undefined>;
  dataset?: { uri: string; generation: string; size?: number; md5Hash?: string; rows?: number };
  rejection?: { reasons: string[]; problemCount?: number; reportUri?: string };
  build?: { id?: string; logUrl?: string; imageUri?: string; imageDigest?: string };
  training?: {
    endpointVersion?: number;
    baseOutputDir?: string;
    name?: string;
    model?: { name: string; versionId: string };
  };
  metrics?: Record<string, number>;
  gate?: { promote?: boolean; metric?: string; candidate?: number | null; threshold?: number | null; reason?: string };
  deploy?: {
    operationName?: string;
    deployedModelId?: string;
    traffic?: Record<string, number>;
    requestedSplit?: Record<string, number>;
  };
  errors?: { at: string; stage: string; reason: string; message: string }[];
  cost?: { totalOnceUsd: number | null };
}

/** The happy path, in order. */
export const FLOW = ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED'] as const;
/** States a run never leaves (the pipeline's list, as a set of strings for views of any state). */
export const FINAL: ReadonlySet<string> = TERMINAL_STATES;

const LABEL: Record<string, string> = {
  RECEIVED: 'dataset received & validated',
  BUILDING: 'trainer image build',
  TRAINING: 'training',
  DEPLOYING: 'deploying to the endpoint',
  DEPLOYED: 'serving',
  REJECTED: 'rejected',
  FAILED: 'failed',
  HELD: 'held by the quality gate',
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One line per stage: done stages with their duration, the current one with its elapsed time. */
export function renderStages(run: RunView, now: Date): string[] {
  const at = (state: string) => (run.stages[state] ? Date.parse(run.stages[state] as string) : undefined);
  const lines: string[] = [];
  const reached = FLOW.filter((s) => at(s) !== undefined);
  for (const [i, state] of reached.entries()) {
    const start = at(state) as number;
    const next = reached[i + 1] ?? (FINAL.has(run.state) && run.state !== state ? run.state : undefined);
    const end = next ? at(next) : undefined;
    const final = state === 'DEPLOYED';
    const mark = final || end !== undefined ? '✔' : '…';
    const time = final ? '' : end !== undefined ? seconds(end - start) : `${seconds(now.getTime() - start)} so far`;
    lines.push(`  ${mark} ${state.padEnd(10)} ${(LABEL[state] ?? '').padEnd(30)} ${time}`.trimEnd());
  }
  if (FINAL.has(run.state) && run.state !== 'DEPLOYED') {
    const why = run.rejection?.reasons.join('; ') ?? run.errors?.at(-1)?.message ?? run.gate?.reason ?? '';
    lines.push(`  ✘ ${run.state.padEnd(10)} ${LABEL[run.state] ?? ''}${why ? `: ${why}` : ''}`);
  }
  return lines;
}

/** Total time from the data drop to the final state (or to now). */
export function runDuration(run: RunView, now: Date): number {
  const end = FINAL.has(run.state) ? Date.parse(run.stages[run.state] ?? run.updatedAt) : now.getTime();
  return end - Date.parse(run.createdAt);
}

/** The run's lineage: dataset → build/image → training → model version → deployment. */
export function renderLineage(run: RunView): string[] {
  const lines = [`run ${run.runId} (${run.state}, ${run.trigger ?? 'dataset-drop'})`];
  const add = (label: string, value: string | number | undefined) => {
    if (value !== undefined && value !== '') lines.push(`  ${label.padEnd(16)} ${value}`);
  };
  const d = run.dataset;
  if (d)
    add('dataset', `${d.uri}#${d.generation}${d.md5Hash ? ` md5=${d.md5Hash}` : ''}${d.rows ? ` rows=${d.rows}` : ''}`);
  add('rejected because', run.rejection?.reasons.join('; '));
  add('rejection report', run.rejection?.reportUri);
  add('build', run.build?.id);
  add('build log', run.build?.logUrl);
  add('image', run.build?.imageUri);
  add('training', run.training?.name);
  add('endpoint version', run.training?.endpointVersion);
  add('model output', run.training?.baseOutputDir);
  const m = run.training?.model;
  if (m) add('model version', `${m.name}@${m.versionId}`);
  if (run.metrics && Object.keys(run.metrics).length > 0) {
    add(
      'metrics',
      Object.entries(run.metrics)
        .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
        .join(' '),
    );
  }
  const g = run.gate;
  if (g) {
    const figures = g.metric ? ` (${g.metric} ${g.candidate ?? '?'} vs threshold ${g.threshold ?? '?'})` : '';
    add('quality gate', `${g.promote === false ? 'held' : 'promoted'}${figures}${g.reason ? `: ${g.reason}` : ''}`);
  }
  add('deployed model', run.deploy?.deployedModelId);
  if (run.deploy?.traffic) add('traffic split', JSON.stringify(run.deploy.traffic));
  for (const e of run.errors ?? []) add(`error (${e.stage})`, `${e.reason}: ${e.message}`);
  return lines;
}

/** A table row per run, newest first; `servingByRun` (runId → %) fills the TRAFFIC column. */
export function renderRunTable(runs: RunView[], servingByRun: Record<string, number> = {}): string[] {
  const sorted = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const rows = sorted.map((r) => [
    r.runId,
    r.state,
    r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.training?.endpointVersion === undefined ? '' : `v${r.training.endpointVersion}`,
    servingByRun[r.runId] ? `${servingByRun[r.runId]} %` : '',
    typeof r.cost?.totalOnceUsd === 'number' ? `$${r.cost.totalOnceUsd.toFixed(4)}` : '',
    r.dataset?.uri ?? '',
    runReason(r),
  ]);
  const header = ['RUN', 'STATE', 'CREATED', 'VERSION', 'TRAFFIC', 'COST', 'DATASET', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
