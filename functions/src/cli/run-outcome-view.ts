// The parts of `show <run>` that come after the run is final: the evaluation imported into the Model Registry, the
// operator's override and traffic changes, the cost estimate (with the pricing table's source and date) and where
// the HTML report is. Pure functions over the run record.
import { pathToFileURL } from 'node:url';
import { splitGsUri } from '../pipeline/gs-uri';
import type { LedgerTraffic } from '../pipeline/ledger-traffic';
import type { RunRecord } from '../pipeline/run-record';

/** The record fields these lines read. */
export type RunOutcomeView = Pick<RunRecord, 'runId' | 'evaluation' | 'override' | 'cost' | 'report'> & {
  deploy?: Pick<NonNullable<RunRecord['deploy']>, 'trafficChanges'>;
};

const usd = (v: number | null | undefined): string => (v === null || v === undefined ? '?' : `$${v.toFixed(4)}`);
const figure = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? `${v}` : v.toFixed(4)) : '?');

/** Where to open the report: a file:// URL on the local stack; the gs:// URI and the Cloud Console URL on Vertex. */
export function reportLinks(uri: string, localPath?: (bucket: string, name: string) => string): string[] {
  const loc = splitGsUri(uri);
  if (!loc?.name) return [uri];
  const { bucket, name } = loc;
  if (localPath) return [pathToFileURL(localPath(bucket, name)).href];
  return [uri, `https://console.cloud.google.com/storage/browser/_details/${bucket}/${name}`];
}

/** Lines for `show`: evaluation, override, traffic changes, serving share, cost, report. */
export function renderOutcome(
  run: RunOutcomeView,
  opts: { traffic?: LedgerTraffic; localPath?: (bucket: string, name: string) => string } = {},
): string[] {
  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`  ${label.padEnd(16)} ${value}`);
  const ev = run.evaluation;
  if (ev) {
    const keys = ['accuracy', 'auRoc', 'logLoss'].filter((k) => k in ev.metrics);
    add('evaluation', `${ev.displayName}: ${keys.map((k) => `${k}=${figure(ev.metrics[k])}`).join(' ')}`);
  }
  if (run.override) add('gate override', `deployed despite the gate by ${run.override.by} at ${run.override.at}`);
  for (const c of run.deploy?.trafficChanges ?? [])
    add(
      c.action,
      `${c.at} by ${c.by}: ${c.from ?? '?'} → ${c.to} ${JSON.stringify(c.split)}${c.to === run.runId ? ' (this run gained traffic)' : ' (this run lost its traffic)'}`,
    );
  if (opts.traffic)
    add('serving now', `${opts.traffic.byRun[run.runId] ?? 0} % of traffic (ledger, as of ${opts.traffic.at})`);
  const c = run.cost;
  if (c) {
    const b = c.basis;
    add(
      'cost (estimate)',
      `build ${usd(c.buildUsd)} (${(b.buildSeconds / 60).toFixed(1)} min ${b.buildMachineType}) + training ${usd(c.trainingUsd)} (${(b.trainingSeconds / 3600).toFixed(4)} h ${b.trainingMachineType}) = ${usd(c.totalOnceUsd)}; serving ${usd(c.servingUsdPerDay)}/day (${b.deployedNodes} × ${b.servingMachineType})`,
    );
    add('prices', `${c.currency} ${c.region}, read ${c.retrieved}: ${c.source}, ${c.buildSource}`);
    for (const note of c.notes) add('', `note: ${note}`);
  }
  if (run.report) for (const link of reportLinks(run.report.uri, opts.localPath)) add('report', link);
  return lines;
}
