// The per-process runtime: configuration, ports, ledger and logger, built once on first use. The ports come from the
// backend RETRAIN_ENV names, loaded lazily so that loading the functions never loads a cloud client it does not use
// (local mode never touches @google-cloud/*; vertex mode loads them on the first event, not at cold-start import).
import { parseConfig, type Config } from './config';
import { createLogger, type Logger } from './log';
import type { Ports } from './ports';
import { engineLedger, type StepContext } from './engine/context';
import { validateTrainingDataset } from './engine/dataset-check';

/** Builds the ports of the configured backend: 'vertex' → ./gcp `createGcpPorts`, 'local' → ./local `createLocalPorts`. */
export function createPorts(config: Config): Ports {
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose: only the chosen backend is loaded */
  if (config.env === 'vertex') {
    const gcp = require('./gcp') as typeof import('./gcp');
    const { gcpSettingsFromConfig } =
      require('./gcp/settings-from-config') as typeof import('./gcp/settings-from-config');
    return gcp.createGcpPorts(gcpSettingsFromConfig(config));
  }
  const local = require('./local') as typeof import('./local');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return local.createLocalPorts(config);
}

let runtime: StepContext | undefined;

/** The runtime, created on first call from process.env. */
export function getRuntime(): StepContext {
  if (!runtime) {
    const config = parseConfig();
    const ports = createPorts(config);
    const log = createLogger(config);
    runtime = {
      config,
      ports,
      ledger: engineLedger(config, ports, log),
      log,
      validateDataset: validateTrainingDataset,
    };
  }
  return runtime;
}

/**
 * Tests (and the local stack, which builds its ports itself): use these ports. `overrides` replaces the config
 * (default: parsed from `env`, or local defaults), the logger or the dataset validator. `undefined` resets.
 */
export function setPortsForTesting(
  ports: Ports | undefined,
  overrides: { config?: Config; log?: Logger; validateDataset?: StepContext['validateDataset'] } = {},
): StepContext | undefined {
  if (!ports) {
    runtime = undefined;
    return undefined;
  }
  const config = overrides.config ?? parseConfig({});
  const log = overrides.log ?? createLogger(config);
  runtime = {
    config,
    ports,
    ledger: engineLedger(config, ports, log),
    log,
    validateDataset: overrides.validateDataset ?? validateTrainingDataset,
  };
  return runtime;
}
