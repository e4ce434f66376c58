// What `vertex-retrain up` prints as runs move: one line per state a run entered, derived from two successive views
// of its run record (before: undefined for a run not seen yet). Pure, so the table test covers every state.
import { RUN_STATES, type RunRecord, type RunState } from '../pipeline/run-record';

/** The parts of a run record the lines show. */
export type TransitionRun = Pick<RunRecord, 'runId' | 'state' | 'updatedAt' | 'stages' | 'errors'> &
  Partial<
    Pick<
      RunRecord,
      'dataset' | 'rejection' | 'build' | 'training' | 'metrics' | 'gate' | 'deploy' | 'override' | 'scoring'
    >
  >;

export interface TransitionContext {
  /** The endpoint's predict URL (printed when a run is deployed). */
  predictUrl?: string;
  /** Extra CLI flags a suggested command needs, e.g. `--dir /tmp/x` for a stack on another folder. */
  cliFlags?: string;
  /** Maps a gs:// URI to the file that holds it locally (rejection reports, logs). */
  localPath?: (uri: string) => string;
  /** How many rejection reasons to show (the rest are in the report). */
  reasons?: number;
}

const secs = (from?: string, to?: string) =>
  from && to ? ` in ${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s` : '';
const figure = (v: number | null | undefined) =>
  v === null || v === undefined ? '?' : Number.isInteger(v) ? String(v) : v.toFixed(4);

/** The states `after` entered since `before`, in the order it entered them. */
export function enteredStates(before: TransitionRun | undefined, after: TransitionRun): RunState[] {
  const entered = (Object.keys(after.stages) as RunState[]).filter((s) => !before?.stages[s]);
  return entered.sort(
    (a, b) =>
      Date.parse(after.stages[a] ?? '') - Date.parse(after.stages[b] ?? '') ||
      RUN_STATES.indexOf(a) - RUN_STATES.indexOf(b),
  );
}

function lineFor(state: RunState, run: TransitionRun, ctx: TransitionContext): string | undefined {
  const cli = `npx vertex-retrain${ctx.cliFlags ? ` ${ctx.cliFlags}` : ''}`;
  const where = (uri: string | undefined) => (uri && ctx.localPath ? ctx.localPath(uri) : uri);
  const d = run.dataset;
  const dataset = d ? `${d.uri}#${d.generation}` : 'dataset';
  switch (state) {
    case 'RECEIVED':
      return undefined; // validation is quick: the next line says accepted or rejected
    case 'REJECTED': {
      const reasons = run.rejection?.reasons ?? [];
      const shown = reasons.slice(0, ctx.reasons ?? 2);
      const total = Math.max(run.rejection?.problemCount ?? 0, reasons.length);
      const more = total > shown.length ? ` (+${total - shown.length} more)` : '';
      const report = run.rejection?.reportUri ? `; full list: ${where(run.rejection.reportUri)}` : '';
      return `REJECTED ${dataset}: ${shown.join('; ') || 'invalid dataset'}${more}${report}`;
    }
    case 'BUILDING': {
      const rows = d?.rows !== undefined ? ` (${d.rows} rows)` : '';
      const build = run.build?.id ? ` (build ${run.build.id})` : '';
      return `accepted ${dataset}${rows}; building the trainer image${build}`;
    }
    case 'TRAINING': {
      const version = run.training?.endpointVersion !== undefined ? ` v${run.training.endpointVersion}` : '';
      const job = run.training?.name ? ` (${run.training.name})` : '';
      return `image built${secs(run.stages.BUILDING, run.stages.TRAINING)}; training${version}${job}`;
    }
    case 'DEPLOYING': {
      const g = run.gate;
      if (g && !g.promote) {
        const by = run.override ? ` by ${run.override.by}` : '';
        return `promoted${by} despite the quality gate (${g.metric} ${figure(g.candidate)}); deploying to the endpoint`;
      }
      const gate = g ? `; gate passed (${g.metric} ${figure(g.candidate)} vs threshold ${figure(g.threshold)})` : '';
      const trained = run.stages.HELD ? '' : secs(run.stages.TRAINING, run.stages.DEPLOYING);
      return `trained${trained}${gate}; deploying to the endpoint`;
    }
    case 'DEPLOYED': {
      const id = run.deploy?.deployedModelId;
      const share = id !== undefined ? run.deploy?.traffic?.[id] : undefined;
      const version = run.training?.endpointVersion !== undefined ? `v${run.training.endpointVersion} ` : '';
      const traffic = share !== undefined ? ` with ${share} % of traffic` : '';
      const url = ctx.predictUrl ? ` at POST ${ctx.predictUrl}` : '';
      return `DEPLOYED: ${version}serving${traffic}${url}`;
    }
    case 'HELD': {
      const g = run.gate;
      const why = g ? `${g.metric} ${figure(g.candidate)} vs threshold ${figure(g.threshold)}: ${g.reason}` : 'gate';
      return `HELD by the quality gate (${why}); to deploy it anyway: ${cli} promote ${run.runId}`;
    }
    case 'SCORING': {
      const m = run.scoring?.model;
      return `accepted ${dataset} to score; batch prediction with ${m ? `${m.name}@${m.versionId}` : 'the serving version'}`;
    }
    case 'SCORED': {
      const sum = run.scoring?.summary;
      const rows = sum ? ` (${sum.rows} rows${secs(run.stages.SCORING, run.stages.SCORED)})` : '';
      return `SCORED: predictions in ${where(run.scoring?.predictionsUri) ?? 'the data bucket'}${rows}`;
    }
    case 'FAILED': {
      const e = run.errors.at(-1);
      return `FAILED${e ? ` at ${e.stage}: ${e.reason}: ${e.message}` : ''}; details: ${cli} show ${run.runId}`;
    }
  }
}

/** Operator traffic changes (promote a canary, rollback) recorded since `before`, on the run that gained traffic. */
function trafficLines(before: TransitionRun | undefined, after: TransitionRun): string[] {
  const changes = after.deploy?.trafficChanges ?? [];
  return changes
    .slice(before?.deploy?.trafficChanges?.length ?? 0)
    .filter((c) => c.to === after.runId)
    .map((c) => {
      const split = Object.entries(c.split)
        .map(([id, pct]) => `${id}: ${pct} %`)
        .join(', ');
      return `${c.action} by ${c.by}: this run now serves (traffic ${split})`;
    });
}

/** One line per state the run entered between the two views, and per operator traffic change (none if neither). */
export function transitionLines(
  before: TransitionRun | undefined,
  after: TransitionRun,
  ctx: TransitionContext = {},
): string[] {
  return [
    ...enteredStates(before, after)
      .map((state) => lineFor(state, after, ctx))
      .filter((line): line is string => line !== undefined),
    ...(before ? trafficLines(before, after) : []),
  ].map((line) => `run ${after.runId}  ${line}`);
}
