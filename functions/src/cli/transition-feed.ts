// Feeds `vertex-retrain up`'s transition lines: watches the ledger's folder of a local stack (the run records,
// `<stack>/buckets/<ARTIFACTS_BUCKET>/runs/<runId>.json`, each replaced whole by a rename) and prints
// transitionLines(before, after) for every record that changed. Records already there at start print nothing.
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import { RUNS_PREFIX, RunLedger } from '../ledger/run-ledger';
import type { LocalLayout } from '../local/layout';
import { LocalObjectStore } from '../local/object-store';
import type { RunRecord } from '../pipeline/run-record';
import { transitionLines, type TransitionContext } from './transitions';

const RECORD = /^([a-z0-9-]+)\.json$/;

export class TransitionFeed {
  private readonly seen = new Map<string, RunRecord>();
  private readonly ledger: RunLedger;
  private watcher: FSWatcher | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly folder: string;

  constructor(
    layout: LocalLayout,
    artifactsBucket: string,
    private readonly ctx: TransitionContext,
    private readonly print: (line: string) => void,
  ) {
    this.folder = join(layout.buckets, artifactsBucket, ...RUNS_PREFIX.split('/').filter(Boolean));
    this.ledger = new RunLedger(new LocalObjectStore(layout), artifactsBucket);
  }

  async start(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    for (const name of await readdir(this.folder).catch(() => [])) {
      const run = await this.read(join(this.folder, name));
      if (run) this.seen.set(run.runId, run);
    }
    const watcher = watch(this.folder, { ignoreInitial: true, depth: 0 });
    const changed = (path: string) => {
      this.queue = this.queue.then(() => this.update(path));
    };
    watcher.on('add', changed).on('change', changed);
    this.watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    await this.queue;
  }

  private async update(path: string): Promise<void> {
    const after = await this.read(path);
    if (!after) return;
    const before = this.seen.get(after.runId);
    if (before && before.updatedAt >= after.updatedAt) return;
    this.seen.set(after.runId, after);
    const time = new Date().toTimeString().slice(0, 8);
    for (const line of transitionLines(before, after, this.ctx)) this.print(`${time} ${line}`);
  }

  private async read(path: string): Promise<RunRecord | undefined> {
    const runId = RECORD.exec(basename(path))?.[1];
    if (!runId) return undefined;
    try {
      return await this.ledger.get(runId);
    } catch {
      return undefined; // not a whole record (it is always renamed into place, so this is some other file)
    }
  }
}
