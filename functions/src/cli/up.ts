// `vertex-retrain up`: the local stack in the foreground until Ctrl-C.
import { parseConfig } from '../config';
import { resolve } from 'node:path';
import type { HostPrograms } from '../local/host-interpreter';
import { gsUriToPath, localLayout } from '../local/layout';
import { checkTrainerHost, defaultTrainerDir, LocalStack } from '../local/stack';
import type { StackLog } from '../local/stack';
import { removeStackInfo, runningStack, writeStackInfo } from './stack-file';
import { TransitionFeed } from './transition-feed';

export interface UpOptions {
  dir: string;
  /** The trainer folder (see stackTrainerDir); default: the repository's trainer/ folder. */
  trainerDir?: string;
  /** The trainer's host programs, when the caller checked them already (checkTrainerHost). */
  host?: HostPrograms;
  port: number;
  verbose?: boolean;
  reconcileIntervalMs?: number;
  /** How long a copied file must stay unchanged before it starts a run (default: dataset-watcher.ts). */
  dropStableMs?: number;
  /** The CLI flags that point another command at this stack (`--dir X` when not the default folder). */
  cliFlags?: string;
  out?: NodeJS.WritableStream;
}

/** The `--dir` flag another command needs to reach the stack on `dir`, or '' for the default folder. */
export function dirFlag(dir: string, isDefault: boolean): string {
  if (isDefault) return '';
  return /^[\w@%+=:,./-]+$/.test(dir) ? `--dir ${dir}` : `--dir '${dir.replace(/'/g, "'\\''")}'`;
}

/**
 * The trainer a local stack runs: `--trainer <dir>`, else TRAINER_DIR, each relative to the working directory; else
 * the repository's own `trainer/` (wherever the command runs from). Absolute.
 */
export function stackTrainerDir(
  flag: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  const chosen = flag ?? (env.TRAINER_DIR || undefined);
  return chosen === undefined ? defaultTrainerDir() : resolve(chosen);
}

/** The functions' configuration in local mode (the stand-in names, overridable through the same variables). */
export function localConfig(env: Record<string, string | undefined> = process.env) {
  return parseConfig({ ...env, RETRAIN_ENV: 'local' });
}

/** Starts the stack and registers it in `<dir>/stack.json`; refuses if one already runs on this folder. */
export async function startStack(opts: UpOptions): Promise<LocalStack> {
  const trainerDir = opts.trainerDir ?? stackTrainerDir(undefined);
  // First: a trainer this machine cannot run (a missing interpreter or module) stops here, nothing started.
  const host = opts.host ?? (await checkTrainerHost(trainerDir));
  const layout = localLayout(opts.dir);
  const other = await runningStack(layout);
  if (other) throw new Error(`a local stack is already running on ${layout.root} (pid ${other.pid}, ${other.url})`);
  const out = opts.out ?? process.stdout;
  const log: StackLog = opts.verbose
    ? (event, fields) => out.write(`${new Date().toISOString()} ${event} ${fields ? JSON.stringify(fields) : ''}\n`)
    : () => undefined;
  const stack = new LocalStack({
    root: opts.dir,
    trainerDir,
    host,
    port: opts.port,
    log,
    reconcileIntervalMs: opts.reconcileIntervalMs,
    ...(opts.dropStableMs !== undefined ? { dropStableMs: opts.dropStableMs } : {}),
    names: localConfig(),
  });
  try {
    await stack.start();
  } catch (err) {
    await stack.stop().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${opts.port} is already in use (EADDRINUSE): stop what listens there, or choose another port with --port <n> (--port 0 takes any free port)`,
      );
    }
    throw err;
  }
  await writeStackInfo(layout, {
    pid: process.pid,
    url: stack.url,
    predictUrl: stack.predictUrl,
    dropFolder: stack.dropFolder,
    startedAt: new Date().toISOString(),
  });
  return stack;
}

export async function stopStack(stack: LocalStack): Promise<void> {
  await stack.stop();
  await removeStackInfo(stack.layout);
}

/** Runs until SIGINT/SIGTERM, then stops every child process. */
export async function up(opts: UpOptions): Promise<void> {
  const out = opts.out ?? process.stdout;
  const stack = await startStack(opts);
  const cli = `npx vertex-retrain${opts.cliFlags ? ` ${opts.cliFlags}` : ''}`;
  const feed = new TransitionFeed(
    stack.layout,
    stack.names.artifactsBucket,
    {
      predictUrl: stack.predictUrl,
      ...(opts.cliFlags ? { cliFlags: opts.cliFlags } : {}),
      localPath: (uri) => gsUriToPath(stack.layout, uri),
    },
    (line) => out.write(`${line}\n`),
  );
  await feed.start();
  out.write(
    [
      'vertex-retrain local stack is up (everything on 127.0.0.1).',
      `  trainer:          ${stack.trainerDir}`,
      `  drop a CSV into:  ${stack.dropFolder}/`,
      `  score a CSV:      ${stack.scoringFolder}/  (predictions land next to it)`,
      `  endpoint:         POST ${stack.predictUrl}`,
      `  dashboard:        ${stack.url}/`,
      `  logs:             ${stack.layout.logs}/  (one run's: ${cli} logs <run>)`,
      `  runs:             ${cli} runs`,
      'Runs are printed below as they move. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.write('stopping…\n');
  await feed.stop();
  await stopStack(stack);
}
