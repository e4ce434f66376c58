// How the CLI shows a run: the stage timeline (live while it moves), and its lineage, from the run record the
// ledger keeps (gs://<ARTIFACTS_BUCKET>/runs/<runId>.json). Pure functions over the record: easy to test.
import { runKind, type RunRecord, type RunState } from '../pipeline/run-record';
import { isTerminal } from '../pipeline/run-state';
import { runReason, type ReasonRun } from '../pipeline/run-reason';

/** The happy path, in order. */
export const FLOW = ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED'] as const satisfies RunState[];
/** A scoring run's happy path. */
export const SCORING_FLOW = ['RECEIVED', 'SCORING', 'SCORED'] as const satisfies RunState[];

const LABEL: Record<RunState, string> = {
  RECEIVED: 'dataset received & validated',
  BUILDING: 'trainer image build',
  TRAINING: 'training',
  DEPLOYING: 'deploying to the endpoint',
  DEPLOYED: 'serving',
  REJECTED: 'rejected',
  FAILED: 'failed',
  HELD: 'held by the quality gate',
  SCORING: 'scoring with the serving version',
  SCORED: 'scored',
};

/** The record fields the stage timeline reads. */
export type StagesRun = Pick<RunRecord, 'state' | 'stages' | 'rejection' | 'errors' | 'gate' | 'kind'>;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One line per stage: done stages with their duration, the current one with its elapsed time. */
export function renderStages(run: StagesRun, now: Date): string[] {
  const at = (state: RunState) => {
    const stamp = run.stages[state];
    return stamp ? Date.parse(stamp) : undefined;
  };
  const lines: string[] = [];
  const scoring = runKind(run) === 'scoring';
  const flow: readonly RunState[] = scoring ? SCORING_FLOW : FLOW;
  const last = flow.at(-1);
  const reached = flow.flatMap((state) => {
    const start = at(state);
    return start === undefined ? [] : [{ state, start }];
  });
  for (const [i, { state, start }] of reached.entries()) {
    const next = reached[i + 1]?.state ?? (isTerminal(run.state) && run.state !== state ? run.state : undefined);
    const end = next ? at(next) : undefined;
    const final = state === last;
    const mark = final || end !== undefined ? '✔' : '…';
    const time = final ? '' : end !== undefined ? seconds(end - start) : `${seconds(now.getTime() - start)} so far`;
    lines.push(`  ${mark} ${state.padEnd(10)} ${LABEL[state].padEnd(30)} ${time}`.trimEnd());
  }
  if (isTerminal(run.state) && run.state !== last) {
    const why = run.rejection?.reasons.join('; ') ?? run.errors.at(-1)?.message ?? run.gate?.reason ?? '';
    lines.push(`  ✘ ${run.state.padEnd(10)} ${LABEL[run.state]}${why ? `: ${why}` : ''}`);
  }
  return lines;
}

/** Total time from the data drop to the final state (or to now). */
export function runDuration(run: Pick<RunRecord, 'state' | 'stages' | 'createdAt' | 'updatedAt'>, now: Date): number {
  const end = isTerminal(run.state) ? Date.parse(run.stages[run.state] ?? run.updatedAt) : now.getTime();
  return end - Date.parse(run.createdAt);
}

/** The run's lineage: dataset → build/image → training → model version → deployment. */
export function renderLineage(run: RunRecord): string[] {
  const lines = [`run ${run.runId} (${runKind(run)} run, ${run.state}, ${run.trigger ?? 'dataset-drop'})`];
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
  add('training machine', run.training?.machineType);
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
    const figures = ` (${g.metric} ${g.candidate ?? '?'} vs threshold ${g.threshold ?? '?'})`;
    add('quality gate', `${g.promote ? 'promoted' : 'held'}${figures}${g.reason ? `: ${g.reason}` : ''}`);
    // Which figures were compared, and on which rows: the like-for-like gate's point (docs/trainer-contract.md §7).
    if (g.comparison) {
      const serving = g.serving === null ? 'no serving figure' : `serving ${g.serving}`;
      add(
        'gate comparison',
        `${g.comparison}: candidate ${g.candidate ?? '?'}, ${serving}${g.rows ? `; ${g.rows}` : ''}`,
      );
    }
  }
  add('deployed model', run.deploy?.deployedModelId);
  if (run.deploy?.traffic) add('traffic split', JSON.stringify(run.deploy.traffic));
  const sc = run.scoring;
  if (sc?.model)
    add(
      'scored with',
      `${sc.model.name}@${sc.model.versionId} (deployed model ${sc.deployedModelId}${sc.servingRunId ? `, run ${sc.servingRunId}` : ''})`,
    );
  add('batch job', sc?.jobName);
  add('predictions', sc?.predictionsUri);
  const sum = sc?.summary;
  if (sum)
    add(
      'summary',
      `${sum.rows} rows, ${sum.durationSeconds === null ? '?' : `${sum.durationSeconds.toFixed(0)} s`}, ` +
        `${sum.cost.usd === null ? 'cost unknown' : `$${sum.cost.usd.toFixed(4)}`} (${sum.cost.machineType})`,
    );
  for (const e of run.errors) add(`error (${e.stage})`, `${e.reason}: ${e.message}`);
  return lines;
}

/** runReason(run), cut to `max` characters for the table's last column. */
export function shortReason(run: ReasonRun, max = 60): string {
  const why = runReason(run);
  return why.length > max ? `${why.slice(0, max - 1)}…` : why;
}

/** A table row per run, newest first; `servingByRun` (runId → %) fills the TRAFFIC column. */
export function renderRunTable(runs: readonly RunRecord[], servingByRun: Record<string, number> = {}): string[] {
  const sorted = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const rows = sorted.map((r) => [
    r.runId,
    runKind(r),
    r.state,
    r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.training?.endpointVersion !== undefined
      ? `v${r.training.endpointVersion}`
      : r.scoring?.model
        ? `@${r.scoring.model.versionId}`
        : '',
    servingByRun[r.runId] ? `${servingByRun[r.runId]} %` : '',
    typeof r.cost?.totalOnceUsd === 'number'
      ? `$${r.cost.totalOnceUsd.toFixed(4)}`
      : typeof r.scoring?.summary?.cost.usd === 'number'
        ? `$${r.scoring.summary.cost.usd.toFixed(4)}`
        : '',
    r.dataset?.uri ?? '',
    shortReason(r),
  ]);
  const header = ['RUN', 'KIND', 'STATE', 'CREATED', 'VERSION', 'TRAFFIC', 'COST', 'DATASET', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
