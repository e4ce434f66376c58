// `vertex-retrain logs <run>`: one run's story from the logs. Locally: every line of the four function logs that
// names the run (in time order, tagged with the function), then where the run's build, training and serving logs
// are. With --env vertex: the Cloud Logging filters (and console URLs) that select the same lines.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalLayout } from '../local/layout';
import type { RunRecord } from '../pipeline/run-record';

/** The parts of a run record the log links come from. */
export type LogsRun = Pick<RunRecord, 'runId'> & Partial<Pick<RunRecord, 'build' | 'training' | 'deploy'>>;

const lastSegment = (name: string | undefined) => name?.split('/').at(-1);

/** A log line's time (pino's `time`, ms since the epoch, or an ISO `time`/`timestamp`), for ordering. */
function lineTime(line: string): number {
  try {
    const parsed = JSON.parse(line) as { time?: number | string; timestamp?: string };
    const t = parsed.time ?? parsed.timestamp;
    return typeof t === 'number' ? t : t ? Date.parse(t) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Every function-log line naming the run, oldest first, as `<function> <line>`. */
export async function localRunLines(layout: LocalLayout, runId: string): Promise<string[]> {
  const folder = join(layout.logs, 'functions');
  const found: { time: number; order: number; text: string }[] = [];
  for (const file of (await readdir(folder).catch(() => [])).filter((f) => f.endsWith('.log')).sort()) {
    const target = basename(file, '.log');
    const text = await readFile(join(folder, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line.includes(runId)) found.push({ time: lineTime(line), order: found.length, text: `${target} ${line}` });
    }
  }
  // Lines without a time keep their place after the timed ones of their file.
  return found
    .sort((a, b) =>
      Number.isNaN(a.time) || Number.isNaN(b.time) ? a.order - b.order : a.time - b.time || a.order - b.order,
    )
    .map((l) => l.text);
}

/** Where the run's build, training and serving logs are on the local stack. */
export function localLogFiles(layout: LocalLayout, run: LogsRun): [string, string][] {
  const files: [string, string][] = [];
  const buildLog = run.build?.logUrl;
  if (buildLog) files.push(['build log', buildLog.startsWith('file:') ? fileURLToPath(buildLog) : buildLog]);
  const job = lastSegment(run.training?.name);
  if (job) files.push(['training log', join(layout.logs, 'trainings', `${job}.log`)]);
  const deployed = run.deploy?.deployedModelId;
  if (deployed) files.push(['serving log', join(layout.logs, 'serving', `${deployed}.log`)]);
  return files;
}

const consoleUrl = (project: string, filter: string) =>
  `https://console.cloud.google.com/logs/query;query=${encodeURIComponent(filter)}?project=${encodeURIComponent(project)}`;

/** The Cloud Logging filters for the run's function lines and its training job, with console links. */
export function vertexLogLines(run: LogsRun, project: string): string[] {
  const fn = `jsonPayload.runId="${run.runId}"`;
  const lines = [`function logs of run ${run.runId}:`, `  filter: ${fn}`, `  ${consoleUrl(project, fn)}`];
  const job = lastSegment(run.training?.name);
  if (job) {
    const training = `resource.type="ml_job" AND resource.labels.job_id="${job}"`;
    lines.push('training log:', `  filter: ${training}`, `  ${consoleUrl(project, training)}`);
  }
  if (run.build?.logUrl) lines.push('build log:', `  ${run.build.logUrl}`);
  return lines;
}

export const runLogs = {
  async local(layout: LocalLayout, run: LogsRun): Promise<string[]> {
    const lines = await localRunLines(layout, run.runId);
    return [
      ...(lines.length > 0 ? lines : [`(no function log line names run ${run.runId} under ${layout.logs}/functions)`]),
      '',
      ...localLogFiles(layout, run).map(([label, path]) => `${label.padEnd(13)} ${path}`),
    ];
  },
  vertex: vertexLogLines,
};
