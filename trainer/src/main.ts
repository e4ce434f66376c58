// The training entry point (the image's ENTRYPOINT): the training command of the trainer contract
// (docs/trainer-contract.md). Reads the dataset, validates it, trains, evaluates, scores the serving version's model
// on the same hold-out rows when given one (--baseline-model-dir), and writes model.json + metrics.json (v1) to the
// model directory. Last, on Vertex, it publishes the outcome message v1 to TRAINING_EVENTS_TOPIC.
// Exit codes: 0 trained, 2 dataset rejected (the problems on stderr and in the outcome message; no model), 1 anything
// else.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARTIFACT_FILE, buildArtifact, serializeArtifact } from './artifact';
import { scoreBaseline, type BaselineResult } from './baseline';
import { rowOf, type LabelledPassenger, type PassengerTable } from './fields';
import { metricsDocument } from './metrics-file';
import { sendOutcome, type OutcomeStatus } from './outcome-notice';
import { DatasetError, readTrainingFile } from './preprocess';
import { holdoutById } from './split';
import { DEFAULT_SEED, FOLDS, HOLDOUT_FRACTION, train } from './train';
import { joinUri, parseGcsUri, writeUri } from './uri-io';

export const METRICS_FILE = 'metrics.json';

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
  /** The serving version's model directory (absent for the first run). */
  baselineModelDir?: string;
  seed: number;
}

const USAGE =
  'usage: main --data URI [--env local|vertex] [--endpoint_version N] [--model-dir URI (default $AIP_MODEL_DIR)] [--run-id ID] [--baseline-model-dir URI] [--seed N]';

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
        'baseline-model-dir': { type: 'string' },
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
  const baselineModelDir = values['baseline-model-dir'];
  if (baselineModelDir === '') throw new UsageError('--baseline-model-dir must not be empty (leave it out for none)');
  if (values.env === 'local') {
    for (const [name, uri] of [
      ['--data', values.data],
      ['--model-dir', modelDir],
      ['--baseline-model-dir', baselineModelDir],
    ] as const) {
      if (uri !== undefined && parseGcsUri(uri))
        throw new UsageError(`${name} ${uri}: gs:// URIs need --env vertex (local mode uses paths)`);
    }
  }
  return {
    env: values.env,
    endpointVersion,
    data: values.data,
    modelDir,
    runId: values['run-id'],
    ...(baselineModelDir !== undefined ? { baselineModelDir } : {}),
    seed,
  };
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

/** How a run ended: the exit code and a short reason for the outcome message. */
export interface RunResult {
  code: 0 | 2;
  message: string;
}

/** The candidate's hold-out rows: the same id-keyed hold-out the evaluation uses (train.ts evaluate). */
function holdoutRows(table: PassengerTable, seed: number): LabelledPassenger[] {
  const { test } = holdoutById(table.passengerId, HOLDOUT_FRACTION, seed);
  return test.map((i) => rowOf(table, i, true));
}

/** Scores the baseline on the candidate's hold-out; an unusable baseline is logged and reported, never fatal. */
async function baselineOf(args: TrainerArgs, rows: PassengerTable, holdoutCount: number) {
  if (args.baselineModelDir === undefined) return undefined;
  const held = holdoutRows(rows, args.seed);
  let result: BaselineResult = await scoreBaseline(args.baselineModelDir, held);
  if (result.scored && result.rows !== holdoutCount) {
    // Not reachable while train.ts holds out with stratifiedHoldout; refuse rather than compare on other rows.
    result = {
      modelDir: result.modelDir,
      scored: false,
      reason: `scored on ${result.rows} rows but the candidate's hold-out has ${holdoutCount}`,
    };
  }
  if (result.scored) {
    log('baseline scored on the hold-out', { modelDir: result.modelDir, rows: result.rows, ...result.figures });
  } else {
    log('baseline not scored', { modelDir: result.modelDir, reason: result.reason }, 'WARNING');
  }
  return result;
}

/** Runs one training job; resolves to the exit code (0 or 2) and a short reason. Throws on anything else. */
export async function run(args: TrainerArgs): Promise<RunResult> {
  const { runId, endpointVersion } = args;
  const out = (file: string): string => joinUri(args.modelDir, file);
  let rows, sha256, metadata;
  try {
    let bytes;
    ({ table: rows, sha256, bytes, metadata } = await readTrainingFile(args.data, args.baselineModelDir !== undefined));
    log('dataset read', { uri: args.data, bytes });
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    console.error(error.message);
    log('dataset rejected', { problemCount: error.problemCount }, 'WARNING');
    return { code: 2, message: `dataset rejected: ${error.message}` };
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
  const baseline = await baselineOf(args, rows, holdout.rows);
  const document = metricsDocument({
    seed: args.seed,
    rows: { total: rows.length, train: holdout.trainRows, holdout: holdout.rows },
    holdout,
    cv: { folds: FOLDS, mean: crossValidation.mean },
    features: { names: result.fitted.featureNames, weights: result.fitted.model.weights },
    ...(baseline?.scored ? { baseline: { modelDir: baseline.modelDir, figures: baseline.figures } } : {}),
    extra: {
      modelVersion: artifact.modelVersion,
      ...(runId !== undefined ? { runId } : {}),
      ...(endpointVersion !== undefined ? { endpointVersion } : {}),
      survivors: result.evaluation.survivors,
      lambda: result.fitted.lambda,
      trainingMs: result.trainingMs,
      fitMs: result.fitMs,
      ...(baseline?.scored ? { baselineModelVersion: baseline.modelVersion } : {}),
      ...(baseline && !baseline.scored
        ? { baselineUnavailable: { modelDir: baseline.modelDir, reason: baseline.reason } }
        : {}),
    },
  });
  const summary = {
    holdoutAccuracy: holdout.accuracy,
    holdoutRocAuc: holdout.rocAuc,
    holdoutLogLoss: holdout.logLoss,
    cvAccuracy: crossValidation.mean.accuracy,
    cvRocAuc: crossValidation.mean.rocAuc,
  };
  await writeUri(out(ARTIFACT_FILE), serializeArtifact(artifact));
  await writeUri(out(METRICS_FILE), json(document));
  log('model trained', {
    modelVersion: artifact.modelVersion,
    rows: rows.length,
    trainingMs: result.trainingMs,
    ...summary,
    baseline: baseline === undefined ? 'none' : baseline.scored ? 'scored' : 'unavailable',
  });
  const against =
    baseline === undefined
      ? ''
      : baseline.scored
        ? `; baseline accuracy ${baseline.figures.accuracy} on the same ${baseline.rows} hold-out rows`
        : `; baseline not scored: ${baseline.reason}`;
  return { code: 0, message: `model ${artifact.modelVersion}, hold-out accuracy ${holdout.accuracy}${against}` };
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
  let result: RunResult | { code: 1; message: string };
  try {
    result = await run(args);
  } catch (error) {
    console.error(`training failed: ${(error as Error).message}`);
    log('training failed', { error: (error as Error).message }, 'ERROR');
    result = { code: 1, message: `training failed: ${(error as Error).message}` };
  }
  const status: OutcomeStatus = result.code === 0 ? 'SUCCEEDED' : result.code === 2 ? 'REJECTED' : 'FAILED';
  const { runId, endpointVersion } = args;
  const sent = await sendOutcome({ runId, endpointVersion, status, message: result.message }, args.env);
  if (sent !== 'skipped') log('outcome message', { sent, status });
  return result.code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
