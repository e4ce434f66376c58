// The `vertex-retrain` command line. Compiled ahead of time (npm's prepare builds it); it loads only our own small
// modules up front (esbuild and the cloud clients load when used), so it starts fast. `--env local` (the default)
// works on the local stack's folder; `--env vertex` points the read and predict commands at Google Cloud.
import { readFile } from 'node:fs/promises';
import type { Command as CommandType } from 'commander' with { 'resolution-mode': 'import' };
import { LocalObjectStore } from '../local/object-store';
import { localLayout, objectPath } from '../local/layout';
import { ledgerTraffic } from '../pipeline/ledger-traffic';
import type { RunRecord } from '../pipeline/run-record';
import { deadLetters } from './dead-letters';
import { operatorContext, operatorName, promoteCommand, rollbackCommand } from './operator';
import { demo } from './demo';
import { readInstances } from './passengers';
import { predictLocal, renderPredictions } from './predict';
import { renderOutcome } from './run-outcome-view';
import { renderLineage, renderRunTable, renderStages } from './run-view';
import { RunReader } from './runs';
import { runningStack } from './stack-file';
import { localConfig, up } from './up';
import { registerValidate } from './validate';
import { predictVertex, vertexStore } from './vertex';

// commander is an ES module; Node 22 loads it with require(), which TypeScript's CommonJS output cannot express.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Command, InvalidArgumentError, Option } = require('commander') as typeof import('commander', {
  with: { 'resolution-mode': 'import' },
});

interface GlobalOptions {
  env: 'local' | 'vertex';
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

async function readInput(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function buildProgram(): CommandType {
  const program = new Command('vertex-retrain')
    .description('Event-driven continuous training for Vertex AI: drop a CSV, get a new deployed model version.')
    .addOption(new Option('--env <env>', 'where the flow runs').choices(['local', 'vertex']).default('local'))
    .option('--dir <path>', 'the local stack folder', '.vertex-retrain')
    .showHelpAfterError();
  const globals = () => program.opts<GlobalOptions>();

  program
    .command('up')
    .description('start the local stack (functions, router, twins) until Ctrl-C')
    .option('--port <n>', 'port of the local endpoint URL (0 = any free port)', int('--port'), 8780)
    .option('--verbose', 'print stack events')
    .action(async (o: { port: number; verbose?: boolean }) => {
      localOnly('up', globals().env);
      await up({ dir: globals().dir, port: o.port, verbose: o.verbose });
    });

  program
    .command('demo')
    .description('start the local stack, drop the Titanic CSV, follow the run, print predictions and lineage, stop')
    .option('--port <n>', 'port of the local endpoint URL (0 = any free port)', int('--port'), 0)
    .option('--passengers <n>', 'how many test passengers to predict', int('--passengers'), 5)
    .option('--timeout <seconds>', 'give up after this long', int('--timeout'), 120)
    .option('--verbose', 'print stack events')
    .action(async (o: { port: number; passengers: number; timeout: number; verbose?: boolean }) => {
      localOnly('demo', globals().env);
      await demo({
        dir: globals().dir,
        port: o.port,
        passengers: o.passengers,
        timeoutMs: o.timeout * 1000,
        verbose: o.verbose,
      });
    });

  program
    .command('runs')
    .description('list the runs in the ledger, newest first')
    .option('--json', 'print the run records as JSON')
    .action(async (o: { json?: boolean }) => {
      const runs = await runReader(globals()).list();
      if (o.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      const serving = ledgerTraffic(runs as RunRecord[])?.byRun;
      process.stdout.write(runs.length === 0 ? 'no runs yet\n' : `${renderRunTable(runs, serving).join('\n')}\n`);
    });

  program
    .command('show <run>')
    .description("a run's stages, timings and lineage")
    .option('--json', 'print the run record as JSON')
    .action(async (runId: string, o: { json?: boolean }) => {
      const reader = runReader(globals());
      const run = (await reader.get(runId)) as RunRecord | undefined;
      if (!run) throw new Error(`no run ${runId} (see: vertex-retrain runs)`);
      if (o.json) return void process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      const traffic = ledgerTraffic((await reader.list()) as RunRecord[]);
      const layout = localLayout(globals().dir);
      const outcome = renderOutcome(run, {
        ...(traffic ? { traffic } : {}),
        ...(globals().env === 'local' ? { localPath: (b: string, n: string) => objectPath(layout, b, n) } : {}),
      });
      const lines = [...renderLineage(run), ...outcome, '', ...renderStages(run, new Date())];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('predict')
    .description('ask the endpoint: instances from a JSON or CSV file, or - for stdin')
    .option('--instances <file>', 'JSON ([...] or {"instances": [...]}) or CSV with a header; - reads stdin', '-')
    .option('--json', 'print the raw response')
    .action(async (o: { instances: string; json?: boolean }) => {
      const instances = readInstances(await readInput(o.instances));
      let response;
      if (globals().env === 'vertex') {
        response = await predictVertex(instances);
      } else {
        const stack = await runningStack(localLayout(globals().dir));
        if (!stack)
          throw new Error(`no local stack is running on ${globals().dir}: start one with \`vertex-retrain up\``);
        response = await predictLocal(stack, instances);
      }
      if (o.json) return void process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      process.stdout.write(
        `deployed model ${response.deployedModelId ?? '?'}:\n${renderPredictions(instances, response).join('\n')}\n`,
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
    .command('dead-letters')
    .description('events the local router gave up on, with their last error')
    .option('--replay', 'queue them again for delivery')
    .action(async (o: { replay?: boolean }) => {
      localOnly('dead-letters', globals().env);
      await deadLetters(localLayout(globals().dir), Boolean(o.replay), process.stdout);
    });

  registerValidate(program);
  return program;
}

/** Runs the CLI; prints errors without a stack trace and exits 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`vertex-retrain: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

// Run when executed directly or through bin/vertex-retrain.js (which only requires this file).
if (require.main === module || /[\\/]bin[\\/]vertex-retrain(\.js)?$/.test(require.main?.filename ?? '')) void main();
