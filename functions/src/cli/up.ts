// `vertex-retrain up`: the local stack in the foreground until Ctrl-C.
import { parseConfig } from '../config';
import { localLayout } from '../local/layout';
import { LocalStack } from '../local/stack';
import type { StackLog } from '../local/stack';
import { removeStackInfo, runningStack, writeStackInfo } from './stack-file';

export interface UpOptions {
  dir: string;
  port: number;
  verbose?: boolean;
  reconcileIntervalMs?: number;
  out?: NodeJS.WritableStream;
}

/** The functions' configuration in local mode (the stand-in names, overridable through the same variables). */
export function localConfig(env: Record<string, string | undefined> = process.env) {
  return parseConfig({ ...env, RETRAIN_ENV: 'local' });
}

/** Starts the stack and registers it in `<dir>/stack.json`; refuses if one already runs on this folder. */
export async function startStack(opts: UpOptions): Promise<LocalStack> {
  const layout = localLayout(opts.dir);
  const other = await runningStack(layout);
  if (other) throw new Error(`a local stack is already running on ${layout.root} (pid ${other.pid}, ${other.url})`);
  const out = opts.out ?? process.stdout;
  const log: StackLog = opts.verbose
    ? (event, fields) => out.write(`${new Date().toISOString()} ${event} ${fields ? JSON.stringify(fields) : ''}\n`)
    : () => undefined;
  const stack = new LocalStack({
    root: opts.dir,
    port: opts.port,
    log,
    reconcileIntervalMs: opts.reconcileIntervalMs,
    names: localConfig(),
  });
  try {
    await stack.start();
  } catch (err) {
    await stack.stop().catch(() => undefined);
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
  out.write(
    [
      'vertex-retrain local stack is up (everything on 127.0.0.1).',
      `  drop a CSV into:  ${stack.dropFolder}/`,
      `  endpoint:         POST ${stack.predictUrl}`,
      `  logs:             ${stack.layout.logs}/`,
      '  runs:             npx vertex-retrain runs',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.write('stopping…\n');
  await stopStack(stack);
}
