// `<root>/stack.json`: where a running local stack can be reached, so `predict` and friends find it, and so a
// second `up` on the same folder is refused rather than racing the first.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from '../local/child-process';
import type { LocalLayout } from '../local/layout';

export interface StackInfo {
  pid: number;
  url: string;
  predictUrl: string;
  dropFolder: string;
  startedAt: string;
}

/** The file's name in the stack folder. */
export const STACK_FILE = 'stack.json';
const file = (layout: LocalLayout) => join(layout.root, STACK_FILE);

/** The running stack of this folder, or undefined (a file left by a dead process does not count). */
export async function runningStack(layout: LocalLayout): Promise<StackInfo | undefined> {
  const text = await readFile(file(layout), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const info = JSON.parse(text) as StackInfo;
  return pidAlive(info.pid) ? info : undefined;
}

export async function writeStackInfo(layout: LocalLayout, info: StackInfo): Promise<void> {
  await writeFile(file(layout), JSON.stringify(info, null, 2));
}

export async function removeStackInfo(layout: LocalLayout): Promise<void> {
  await rm(file(layout), { force: true });
}
