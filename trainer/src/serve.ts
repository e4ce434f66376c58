// The prediction server's command (the image's serving command, see image-commands.ts): reads the Vertex AI
// serving environment, starts listening at once (503 on health until the model is in), then loads
// `$AIP_STORAGE_URI/model.json`. Every instance's field names are checked against INSTANCE_FIELDS first: an unknown
// or misspelled field is a 400 naming it and the expected columns (missing fields are still imputed by the model).
//
// A model that fails to load is fatal: the reason is logged and the process exits 1. Vertex restarts exited
// containers, which retries transient failures (e.g. a storage permission still propagating), and a permanent
// one shows as a failed deployment with the reason in the logs, rather than a replica answering 503 forever
// (Vertex never restarts a container that only fails its health check). Local mode sees the exit at once.
import { predictorFromArtifact } from './artifact';
import { COLUMNS, PASSENGER_FIELDS } from './fields';
import { loadPredictor } from './model-dir';
import type { Predictor } from './predictor';
import { jsonLogger, type JsonLogger } from './server/json-log';
import { createPredictionServer, type PredictionServer } from './server/prediction-server';
import { readServeConfig, ServeConfigError } from './server/serve-config';
import { exitGracefullyOnSignals, type ProcessLike } from './server/shutdown';
import { checkingFields, type InstanceFields } from './server/instance-fields';

/**
 * The fields a request instance may carry: the passenger columns the model reads (fields.ts), plus the data set's
 * other columns (PassengerId, Survived), accepted so a row of a Kaggle file can be sent as it is, and ignored.
 */
export const INSTANCE_FIELDS: InstanceFields = {
  expected: PASSENGER_FIELDS,
  ignored: COLUMNS.filter((c) => !(PASSENGER_FIELDS as readonly string[]).includes(c)),
};

export interface ServeOptions {
  env: NodeJS.ProcessEnv;
  argv: readonly string[];
  /** Turns model.json's text into a predictor; the real artifact parser unless a test injects another. */
  parseArtifact?: (text: string) => Predictor;
  logger?: JsonLogger;
  process?: ProcessLike;
}

/** Starts the server from the serving environment; resolves once it listens (the model may still be loading). */
export async function startServing(options: ServeOptions): Promise<PredictionServer> {
  const {
    env,
    argv,
    parseArtifact = predictorFromArtifact,
    logger = jsonLogger(options.env.LOG_LEVEL),
    process: proc = process,
  } = options;
  const config = readServeConfig(env, argv);
  const server = createPredictionServer({
    loadPredictor: async () => checkingFields(await loadPredictor(config.storageUri, parseArtifact), INSTANCE_FIELDS),
    healthRoute: config.healthRoute,
    predictRoute: config.predictRoute,
    logger,
  });
  exitGracefullyOnSignals({ close: () => server.close(), log: logger, process: proc });
  const address = await server.listen({ port: config.port, host: config.host });
  logger.info({ address, health: config.healthRoute, predict: config.predictRoute }, 'prediction server listening');
  void server.loaded.then(async (state) => {
    if (state.status !== 'failed') return;
    await server.close();
    proc.exit(1);
  });
  return server;
}

export { loadPredictor };

if (require.main === module) {
  const logger = jsonLogger(process.env.LOG_LEVEL);
  startServing({ env: process.env, argv: process.argv.slice(2), logger }).catch((err: unknown) => {
    logger.error({ err }, err instanceof ServeConfigError ? err.message : 'prediction server failed to start');
    process.exit(err instanceof ServeConfigError ? 2 : 1);
  });
}
