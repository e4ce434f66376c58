// The prediction server's command (the image's serving command, see image-commands.ts): reads the Vertex AI
// serving environment, starts listening at once (503 on health until the model is in), then loads
// `$AIP_STORAGE_URI/model.json`.
//
// A model that fails to load is fatal: the reason is logged and the process exits 1. Vertex restarts exited
// containers, which retries transient failures (e.g. a storage permission still propagating), and a permanent
// one shows as a failed deployment with the reason in the logs, rather than a replica answering 503 forever
// (Vertex never restarts a container that only fails its health check). Local mode sees the exit at once.
import { ARTIFACT_FILE, predictorFromArtifact } from './artifact';
import type { Predictor } from './predictor';
import { jsonLogger, type JsonLogger } from './server/json-log';
import { createPredictionServer, type PredictionServer } from './server/prediction-server';
import { readServeConfig, ServeConfigError } from './server/serve-config';
import { exitGracefullyOnSignals, type ProcessLike } from './server/shutdown';
import { joinUri, readUri } from './uri-io';

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
    loadPredictor: () => loadPredictor(config.storageUri, parseArtifact),
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

/** Reads `<dir>/model.json` (gs:// or local) and parses it, with errors that name the file. */
export async function loadPredictor(dir: string, parseArtifact: (text: string) => Predictor): Promise<Predictor> {
  const uri = joinUri(dir, ARTIFACT_FILE);
  let text: string;
  try {
    text = (await readUri(uri)).data.toString('utf8');
  } catch (err) {
    throw new Error(`cannot read the model artifact ${uri}: ${(err as Error).message}`);
  }
  try {
    return parseArtifact(text);
  } catch (err) {
    throw new Error(`${uri} is not a usable model artifact: ${(err as Error).message}`);
  }
}

if (require.main === module) {
  const logger = jsonLogger(process.env.LOG_LEVEL);
  startServing({ env: process.env, argv: process.argv.slice(2), logger }).catch((err: unknown) => {
    logger.error({ err }, err instanceof ServeConfigError ? err.message : 'prediction server failed to start');
    process.exit(err instanceof ServeConfigError ? 2 : 1);
  });
}
