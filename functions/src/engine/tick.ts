// The reconciler tick: advances every run of the ledger's in-flight index, never waiting on anything. A run's error
// is logged and does not stop the others; runs with nothing left to do leave the index.
import { recordDeploymentSettings } from '../ledger/pointers';
import { errorMessage } from '../pipeline/errors';
import type { StepContext, StepResult } from './context';
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
      if (!record || settled(record)) done[runId] = since;
    } catch (err) {
      count('errors');
      ctx.log.error({ runId, err }, `reconcile failed for this run: ${errorMessage(err)}`);
    }
  }
  if (Object.keys(done).length > 0) await ctx.ledger.inFlight.remove(done);
  const changed = Object.entries(counts).some(([k]) => !['waiting', 'done', 'duplicate', 'endpoint-busy'].includes(k));
  return { outcome: changed ? 'reconciled' : 'idle', detail: { runs: Object.keys(index).length, ...counts } };
}
