// What every engine action gets: configuration, the ports, the ledger over the store, a logger and the dataset validator.
import type { Config } from '../config';
import { RunLedger } from '../ledger/run-ledger';
import { withRunId, type Logger } from '../log';
import type { Ports } from '../ports';
import type { DatasetValidator } from './dataset-check';
import { publishTransitions } from './run-events';

export interface StepContext {
  config: Config;
  ports: Ports;
  ledger: RunLedger;
  log: Logger;
  validateDataset: DatasetValidator;
}

/** The engine's ledger over the ports' store: each state change it records is published as a run event, once. */
export const engineLedger = (config: Config, ports: Ports, log: Logger): RunLedger =>
  new RunLedger(ports.store, config.artifactsBucket, undefined, publishTransitions(config, ports, log));

/** What a step did, for the handler's log line and the tests. `outcome` is one word-ish token. */
export interface StepResult {
  outcome: string;
  runId?: string;
  detail?: Record<string, unknown>;
}

/** The current time as RFC 3339, from the injected clock. */
export const nowIso = (ctx: StepContext): string => ctx.ports.now().toISOString();

/** The context of work on one run: its logger writes `runId` on every line (see log.ts `withRunId`). */
export const forRun = (ctx: StepContext, runId: string): StepContext => ({ ...ctx, log: withRunId(ctx.log, runId) });

const runOfError = new WeakMap<object, string>();

/**
 * Does `work` for one run with the run's context; an error escaping it remembers the run, so the handler's line for
 * it (redelivery, permanent error) names the run too (`errorRunId`).
 */
export async function inRun<T>(ctx: StepContext, runId: string, work: (ctx: StepContext) => Promise<T>): Promise<T> {
  try {
    return await work(forRun(ctx, runId));
  } catch (err) {
    if (typeof err === 'object' && err !== null && !runOfError.has(err)) runOfError.set(err, runId);
    throw err;
  }
}

/** The run an error escaped from (through `inRun`), if any. */
export const errorRunId = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null ? runOfError.get(err) : undefined;
