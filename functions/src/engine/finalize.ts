// Once a run is final (DEPLOYED, HELD, FAILED, REJECTED) — and again after an operator changed it — its cost estimate
// goes on the record and its HTML report is written to gs://<ARTIFACTS_BUCKET>/runs/<runId>/report.html. The
// reconciler does it for every run whose record changed since its last report, so a crash in between only delays it;
// rewriting the same report is harmless.
import { runCost } from '../pipeline/run-cost';
import type { RunRecord } from '../pipeline/run-record';
import { needsFinalizing } from '../pipeline/plan';
import { reportInputFromRecord, reportMetrics } from '../report/from-run-record';
import { renderRunReport, REPORT_FILE } from '../report/render-run-report';
import { parseGsUri } from '../pipeline/gs-uri';
import { endpointName } from '../pipeline/resource-names';
import type { ReportMetrics } from '../report/report-input';
import { metricsUri, trainerManifest } from './metrics';
import { nowIso, type StepContext } from './context';

/** Object name of a run's report in the artifacts bucket. */
export const reportObjectName = (runId: string): string => `runs/${runId}/${REPORT_FILE}`;

/** The run's metrics.json as the report shows it: parsed against the manifest, or why it could not be read. */
async function runReportMetrics(ctx: StepContext, r: RunRecord): Promise<ReportMetrics | undefined> {
  const dir = r.training?.baseOutputDir;
  if (!dir || !r.training?.model) return undefined;
  try {
    const { manifest } = await trainerManifest(ctx.config.trainerDir);
    const { bucket, name } = parseGsUri(metricsUri(dir));
    const found = await ctx.ports.store.read(bucket, name, { maxBytes: 1024 * 1024 });
    return reportMetrics(found?.data.toString('utf8'), manifest);
  } catch (err) {
    ctx.log.warn({ err }, 'report without metrics: metrics.json unreadable');
    return { error: `metrics.json could not be read: ${(err as Error).message}` };
  }
}

/** Computes the cost, writes the report and records both. Returns false when there was nothing to do. */
export async function finalizeRun(ctx: StepContext, r: RunRecord): Promise<boolean> {
  if (!needsFinalizing(r)) return false;
  const at = nowIso(ctx);
  const cost = runCost(r, ctx.config);
  const html = renderRunReport(
    reportInputFromRecord(
      { ...r, cost },
      { generatedAt: at, endpoint: endpointName(ctx.config), metrics: await runReportMetrics(ctx, r) },
    ),
  );
  const name = reportObjectName(r.runId);
  await ctx.ports.store.write(ctx.config.artifactsBucket, name, html, { contentType: 'text/html; charset=utf-8' });
  const reportUri = `gs://${ctx.config.artifactsBucket}/${name}`;
  const { changed } = await ctx.ledger.update(r.runId, { type: 'finalized', at, of: r.updatedAt, cost, reportUri });
  if (changed) ctx.log.info({ reportUri, cost: cost.totalOnceUsd }, 'run report written');
  return changed;
}
