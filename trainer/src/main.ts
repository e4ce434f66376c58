// The training entry point (the image's ENTRYPOINT). Reads the dataset, validates it, trains, evaluates, and writes
// model.json + metrics.json, then LAST outcome.json: the marker a watcher reads to know the run is over.
// Exit codes: 0 trained, 2 dataset rejected (outcome.json REJECTED lists the problems, no model), 1 anything else.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARTIFACT_FILE, buildArtifact, serializeArtifact } from './artifact';
import { sendTrainingNotice } from './outcome-notice';
import { DatasetError, readTrainingFile } from './preprocess';
import { DEFAULT_SEED, train } from './train';
import { joinUri, parseGcsUri, writeUri } from './uri-io';

export const METRICS_FILE = 'metrics.json';
export const OUTCOME_FILE = 'outcome.json';

/** Bad command-line arguments: exit 1 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface TrainerArgs {
  env: 'local' | 'vertex';
  endpointVersion?: number;
  data: string;
  modelDir: string;
  runId?: string;
  seed: number;
}

const USAGE =
  'usage: main --data URI [--env local|vertex] [--endpoint_version N] [--model-dir URI (default $AIP_MODEL_DIR)] [--run-id ID] [--seed N]';

/** Parses and checks the arguments; throws UsageError saying which one is wrong. */
export function parseTrainerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TrainerArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string', default: 'local' },
        endpoint_version: { type: 'string' },
        data: { type: 'string' },
        'model-dir': { type: 'string' },
        'run-id': { type: 'string' },
        seed: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.env !== 'local' && values.env !== 'vertex')
    throw new UsageError(`--env must be local or vertex, got "${values.env}"`);
  const positive = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}"`);
    }
    return Number(text);
  };
  const endpointVersion = positive('endpoint_version', values.endpoint_version, 1);
  const seed = positive('seed', values.seed, 0) ?? DEFAULT_SEED;
  if (!values.data) throw new UsageError(`--data is required\n${USAGE}`);
  const modelDir = values['model-dir'] ?? env.AIP_MODEL_DIR;
  if (!modelDir) throw new UsageError('--model-dir is required when AIP_MODEL_DIR is not set');
  if (values.env === 'local') {
    for (const [name, uri] of [
      ['--data', values.data],
      ['--model-dir', modelDir],
    ] as const) {
      if (parseGcsUri(uri))
        throw new UsageError(`${name} ${uri}: gs:// URIs need --env vertex (local mode uses paths)`);
    }
  }
  return { env: values.env, endpointVersion, data: values.data, modelDir, runId: values['run-id'], seed };
}

/** CODE_VERSION when set (the image build sets it), else the package version. */
export function codeVersion(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODE_VERSION) return env.CODE_VERSION;
  // Works from trainer/src (tsx) and dist/trainer/src (compiled): walk up to the package.json.
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
}

function log(message: string, fields: Record<string, unknown> = {}, severity = 'INFO'): void {
  console.log(JSON.stringify({ severity, message, ...fields }));
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 1)}\n`;

/** Runs one training job; resolves to the exit code. */
export async function run(args: TrainerArgs): Promise<number> {
  const { runId, endpointVersion } = args;
  const out = (file: string): string => joinUri(args.modelDir, file);
  let rows, sha256, metadata;
  try {
    let bytes;
    ({ table: rows, sha256, bytes, metadata } = await readTrainingFile(args.data));
    log('dataset read', { uri: args.data, bytes });
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    console.error(error.message);
    const { problems, problemCount } = error;
    await writeUri(out(OUTCOME_FILE), json({ status: 'REJECTED', runId, endpointVersion, problemCount, problems }));
    log('dataset rejected', { problemCount }, 'WARNING');
    return 2;
  }
  const result = train(rows, args.seed);
  const artifact = buildArtifact(result.fitted, {
    codeVersion: codeVersion(),
    endpointVersion,
    runId,
    seed: args.seed,
    trainingData: {
      uri: args.data,
      sha256,
      rows: rows.length,
      generation: metadata.generation,
      md5Hash: metadata.md5Hash,
    },
  });
  const { holdout, crossValidation } = result.evaluation;
  const summary = {
    holdoutAccuracy: holdout.accuracy,
    holdoutRocAuc: holdout.rocAuc,
    holdoutLogLoss: holdout.logLoss,
    cvAccuracy: crossValidation.mean.accuracy,
    cvRocAuc: crossValidation.mean.rocAuc,
  };
  const metrics = {
    modelVersion: artifact.modelVersion,
    runId,
    endpointVersion,
    summary,
    ...result.evaluation,
    lambda: result.fitted.lambda,
    trainingMs: result.trainingMs,
    fitMs: result.fitMs,
  };
  await writeUri(out(ARTIFACT_FILE), serializeArtifact(artifact));
  await writeUri(out(METRICS_FILE), json(metrics));
  await writeUri(
    out(OUTCOME_FILE),
    json({ status: 'SUCCEEDED', runId, endpointVersion, modelVersion: artifact.modelVersion, metrics: summary }),
  );
  log('model trained', {
    modelVersion: artifact.modelVersion,
    rows: rows.length,
    trainingMs: result.trainingMs,
    ...summary,
  });
  return 0;
}

/** CLI wrapper: parse arguments, run, map failures to exit codes (1: usage or unexpected error). */
export async function main(argv: string[]): Promise<number> {
  let args: TrainerArgs;
  try {
    args = parseTrainerArgs(argv);
  } catch (error) {
    console.error(`invalid arguments: ${(error as Error).message}`);
    return 1;
  }
  let code: number;
  try {
    code = await run(args);
  } catch (error) {
    console.error(`training failed: ${(error as Error).message}`);
    log('training failed', { error: (error as Error).message }, 'ERROR');
    code = 1;
  }
  const status = code === 0 ? 'SUCCEEDED' : code === 2 ? 'REJECTED' : 'FAILED';
  const notice = await sendTrainingNotice(
    { runId: args.runId, endpointVersion: args.endpointVersion, status },
    args.env,
  );
  if (notice !== 'skipped') log('training notice', { notice, status });
  return code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
