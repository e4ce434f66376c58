// The `vertex-retrain` command line. Compiled ahead of time (npm's prepare builds it); it loads only our own small
// modules up front (esbuild and the cloud clients load when used), so it starts fast. `--env local` (the default)
// works on the local stack's folder; `--env vertex` points the read and predict commands at Google Cloud.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command as CommandType } from 'commander' with { 'resolution-mode': 'import' };
import type { Config } from '../config';
import { LocalObjectStore } from '../local/object-store';
import { localLayout, objectPath } from '../local/layout';
import { ledgerTraffic } from '../pipeline/ledger-traffic';
import { deadLetters, deadLettersFromEnv, type DeadLetterClients } from './dead-letters';
import { operatorContext, operatorName, promoteCommand, rollbackCommand, undeployCommand } from './operator';
import { demo } from './demo';
import { followRun } from './follow';
import { localLogFiles, runLogs } from './logs';
import { readInstances } from './instances';
import { loadTrainerDatasetSchema } from '../contract/dataset-schema';
import { predictLocal, renderPredictions } from './predict';
import { renderOutcome } from './run-outcome-view';
import { renderLineage, renderRunTable, renderStages } from './run-view';
import { RunReader } from './runs';
import { resetStack } from './reset';
import { runningStack } from './stack-file';
import { dirFlag, localConfig, stackTrainerDir, up } from './up';
import { projectRoot } from '../local/settings';
import { registerValidate } from './validate';
import { predictVertex, vertexStore, vertexTarget, withEnvFile } from './vertex';

// commander is an ES module; Node 22 loads it with require(), which TypeScript's CommonJS output cannot express.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Command, InvalidArgumentError, Option } = require('commander') as typeof import('commander', {
  with: { 'resolution-mode': 'import' },
});

const TRAINER_OPTION =
  'the trainer folder (its trainer.yaml, Dockerfile, dataset schema and data/); default: $TRAINER_DIR, else the repository trainer/ folder';

interface GlobalOptions {
  env: Config['env'];
  dir: string;
}

const int = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};

function localOnly(command: string, env: string): void {
  if (env !== 'local')
    throw new Error(`\`${command}\` runs the local stack only; with --env vertex the flow runs in Google Cloud`);
}

function runReader(opts: GlobalOptions): RunReader {
  if (opts.env === 'vertex') {
    const { store, artifactsBucket } = vertexStore();
    return new RunReader(store, artifactsBucket);
  }
  return new RunReader(new LocalObjectStore(localLayout(opts.dir)), localConfig().artifactsBucket);
}

/** A `--dir` value; one starting with `-` is an option mistaken for it (`--dir --no-config` made a folder so named). */
function dirValue(value: string): string {
  if (value.startsWith('-')) throw new InvalidArgumentError(`expects a folder, got the option-like ${value}`);
  return value;
}

