// The per-process runtime: configuration, ports, ledger and logger, built once on first use. The ports come from the
// backend RETRAIN_ENV names: vertex loads ./gcp lazily (on the first event, not at cold-start import); local uses
// the factory local/function-entry.ts registers, so the entry module (index.ts) reaches nothing under local/ and
// the cloud's function archive needs none of it.
import { parseConfig, type Config, type LocalConfig } from './config';
import { createLogger, type Logger } from './log';
import type { Ports } from './ports';
import { engineLedger, type StepContext } from './engine/context';
import { validateTrainingDataset } from './engine/dataset-check';

export type LocalPortsFactory = (config: LocalConfig) => Ports;
let localPorts: LocalPortsFactory | undefined;

/** Registers how a local function process builds its ports (local/function-entry.ts, before index.ts loads). */
export function useLocalBackend(factory: LocalPortsFactory): void {
  localPorts = factory;
}

/** Builds the ports of the configured backend: 'vertex' → ./gcp `createGcpPorts`, 'local' → the registered factory. */
export function createPorts(config: Config): Ports {
  if (config.env === 'vertex') {
    /* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose: the cloud clients load on first use */
    const gcp = require('./gcp') as typeof import('./gcp');
    const { gcpSettingsFromConfig } =
      require('./gcp/settings-from-config') as typeof import('./gcp/settings-from-config');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return gcp.createGcpPorts(gcpSettingsFromConfig(config));
  }
  if (!localPorts)
    throw new Error(
      'RETRAIN_ENV=local: the local backend is registered by functions/src/local/function-entry.ts, the module the ' +
        'local stack (`vertex-retrain up`) starts the functions from; in Google Cloud set RETRAIN_ENV=vertex',
    );
  return localPorts(config);
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
