// Crashes at a stage boundary on the local stack: the stack runs in its own process (test/e2e/support/stack-process.ts)
// with the test-only pause hook set (RETRAIN_LOCAL_PAUSE_AT, functions/src/local/pause-hook.ts); once the twin of
// that stage is holding at the boundary, the stack process is SIGKILLed, its children must all die (the parent
// watchdog), and a new stack on the same folder must finish the run exactly once.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RunReader } from '../../../functions/src/cli/runs';
import type { RunRecord } from '../../../functions/src/pipeline/run-record';
import { isTerminal } from '../../../functions/src/pipeline/run-state';
import { pidAlive } from '../../../functions/src/local/child-process';
import type { LocalBuild } from '../../../functions/src/local/build-twin';
import type { LocalEndpoint } from '../../../functions/src/local/endpoint-twin';
import { listJson, readJson } from '../../../functions/src/local/json-objects';
import { localLayout } from '../../../functions/src/local/layout';
import type { LocalModel } from '../../../functions/src/local/model-registry-twin';
import { LocalObjectStore } from '../../../functions/src/local/object-store';
import { PAUSE_AT_ENV, pauseFiles, type PauseStage } from '../../../functions/src/local/pause-hook';
import type { LocalTrainingJob } from '../../../functions/src/local/training-twin';

const REPO = join(__dirname, '../../..');

export interface StackProcess {
  child: ChildProcess;
  url: string;
  predictUrl: string;
  dropFolder: string;
}

/** Starts the stack in its own process on `root`; resolves when it printed its ready line. */
export async function startStackProcess(root: string, env: NodeJS.ProcessEnv = {}): Promise<StackProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/e2e/support/stack-process.ts'), root], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as Omit<StackProcess, 'child'>) };
}

/** Stops a stack process (SIGTERM, SIGKILL if it has not exited after `graceMs`) and waits for it to exit. */
export async function stopStackProcess(stack: StackProcess, graceMs = 10_000): Promise<void> {
  if (stack.child.exitCode !== null || stack.child.signalCode !== null) return;
  const exited = new Promise((r) => stack.child.once('exit', r));
  stack.child.kill('SIGTERM');
  const timer = setTimeout(() => stack.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Every descendant pid of `pid`, from /proc. */
export function descendants(pid: number): number[] {
  const kids: number[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(p), ...descendants(Number(p)));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

/** SIGKILLs the stack process; returns the children still alive `graceMs` later (the watchdog should leave none). */
export async function killStack(
  stack: StackProcess,
  graceMs = 5_000,
): Promise<{ children: number; orphans: number[] }> {
  const children = descendants(stack.child.pid as number);
  const exited = new Promise((r) => stack.child.once('exit', r));
  stack.child.kill('SIGKILL');
  await exited;
  const deadline = Date.now() + graceMs;
  let alive = children.filter(pidAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter(pidAlive);
  }
  return { children: children.length, orphans: alive };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The side effects of one run, counted in the twins' state. */
export interface RunEffects {
  builds: number;
  trainings: number;
  versions: number;
  deployed: number;
}

export async function effectsOf(store: LocalObjectStore, runId: string): Promise<RunEffects> {
  const builds = await listJson<LocalBuild>(store, 'local-cloud', 'builds/');
  const jobs = await listJson<LocalTrainingJob>(store, 'local-cloud', 'trainings/');
  const model = await readJson<LocalModel>(store, 'local-cloud', 'models/local-model.json');
  const endpoint = await readJson<LocalEndpoint>(store, 'local-cloud', 'endpoints/local-endpoint.json');
  return {
    builds: builds.filter((b) => b.tags.includes(`run-${runId}`)).length,
    trainings: jobs.filter((j) => j.runId === runId).length,
    versions: model?.versions.filter((v) => v.runId === runId).length ?? 0,
    deployed: endpoint?.deployedModels.filter((m) => m.displayName?.includes(runId)).length ?? 0,
  };
}

/** What the run looks like when the twin of each stage is paused at its boundary. */
const AT_BOUNDARY: Record<PauseStage, (r: RunRecord) => boolean> = {
  build: (r) => r.state === 'BUILDING' && Boolean(r.build?.id),
  training: (r) => r.state === 'TRAINING' && Boolean(r.training?.name),
  deploy: (r) => r.state === 'DEPLOYING' && Boolean(r.deploy?.operationName),
};

export interface CrashOutcome {
  stage: PauseStage;
  runId: string;
  /** The run's state when the stack was killed, and at the end. */
  stateAtKill: string;
  final: RunRecord;
  effects: RunEffects;
  children: number;
  orphans: number[];
  /** HTTP status of a prediction after recovery. */
  predictStatus: number;
}

/** One run: drop a dataset, kill the stack at `stage`, start it again, wait for the run to end. */
export async function crashAtBoundary(stage: PauseStage, datasetFile: string): Promise<CrashOutcome> {
  const root = await mkdtemp(join(tmpdir(), `crash-${stage}-`));
  const store = new LocalObjectStore(localLayout(root));
  const runs = new RunReader(store, 'artifacts');
  const env = { [PAUSE_AT_ENV]: stage };
  const files = pauseFiles(root, stage);
  let stack = await startStackProcess(root, env);
  try {
    await copyFile(datasetFile, join(stack.dropFolder, `crash-${stage}.csv`));
    const info = await until('the dropped file', () => store.stat('data', `datasets/crash-${stage}.csv`));
    const atKill = await until(`the ${stage} boundary`, async () => {
      const r = await runs.forDataset('data', `datasets/crash-${stage}.csv`, info.generation);
      if (r && isTerminal(r.state)) throw new Error(`run ended ${r.state} before the ${stage} boundary`);
      return r && existsSync(files.paused) && AT_BOUNDARY[stage](r) ? r : undefined;
    });
    const { children, orphans } = await killStack(stack);
    await writeFile(files.release, '');
    stack = await startStackProcess(root, env);
    const final = await until('the run to finish after the restart', async () => {
      const r = await runs.get(atKill.runId);
      return r && isTerminal(r.state) ? r : undefined;
    });
    const predict = await fetch(stack.predictUrl, {
      method: 'POST',
      body: JSON.stringify({ instances: [{ Pclass: 1, Sex: 'female', Age: 29 }] }),
    });
    await predict.arrayBuffer();
    return {
      stage,
      runId: atKill.runId,
      stateAtKill: atKill.state,
      final,
      effects: await effectsOf(store, atKill.runId),
      children,
      orphans,
      predictStatus: predict.status,
    };
  } finally {
    await writeFile(files.release, '');
    await stopStackProcess(stack);
    await rm(root, { recursive: true, force: true });
  }
}
