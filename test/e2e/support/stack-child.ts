// Starts test/e2e/support/stack-process.ts in a process of its own and waits for its ready line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RunReader } from '../../../functions/src/cli/runs';
import { localLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';

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

/** A suite's stack: its folder, the child, and the store and runs read from that folder. */
export interface OpenStack {
  root: string;
  stack: StackChild;
  store: LocalObjectStore;
  runs: RunReader;
}

/** Starts a stack child in a new temporary folder named by `prefix` (a suite's `before`). */
export async function openStackChild(prefix: string, opts: StackChildOptions = {}): Promise<OpenStack> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const store = new LocalObjectStore(localLayout(root));
  return { root, store, runs: new RunReader(store, 'artifacts'), stack: await startStackChild(root, opts) };
}

/** Stops the child, gives it `graceMs` to let its own children go, and removes the folder (a suite's `after`). */
export async function closeStackChild(stack: StackChild | undefined, root: string, graceMs = 500): Promise<void> {
  stack?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, graceMs));
  await rm(root, { recursive: true, force: true });
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
