// Spawns a server as its own process, times start → first 200 on the health route, samples its RSS, stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { freePort } from '../../functions/src/local/child-process';

export interface ServerSpec {
  /** Arguments after the node binary (flags, script, script arguments). */
  args: string[];
  env: NodeJS.ProcessEnv;
  healthPath: string;
}

export interface RunningServer {
  child: ChildProcess;
  port: number;
  /** From just before spawn to the first 200 on the health route. */
  startToHealthyMs: number;
  stop(): Promise<void>;
}

const status = (url: string) =>
  new Promise<number>((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });

/** Starts the server on a free port and waits (polling every 2 ms) until its health route answers 200. */
export async function startServer(spec: ServerSpec, timeoutMs = 10_000): Promise<RunningServer> {
  const port = await freePort();
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, spec.args, {
    env: { ...spec.env, AIP_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}${spec.healthPath}`;
  for (;;) {
    if ((await status(url)) === 200) break;
    if (exited !== undefined || performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`server ${spec.args.join(' ')} never became healthy (exit ${exited}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const startToHealthyMs = performance.now() - started;
  return {
    child,
    port,
    startToHealthyMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== undefined) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}
