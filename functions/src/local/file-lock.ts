// A mutual-exclusion lock shared by every process of the local stack: an exclusive-create lock file
// (O_CREAT|O_EXCL is atomic on local file systems). In one process, callers queue on a promise chain first,
// so they do not spin on the file. A lock left by a process that died is broken once its pid is gone.
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock could not be taken in time (another process holds it). */
export class LockTimeoutError extends Error {
  constructor(readonly path: string) {
    super(`timed out waiting for lock ${path}`);
    this.name = 'LockTimeoutError';
  }
}

/** Critical sections last milliseconds; a lock this old is a leftover. */
const STALE_AFTER_MS = 30_000;

const queues = new Map<string, Promise<unknown>>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock is stale when its recorded holder is dead, is this very process (the in-process queue makes that a
 * leftover, e.g. from a crashed process whose pid was reused), or when it is older than any critical section.
 * An empty file is a holder between create and write, so it is stale only by age.
 */
async function isStale(path: string): Promise<boolean> {
  const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => ''), stat(path).catch(() => undefined)]);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > STALE_AFTER_MS) return true;
  const holder = Number.parseInt(text, 10);
  return Number.isInteger(holder) && holder > 0 && (holder === process.pid || !isAlive(holder));
}

async function acquire(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(dirname(path), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path);
    await sleep(Math.min(1 + attempt, 20) * (0.5 + Math.random()));
  }
}

/** Runs `fn` while holding the lock file at `path`; releases it whatever happens. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(async () => {
    await acquire(path, timeoutMs);
    try {
      return await fn();
    } finally {
      await unlink(path).catch(() => undefined);
    }
  });
  const settled = run.catch(() => undefined);
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return run;
}
