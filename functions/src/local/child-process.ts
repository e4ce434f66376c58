// Child processes of the local stack (function servers, training jobs, prediction servers). Each gets a small
// preloaded watchdog that exits when its parent's IPC channel closes, so even a SIGKILLed stack leaves no orphan
// holding a port or training behind its back. A program that is not Node (a Python trainer) runs under a small Node
// supervisor with that watchdog, which kills it when the stack goes away; supervisor and program form their own
// process group, which killProcess signals as a whole. Output goes to a log file.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalLayout } from './layout';

/** Set in a child's environment to make servers that listen on a bare port (functions-framework) bind there. */
export const BIND_HOST_ENV = 'VERTEX_RETRAIN_BIND_HOST';

// Plain JS written to disk at run time, so it works from the compiled CLI and from tests run through tsx alike.
const WATCHDOG = `// vertex-retrain local stack: exit when the parent process goes away.
if (process.send) {
  process.on('disconnect', () => process.exit(137));
  if (process.channel) process.channel.unref();
}
// functions-framework has no host option and listens on every interface: pin bare-port listens to one address.
const host = process.env.${BIND_HOST_ENV};
if (host) {
  const net = require('node:net');
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    const bare = typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]));
    if (bare && typeof args[1] !== 'string') args.splice(1, 0, host);
    return listen.apply(this, args);
  };
}
`;

// The supervisor of a non-Node program: runs argv[2..] with the same stdio, passes SIGTERM/SIGINT on, ends as the
// program ends (same exit code or signal), and kills it when the stack's IPC channel closes.
const SUPERVISOR = `// vertex-retrain local stack: run a program; kill it when the parent process goes away.
const { spawn } = require('node:child_process');
const [program, ...args] = process.argv.slice(2);
const child = spawn(program, args, { stdio: 'inherit' });
const pass = (signal) => () => child.kill(signal);
process.on('SIGTERM', pass('SIGTERM'));
process.on('SIGINT', pass('SIGINT'));
if (process.send) {
  process.on('disconnect', () => {
    child.kill('SIGKILL');
    process.exit(137);
  });
  if (process.channel) process.channel.unref();
}
child.on('error', (err) => {
  console.error(\`cannot run \${program}: \${err.message}\`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
`;

/** Writes a helper script under the stack folder; renamed into place, so a process starting now never reads half. */
async function scriptPath(layout: LocalLayout, name: string, text: string): Promise<string> {
  const path = join(layout.root, name);
  await mkdir(dirname(path), { recursive: true });
  const staging = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(staging, text);
  await rename(staging, path);
  return path;
}

const watchdogPath = (layout: LocalLayout) => scriptPath(layout, 'watchdog.cjs', WATCHDOG);

export interface SpawnNodeOptions {
  /** Arguments after `node`: a script and its arguments. */
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Appended to; created if absent. */
  logFile: string;
}

/** Runs `node <args>` with the current Node binary and the parent watchdog, stdout and stderr to `logFile`. */
export async function spawnNode(layout: LocalLayout, opts: SpawnNodeOptions): Promise<ChildProcess> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = await open(opts.logFile, 'a');
  try {
    const child = spawn(process.execPath, ['--require', await watchdogPath(layout), ...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', log.fd, log.fd, 'ipc'],
    });
    // The child is not a reason to keep this process alive; the stack tracks it explicitly.
    child.channel?.unref();
    child.unref();
    return child;
  } finally {
    await log.close();
  }
}

export interface SpawnCommandOptions extends Omit<SpawnNodeOptions, 'args'> {
  /** A host command line: `node <script> …` (run on this Node), or an executable and its arguments. */
  command: readonly string[];
}

/**
 * Runs a host command: `node …` through spawnNode; any other program under the supervisor, in a process group of
 * its own (stop it with killProcess / stopChild, which signal the group).
 */
export async function spawnCommand(layout: LocalLayout, opts: SpawnCommandOptions): Promise<ChildProcess> {
  const [program, ...args] = opts.command;
  if (!program) throw new Error('empty command');
  if (program === 'node' || program === process.execPath) return spawnNode(layout, { ...opts, args });
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = await open(opts.logFile, 'a');
  try {
    const supervisor = await scriptPath(layout, 'supervisor.cjs', SUPERVISOR);
    // Not preloaded with the watchdog: its own disconnect handler must kill the program before exiting.
    const child = spawn(process.execPath, [supervisor, program, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', log.fd, log.fd, 'ipc'],
      detached: true,
    });
    child.channel?.unref();
    child.unref();
    return child;
  } finally {
    await log.close();
  }
}

/**
 * Signals a stack child and what it started: the process group when the pid leads one (a supervised program), else
 * the process. No error if it is gone.
 */
export function killProcess(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
    return;
  } catch {
    // Not a group leader (a Node child, run in the stack's group): the process alone.
  }
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Waits until `port` on 127.0.0.1 accepts a TCP connection (the server is listening), without sending a request: for
 * servers where every request means something (functions-framework answers a bare GET with a stack trace in its log).
 * Fails early if the process exits, or after `timeoutMs`.
 */
export async function waitForPort(port: number, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} (${last})`);
    if (child && child.signalCode !== null) throw new Error(`process killed by ${child.signalCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', (err) => {
        last = err.message;
        resolve(false);
      });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not listening after ${timeoutMs} ms (${last})`);
    await sleep(25);
  }
}

/**
 * Polls `url` until it answers (any status when `accept` is omitted, else a status `accept` likes). Fails early if
 * the process exits, or after `timeoutMs`.
 */
export async function waitForHttp(
  url: string,
  child: ChildProcess | undefined,
  timeoutMs: number,
  accept: (status: number) => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} (${last})`);
    if (child && child.signalCode !== null) throw new Error(`process killed by ${child.signalCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
    await sleep(25);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killProcess(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killProcess(child.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Whether a process with this pid exists (it may belong to someone else after pid reuse). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
