// The reconciler tick: advances every run of the ledger's in-flight index, never waiting on anything. A run's error
// is logged and does not stop the others; runs with nothing left to do leave the index.
import { recordDeploymentSettings } from '../ledger/pointers';
import { errorMessage } from '../pipeline/errors';
import { forRun, nowIso, type StepContext, type StepResult } from './context';
import { advance, settled } from './advance';

export async function tick(ctx: StepContext): Promise<StepResult> {
  const { trafficPolicy, keepDeployedVersions } = ctx.config;
  await recordDeploymentSettings(ctx.ports.store, ctx.config.artifactsBucket, { trafficPolicy, keepDeployedVersions });
  const index = await ctx.ledger.inFlight.read();
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const done: Record<string, string> = {};
  for (const [runId, since] of Object.entries(index)) {
    try {
      const { detail, record } = await advance(ctx, runId, { source: 'tick' });
      for (const step of (detail?.steps as string[] | undefined) ?? ['unknown-run']) count(step);
      // No record yet: its creation may still be under way (the index entry is written first), so the entry stays
      // for a claim lease; after that the delivery that wrote it gave up before the record (its replay re-adds it).
      const young = Date.parse(nowIso(ctx)) - Date.parse(since) < ctx.config.claimLeaseSeconds * 1000;
      if (record ? settled(record) : !young) done[runId] = since;
    } catch (err) {
      count('errors');
      forRun(ctx, runId).log.error({ err }, `reconcile failed for this run: ${errorMessage(err)}`);
    }
  }
  if (Object.keys(done).length > 0) await ctx.ledger.inFlight.remove(done);
  const changed = Object.entries(counts).some(([k]) => !['waiting', 'done', 'duplicate', 'endpoint-busy'].includes(k));
  return { outcome: changed ? 'reconciled' : 'idle', detail: { runs: Object.keys(index).length, ...counts } };
}
