// The router's files: queued deliveries (`queue/<trigger>/<id>.json`) and dead letters
// (`dead-letters/<trigger>/<id>.json`), written atomically so a crash never leaves half a message.
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write';
import type { DeadLetter, Delivery } from './event-router';
import type { LocalLayout } from './layout';

/** Reads every dead letter, oldest first. */
export async function listDeadLetters(layout: LocalLayout): Promise<(DeadLetter & { file: string })[]> {
  const letters: (DeadLetter & { file: string })[] = [];
  for (const trigger of await readdir(layout.deadLetters).catch(() => [] as string[])) {
    for (const file of await readdir(join(layout.deadLetters, trigger)).catch(() => [] as string[])) {
      const path = join(layout.deadLetters, trigger, file);
      const letter = await readJsonFile<DeadLetter>(path);
      if (letter) letters.push({ ...letter, file: path });
    }
  }
  return letters.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt));
}

/**
 * Moves dead letters back into the queue with a fresh attempt budget; a running router picks them up within
 * its scan interval, a stopped stack on its next start. Returns how many were replayed.
 */
export async function replayDeadLetters(layout: LocalLayout): Promise<number> {
  let count = 0;
  for (const letter of await listDeadLetters(layout)) {
    const { file, deadLetteredAt: _at, ...delivery } = letter;
    const retry: Delivery = { ...delivery, attempts: 0, notBefore: Date.now() };
    const dir = join(layout.queue, retry.trigger);
    await mkdir(dir, { recursive: true });
    await atomicWriteJson(layout, join(dir, `${retry.id}.json`), retry);
    await unlink(file);
    count++;
  }
  return count;
}

/** Writes JSON atomically (atomic-write.ts): readers see the old file or the new one. */
export async function atomicWriteJson(layout: LocalLayout, path: string, value: unknown): Promise<void> {
  await writeFileAtomic(layout, path, JSON.stringify(value, null, 2));
}

/** A JSON file's content, or undefined if absent or unreadable. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