function version(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

async function readInput(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  if (process.stdin.isTTY) {
    process.stderr.write(
      'reading instances from stdin: JSON ([...] or {"instances": [...]}) or CSV with a header, then Ctrl-D (or pass --instances <file>)\n',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What a test replaces: the Pub/Sub clients of `dead-letters --env vertex`. */
export interface CliDeps {
  deadLetterClients?: (projectId: string) => DeadLetterClients;
}

export function buildProgram(deps: CliDeps = {}): CommandType {
  const program = new Command('vertex-retrain')
    .description('Event-driven continuous training for Vertex AI: drop a CSV, get a new deployed model version.')
    .addOption(new Option('--env <env>', 'where the flow runs').choices(['local', 'vertex']).default('local'))
    .option('--dir <path>', 'the local stack folder', dirValue, '.vertex-retrain')
    .version(version(), '-V, --version', 'print the version')
    .showHelpAfterError();
  const globals = () => program.opts<GlobalOptions>();
  const dirIsDefault = () => program.getOptionValueSource('dir') === 'default';
  const cliFlags = () => dirFlag(globals().dir, dirIsDefault());

  program
    .command('up')
    .description('start the local stack (functions, router, twins) until Ctrl-C')
    .option('--port <n>', 'port of the local endpoint URL (0 = any free port)', int('--port'), 8780)
    .option('--trainer <dir>', TRAINER_OPTION)
    .option('--verbose', 'print stack events')
    .action(async (o: { port: number; trainer?: string; verbose?: boolean }) => {
      localOnly('up', globals().env);
      await up({
        dir: globals().dir,
        trainerDir: stackTrainerDir(o.trainer),
        port: o.port,
        verbose: o.verbose,
        cliFlags: cliFlags(),
      });
    });

  program
    .command('demo')
    .description(
      "start a local stack on a fresh folder of its own (or --dir), drop the trainer's sample CSV, follow the run, print predictions and lineage, stop",
    )
    .option('--port <n>', 'port of the local endpoint URL (0 = any free port)', int('--port'), 0)
    .option('--trainer <dir>', TRAINER_OPTION)
    .option('--rows <n>', "how many rows of the trainer's score file to predict", int('--rows'), 5)
    .option('--timeout <seconds>', 'give up after this long', int('--timeout'), 120)
    .option('--verbose', 'print stack events')
    .action(async (o: { port: number; trainer?: string; rows: number; timeout: number; verbose?: boolean }) => {
      localOnly('demo', globals().env);
      await demo({
        ...(dirIsDefault() ? {} : { dir: globals().dir }),
        trainerDir: stackTrainerDir(o.trainer),
        port: o.port,
        rows: o.rows,
        timeoutMs: o.timeout * 1000,
        verbose: o.verbose,
      });
    });

  program
    .command('runs')
    .description('list the runs in the ledger, newest first')
    .option('--json', 'print the run records as JSON')
    .action(async (o: { json?: boolean }) => {
      const runs = (await runReader(globals()).list()).reverse(); // the ledger lists oldest first
      if (o.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      const serving = ledgerTraffic(runs)?.byRun;
      process.stdout.write(runs.length === 0 ? 'no runs yet\n' : `${renderRunTable(runs, serving).join('\n')}\n`);
    });

  program
    .command('show <run>')
    .description("a run's stages, timings and lineage (the run id or an unambiguous prefix of it)")
    .option('--json', 'print the run record as JSON')
    .action(async (runArg: string, o: { json?: boolean }) => {
      const reader = runReader(globals());
      const run = await reader.resolve(runArg);
      if (o.json) return void process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      const traffic = ledgerTraffic(await reader.list());
      const layout = localLayout(globals().dir);
      const outcome = renderOutcome(run, {
        ...(traffic ? { traffic } : {}),
        ...(globals().env === 'local' ? { localPath: (b: string, n: string) => objectPath(layout, b, n) } : {}),
      });
      // The build log is in the lineage; the training and serving logs too, and the command gathering the rest.
      const logs =
        globals().env === 'local'
          ? localLogFiles(layout, run)
              .filter(([label]) => label !== 'build log')
              .map(([label, path]) => `  ${label.padEnd(16)} ${path}`)
          : [];
      const flags = globals().env === 'vertex' ? '--env vertex' : cliFlags();
      const logsHint = `  ${'function logs'.padEnd(16)} npx vertex-retrain${flags ? ` ${flags}` : ''} logs ${run.runId}`;
      const lines = [...renderLineage(run), ...logs, logsHint, ...outcome, '', ...renderStages(run, new Date())];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('follow [run]')
    .description('follow a run (default: the newest) stage by stage until it ends, as the demo shows it')
    .option('--timeout <seconds>', 'give up after this long', int('--timeout'), 3600)
    .action(async (runArg: string | undefined, o: { timeout: number }) => {
      const reader = runReader(globals());
      const newest = runArg === undefined ? (await reader.list()).at(-1) : await reader.resolve(runArg);
      if (!newest) throw new Error('no runs yet: drop a CSV into the data bucket first');
      process.stdout.write(`run ${newest.runId}\n`);
      const run = await followRun({
        fetch: () => reader.get(newest.runId),
        out: process.stdout,
        timeoutMs: o.timeout * 1000,
        pollMs: globals().env === 'vertex' ? 5000 : 250,
      });
      // Success is the end of the run's happy path: serving (a training run) or its predictions written (scoring).
      if (run.state !== 'DEPLOYED' && run.state !== 'SCORED') process.exitCode = 1;
    });

  program
    .command('predict')
    .description('ask the endpoint: instances from a JSON or CSV file, or - for stdin')
    .option('--instances <file>', 'JSON ([...] or {"instances": [...]}) or CSV with a header; - reads stdin', '-')
    .option('--json', 'print the raw response')
    .option(
      '--trainer <dir>',
      'the trainer folder whose dataset schema names the columns (default: TRAINER_DIR, else trainer)',
    )
    .action(async (o: { instances: string; json?: boolean; trainer?: string }) => {
      // Locally, find the stack before waiting on stdin: no point reading instances nobody can answer.
      const stack = globals().env === 'vertex' ? undefined : await runningStack(localLayout(globals().dir));
      if (globals().env !== 'vertex' && !stack)
        throw new Error(`no local stack is running on ${globals().dir}: start one with \`vertex-retrain up\``);
      const instances = readInstances(await readInput(o.instances));
      const response = stack ? await predictLocal(stack, instances) : await predictVertex(instances);
      if (o.json) return void process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      const { table } = await loadTrainerDatasetSchema(o.trainer ?? (process.env.TRAINER_DIR || 'trainer'));
      process.stdout.write(
        `deployed model ${response.deployedModelId ?? '?'}:\n${renderPredictions(instances, response, table).join('\n')}\n`,
      );
    });

  program
    .command('promote <run>')
    .description('deploy a HELD run despite the quality gate, or shift a DEPLOYED canary run to 100 % of traffic')
    .option('--by <name>', 'who asks (recorded on the run); default: your user name')
    .option('--timeout <seconds>', 'how long to wait for the deployment or traffic update', int('--timeout'), 600)
    .action(async (runId: string, o: { by?: string; timeout: number }) => {
      const ctx = await operatorContext(globals());
      const line = await promoteCommand(ctx, runId, { by: operatorName(o.by), timeoutMs: o.timeout * 1000 });
      process.stdout.write(`${line}\n`);
    });

  program
    .command('rollback')
    .description('give all traffic back to the previous deployed version (one endpoint traffic update, no redeploy)')
    .option('--by <name>', 'who asks (recorded on the runs); default: your user name')
    .option('--timeout <seconds>', 'how long to wait for the traffic update', int('--timeout'), 600)
    .action(async (o: { by?: string; timeout: number }) => {
      const ctx = await operatorContext(globals());
      const line = await rollbackCommand(ctx, { by: operatorName(o.by), timeoutMs: o.timeout * 1000 });
      process.stdout.write(`${line}\n`);
    });

  program
    .command('undeploy')
    .description(
      'stop paying for serving: undeploy every deployed version but the serving one, or with --all move traffic off and undeploy everything',
    )
    .option('--all', 'also the serving version: the endpoint is left with nothing deployed (the stack stays)')
    .option('--by <name>', 'who asks (recorded on the runs); default: your user name')
    .option('--timeout <seconds>', 'how long to wait for each undeploy', int('--timeout'), 1800)
    .action(async (o: { all?: boolean; by?: string; timeout: number }) => {
      const ctx = await operatorContext(globals());
      const { lines, ok } = await undeployCommand(ctx, {
        by: operatorName(o.by),
        timeoutMs: o.timeout * 1000,
        all: Boolean(o.all),
      });
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!ok) process.exitCode = 1;
    });

  program
    .command('logs <run>')
    .description("one run's lines from the function logs, and where its build, training and serving logs are")
    .action(async (runArg: string) => {
      const reader = runReader(globals());
      const run = await reader.resolve(runArg);
      const lines =
        globals().env === 'vertex'
          ? runLogs.vertex(run, vertexTarget().projectId)
          : await runLogs.local(localLayout(globals().dir), run);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('reset')
    .description('empty the local stack folder (runs, data, models, logs) so the next `up` starts from nothing')
    .action(async () => {
      localOnly('reset', globals().env);
      const layout = localLayout(globals().dir);
      const removed = await resetStack(layout);
      process.stdout.write(removed.length === 0 ? `${layout.root}: nothing to remove\n` : `emptied ${layout.root}\n`);
    });

  program
    .command('dead-letters')
    .description(
      "events that exhausted their retries: the local router's, with their last error, or with --env vertex those on the dead-letter subscriptions",
    )
    .option(
      '--replay',
      'deliver them again (locally: queue them; on Google Cloud: publish to the function topic, then ack)',
    )
    .option(
      '--env-file <path>',
      'with --env vertex: the file with PROJECT_ID and DEAD_LETTER_ROUTES (default .env.vertex)',
    )
    .action(async (o: { replay?: boolean; envFile?: string }) => {
      if (globals().env === 'vertex') {
        const env = withEnvFile(process.env, o.envFile);
        await deadLettersFromEnv(env, Boolean(o.replay), process.stdout, deps.deadLetterClients);
        return;
      }
      await deadLetters(localLayout(globals().dir), Boolean(o.replay), process.stdout);
    });

  registerValidate(program);
  return program;
}

/** Runs the CLI; prints errors without a stack trace and exits 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  // `vertex-retrain predict … | head`: the reader went away; stop quietly, as other command-line tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`vertex-retrain: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

// Run when executed directly or through bin/vertex-retrain.js (which only requires this file).
if (require.main === module || /[\\/]bin[\\/]vertex-retrain(\.js)?$/.test(require.main?.filename ?? '')) void main();
