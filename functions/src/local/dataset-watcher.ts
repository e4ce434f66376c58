// Eventarc's storage trigger for the local data bucket: polls the bucket folder under the dataset prefix and, once
// a file has stopped changing (same size and mtime for `stableMs`, i.e. fully written), emits
// `google.cloud.storage.object.v1.finalized` for its generation. Copying a file again makes a new generation and a
// new event. What was emitted is remembered on disk, so a restart emits only what changed while the stack was down.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../ports';
import { checkObjectName } from './layout';
import type { LocalLayout } from './layout';
import { walk } from './object-store';

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

interface Emitted {
  /** Object name → the generation last emitted and the file signature it had. */
  [name: string]: { generation: string; signature: string };
}

export interface WatcherOptions {
  bucket: string;
  /** A folder prefix such as `datasets/`. */
  prefix: string;
  intervalMs?: number;
  stableMs?: number;
  onFinalized: (info: ObjectInfo) => Promise<void>;
  onError?: (name: string, err: Error) => void;
}

export class DatasetWatcher {
  private readonly seen = new Map<string, Seen>();
  private emitted: Emitted = {};
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private readonly stateFile: string;

  constructor(
    private readonly layout: LocalLayout,
    private readonly store: ObjectStore,
    private readonly opts: WatcherOptions,
  ) {
    this.stateFile = join(layout.root, 'watcher', `${opts.bucket}.json`);
  }

  /** The folder files are dropped into. */
  get folder(): string {
    return join(this.layout.buckets, this.opts.bucket, ...this.opts.prefix.split('/').filter(Boolean));
  }

  async start(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    this.emitted = JSON.parse(await readFile(this.stateFile, 'utf8').catch(() => '{}')) as Emitted;
    const tick = () => {
      this.scanning = this.scan()
        .catch((err: unknown) => this.opts.onError?.('(scan)', err as Error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.opts.intervalMs ?? 150);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning;
  }

  /** One pass: emit every file that is stable and not yet emitted in its current form. */
  async scan(now: number = Date.now()): Promise<void> {
    const stableMs = this.opts.stableMs ?? 250;
    const present = new Set<string>();
    for (const file of await walk(this.folder)) {
      const name = `${this.opts.prefix}${relative(this.folder, file).split(sep).join('/')}`;
      if (name.split('/').some((segment) => segment.startsWith('.'))) continue; // editors' and rsync's temp files
      present.add(name);
      const info = await stat(file).catch(() => undefined);
      if (!info) continue;
      const previous = this.seen.get(name);
      if (!previous || previous.size !== info.size || previous.mtimeMs !== info.mtimeMs) {
        this.seen.set(name, { size: info.size, mtimeMs: info.mtimeMs, since: now });
        continue;
      }
      const signature = `${info.size}:${info.mtimeMs}`;
      if (now - previous.since < stableMs || this.emitted[name]?.signature === signature) continue;
      try {
        checkObjectName(name);
        const object = await this.store.stat(this.opts.bucket, name);
        if (!object) continue;
        if (this.emitted[name]?.generation !== object.generation) await this.opts.onFinalized(object);
        this.emitted[name] = { generation: object.generation, signature };
        await this.save();
      } catch (err) {
        this.opts.onError?.(name, err as Error);
      }
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
  }

  private async save(): Promise<void> {
    await mkdir(join(this.layout.root, 'watcher'), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.emitted, null, 2));
    await rename(tmp, this.stateFile);
  }
}
