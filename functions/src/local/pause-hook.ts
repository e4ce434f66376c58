// A test-only hook that holds one twin at a stage boundary, so a crash test can SIGKILL the stack at exactly that
// point. With RETRAIN_LOCAL_PAUSE_AT unset (always, outside tests) it does nothing. Set to `build`, `training` or
// `deploy`, the twin of that stage writes `<root>/paused-<stage>` when it gets there and waits until a file
// `<root>/release-<stage>` exists:
//   build    — the build is WORKING (announced on cloud-builds), before the image is built;
//   training — the trainer exited 0 and the model version is uploaded, before the job is marked SUCCEEDED;
//   deploy   — the replica is up, before the deployed model is added to the endpoint and the operation is done.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalLayout } from './layout';

export const PAUSE_AT_ENV = 'RETRAIN_LOCAL_PAUSE_AT';
export const PAUSE_STAGES = ['build', 'training', 'deploy'] as const;
export type PauseStage = (typeof PAUSE_STAGES)[number];

/** Waits at `stage` if the hook is set for it; resolves at once otherwise. */
export type PauseHook = (stage: PauseStage) => Promise<void>;

/** The marker a paused twin writes, and the file that releases it. */
export function pauseFiles(root: string, stage: PauseStage): { paused: string; release: string } {
  return { paused: join(root, `paused-${stage}`), release: join(root, `release-${stage}`) };
}

/** The hook for this environment: inert unless RETRAIN_LOCAL_PAUSE_AT names a stage (an unknown value throws). */
export function pauseHook(layout: LocalLayout, env: NodeJS.ProcessEnv = process.env, pollMs = 25): PauseHook {
  const at = env[PAUSE_AT_ENV];
  if (!at) return () => Promise.resolve();
  if (!(PAUSE_STAGES as readonly string[]).includes(at)) {
    throw new Error(`${PAUSE_AT_ENV} must be one of ${PAUSE_STAGES.join(', ')}, got ${JSON.stringify(at)}`);
  }
  return async (stage) => {
    if (stage !== at) return;
    const { paused, release } = pauseFiles(layout.root, stage);
    if (existsSync(release)) return;
    await writeFile(paused, new Date().toISOString());
    while (!existsSync(release)) await sleep(pollMs);
  };
}
