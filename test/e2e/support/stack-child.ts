// Starts test/e2e/support/stack-process.ts in a process of its own and waits for its ready line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const REPO = join(__dirname, '../../..');

export interface StackChild {
  child: ChildProcess;
  url: string;
  predictUrl: string;
  dropFolder: string;
  /** Where files to score are dropped (score/ of the data bucket). */
  scoringFolder: string;
}

export interface StackChildOptions {
  /** The drop folder's settle window in ms, or `default` (stack-process.ts's default: 300). */
  dropStableMs?: number | 'default';
  /** The trainer folder (default: the repository trainer/ folder). */
  trainerDir?: string;
}

export async function startStackChild(root: string, opts: StackChildOptions = {}): Promise<StackChild> {
  const args = [join(__dirname, 'stack-process.ts'), root, String(opts.dropStableMs ?? 300)];
  if (opts.trainerDir) args.push(opts.trainerDir);
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as Omit<StackChild, 'child'>) };
}

/** Polls `fn` until it returns a value. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
