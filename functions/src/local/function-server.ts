// One Cloud Run function, locally: a functions-framework server in a child process on 127.0.0.1, started the way
// Cloud Run starts it (`--target`, `--signature-type=cloudevent`, `--source`). Each loads only its own function.
// A server that crashes is started again after a short pause, as Cloud Run starts a new instance.
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIND_HOST_ENV, freePort, spawnNode, stopChild, waitForPort } from './child-process';
import type { LocalLayout } from './layout';

/** functions-framework's CLI script (the package exports only its index, which sits beside it). */
export function frameworkMain(): string {
  return join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
}

export interface FunctionServerOptions {
  /** The exported function name (`--target`). */
  target: string;
  /** The module that registers it (`--source`). */
  source: string;
  /** functions-framework's CLI script. */
  frameworkMain: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Node options before the script, e.g. `['--import', 'tsx']` to run TypeScript sources in tests. */
  execArgv?: string[];
  /** Milliseconds to wait before restarting a crashed server. */
  restartDelayMs?: number;
  onExit?: (target: string, code: number | null, signal: string | null) => void;
}

export class FunctionServer {
  private child: ChildProcess | undefined;
  private port: number | undefined;
  private stopping = false;
  /** How many times the server was started (1 + restarts after crashes). */
  starts = 0;

  constructor(
    private readonly layout: LocalLayout,
    readonly opts: FunctionServerOptions,
  ) {}

  /** The URL to POST CloudEvents to; undefined while not listening. */
  get url(): string | undefined {
    return this.child && this.port !== undefined ? `http://127.0.0.1:${this.port}/` : undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and resolves once it accepts HTTP requests. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.stopping = false;
    const port = await freePort();
    const child = await spawnNode(this.layout, {
      args: [
        ...(this.opts.execArgv ?? []),
        this.opts.frameworkMain,
        `--target=${this.opts.target}`,
        '--signature-type=cloudevent',
        `--port=${port}`,
        `--source=${this.opts.source}`,
      ],
      cwd: this.opts.cwd,
      env: { ...this.opts.env, [BIND_HOST_ENV]: '127.0.0.1', PORT: String(port) },
      logFile: join(this.layout.logs, 'functions', `${this.opts.target}.log`),
    });
    this.starts++;
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.opts.onExit?.(this.opts.target, code, signal);
      if (!this.stopping) void this.restartLater();
    });
    this.child = child;
    this.port = port;
    // The framework listens once the function is loaded, so an accepted connection means ready. No request is sent:
    // a bodiless GET makes functions-framework log a TypeError stack trace ("Cannot use 'in' operator…").
    await waitForPort(port, child, timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = undefined;
    if (child) await stopChild(child);
  }

  private async restartLater(): Promise<void> {
    await sleep(this.opts.restartDelayMs ?? 200);
    if (this.stopping || this.child) return;
    await this.start().catch(() => undefined);
  }
}
