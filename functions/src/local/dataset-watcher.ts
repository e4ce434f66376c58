// Eventarc's storage trigger for the local data bucket: watches the bucket folder under the dataset prefix (chokidar)
// and emits `google.cloud.storage.object.v1.finalized` for a file's generation once the file is complete:
// - a file copied into the folder is complete when its size and mtime have not changed for `stableMs` (default 5 s,
//   chokidar's awaitWriteFinish) AND its last line is complete (it ends with a newline). A file that is stable but
//   ends mid-line waits for the rest; if nothing more arrives for `unterminatedMs` (default 30 s) it is taken as it is.
// - an object written through the store (LocalObjectStore.write: temp file renamed into place, as a GCS upload is
//   finalized at once) is complete as soon as it appears.
// Write-then-rename is honoured: names with a segment starting with `.` (editors', rsync's and `mv`-based writers'
// temp files) are ignored, and the renamed file counts from the rename. Copying a file again makes a new generation
// and a new event. What was emitted is remembered on disk, so a restart emits only what changed while it was down.
import { open, mkdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { ObjectInfo } from '../ports';
import { writeFileAtomic } from './atomic-write';
import { checkObjectName } from './layout';
import type { LocalLayout } from './layout';
import type { LocalObjectStore } from './object-store';

/** How long a copied file's size and mtime must stay unchanged before it counts as written. */
export const DEFAULT_STABLE_MS = 5000;
/** How long a stable file whose last line has no newline is given to finish that line. */
export const DEFAULT_UNTERMINATED_MS = 30_000;

interface Emitted {
  /** Object name → the generation last emitted and the file signature it had. */
  [name: string]: { generation: string; signature: string };
}

export interface WatcherOptions {
  bucket: string;
  /** A folder prefix such as `datasets/`. */
  prefix: string;
  /** The name of the file remembering what was emitted (default: the bucket's): one per watched folder. */
  stateName?: string;
  stableMs?: number;
  unterminatedMs?: number;
  /** How often chokidar checks a file's size while it waits for it to settle. */
  pollMs?: number;
  onFinalized: (info: ObjectInfo) => Promise<void>;
  onError?: (name: string, err: Error) => void;
  /** A file that is stable but not (yet) complete: what it waits for. */
  onWaiting?: (name: string, why: string) => void;
}

type Store = Pick<LocalObjectStore, 'stat' | 'isFinalized'>;

/** True when the file is empty or its last byte is a newline. */
async function endsWithNewline(file: string, size: number): Promise<boolean> {
  if (size === 0) return false;
  const handle = await open(file, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

export class DatasetWatcher {
  private emitted: Emitted = {};
  private watchers: FSWatcher[] = [];
  /** One emission at a time, in arrival order (the emitted state is written after each). */
  private queue: Promise<void> = Promise.resolve();
  private readonly unterminated = new Map<string, NodeJS.Timeout>();
  private readonly stateFile: string;

  constructor(
    private readonly layout: LocalLayout,
    private readonly store: Store,
    private readonly opts: WatcherOptions,
  ) {
    this.stateFile = join(layout.root, 'watcher', `${opts.stateName ?? opts.bucket}.json`);
  }

  /** The folder files are dropped into. */
  get folder(): string {
    return join(this.layout.buckets, this.opts.bucket, ...this.opts.prefix.split('/').filter(Boolean));
  }

  /** Resolves once the folder is watched (files already there are considered too). */
  async start(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    this.emitted = JSON.parse(await readFile(this.stateFile, 'utf8').catch(() => '{}')) as Emitted;
    const ignored = (path: string) =>
      relative(this.folder, path)
        .split(sep)
        .some((segment) => segment.startsWith('.'));
    const stableMs = this.opts.stableMs ?? DEFAULT_STABLE_MS;
    const settled = watch(this.folder, {
      ignored,
      awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: this.opts.pollMs ?? Math.min(100, stableMs) },
    });
    const instant = watch(this.folder, { ignored });
    for (const event of ['add', 'change'] as const) {
      settled.on(event, (path: string) => this.enqueue(path, 'settled'));
      instant.on(event, (path: string) => this.enqueue(path, 'uploaded'));
    }
    for (const w of [settled, instant]) w.on('error', (err: unknown) => this.opts.onError?.('(watch)', err as Error));
    this.watchers = [settled, instant];
    await Promise.all(this.watchers.map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))));
  }

  async stop(): Promise<void> {
    for (const timer of this.unterminated.values()) clearTimeout(timer);
    this.unterminated.clear();
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
    await this.queue;
  }

  private enqueue(path: string, how: 'settled' | 'uploaded' | 'unterminated'): void {
    this.queue = this.queue.then(() => this.consider(path, how));
  }

  private async consider(path: string, how: 'settled' | 'uploaded' | 'unterminated'): Promise<void> {
    const name = `${this.opts.prefix}${relative(this.folder, path).split(sep).join('/')}`;
    try {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return;
      const signature = `${info.size}:${info.mtimeMs}`;
      if (this.emitted[name]?.signature === signature) return;
      if (how === 'uploaded' && !(await this.store.isFinalized(this.opts.bucket, name))) return; // a copy: settles
      if (how === 'settled' && !(await endsWithNewline(path, info.size))) {
        this.waitForLastLine(path, name, signature);
        return;
      }
      checkObjectName(name);
      const object = await this.store.stat(this.opts.bucket, name);
      if (!object) return;
      if (this.emitted[name]?.generation !== object.generation) await this.opts.onFinalized(object);
      this.emitted[name] = { generation: object.generation, signature };
      await this.save();
    } catch (err) {
      this.opts.onError?.(name, err as Error);
    }
  }

  /** A stable file ending mid-line: taken as it is if it has not changed after `unterminatedMs`. */
  private waitForLastLine(path: string, name: string, signature: string): void {
    const key = `${name}@${signature}`;
    if (this.unterminated.has(key)) return;
    const ms = this.opts.unterminatedMs ?? DEFAULT_UNTERMINATED_MS;
    this.opts.onWaiting?.(name, `its last line has no newline yet; taken as it is if unchanged for ${ms / 1000} s`);
    const timer = setTimeout(() => {
      this.unterminated.delete(key);
      void stat(path)
        .then((now) => {
          if (`${now.size}:${now.mtimeMs}` === signature) this.enqueue(path, 'unterminated');
        })
        .catch(() => undefined);
    }, ms);
    timer.unref();
    this.unterminated.set(key, timer);
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.layout, this.stateFile, JSON.stringify(this.emitted, null, 2));
  }
}
