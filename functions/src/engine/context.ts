// What every engine action gets: configuration, the ports, the ledger over the store, a logger and the dataset validator.
import type { Config } from '../config';
import { RunLedger } from '../ledger/run-ledger';
import type { Logger } from '../log';
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
