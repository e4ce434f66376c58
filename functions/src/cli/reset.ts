// `vertex-retrain reset`: empties a local stack folder (runs, buckets, images, logs, queues) so the next `up` or
// `demo --dir` starts from nothing. Refuses while a stack runs on it, and refuses a folder holding anything a stack
// does not write there (so `--dir ~` cannot wipe a home folder).
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LocalLayout } from '../local/layout';
import { runningStack, STACK_FILE } from './stack-file';

/** The top-level entries a stack writes in its folder (layout.ts, plus the watcher, watchdog and pause files). */
export function stackEntries(layout: LocalLayout): Set<string> {
  const { root, ...folders } = layout;
  void root;
  return new Set([...Object.values(folders).map((p) => basename(p)), 'watcher', 'watchdog.cjs', STACK_FILE]);
}

const isStackEntry = (known: Set<string>, name: string) =>
  known.has(name) || /^(paused|release)-[a-z-]+$/.test(name) || /^watcher\b/.test(name);

/** Removes what a stack wrote under the folder; returns the entries removed (none if the folder does not exist). */
export async function resetStack(layout: LocalLayout): Promise<string[]> {
  const running = await runningStack(layout);
  if (running) throw new Error(`a local stack is running on ${layout.root} (pid ${running.pid}): stop it first`);
  const entries = await readdir(layout.root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const known = stackEntries(layout);
  const foreign = entries.filter((name) => !isStackEntry(known, name));
  if (foreign.length > 0) {
    throw new Error(
      `${layout.root} does not look like a local stack folder (it holds ${foreign.slice(0, 5).join(', ')}); nothing removed`,
    );
  }
  await Promise.all(entries.map((name) => rm(join(layout.root, name), { recursive: true, force: true })));
  return entries;
}
