// The run ledger: one JSON record per run at gs://<ARTIFACTS_BUCKET>/runs/<runId>.json. Created create-only
// (ifGenerationMatch '0'), changed only by compare-and-swap through the state machine, so of N concurrent deliveries
// exactly one sees changed=true for a given transition — that one acts, the others are duplicates.
import type { ObjectStore } from '../ports';
import { gsUri } from '../pipeline/gs-uri';
import type { RunRecord, RunState } from '../pipeline/run-record';
import { apply, isTerminal, type Applied, type RunEvent } from '../pipeline/run-state';
import { DEFAULT_CAS_ATTEMPTS, casUpdate, readCasJson } from './cas';
import { InFlightIndex } from './in-flight';

export const RUNS_PREFIX = 'runs/';
// Only a record at the top level: `runs/<id>/…` (the run's model, metrics, report) is not a record and is not read.
const RECORD_NAME = /^runs\/([a-z0-9-]+)\.json$/;

/** How many records list() reads at once: a tick over many runs must not open hundreds of reads together. */
export const LIST_READ_CONCURRENCY = 16;

/** The event names a run the ledger has never seen (a permanent error: there is nothing to resume). */
export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/**
 * Told of each change of a run's state once, after the write that made it (`from` undefined: the write created the
 * run), by the one caller whose compare-and-swap took. A duplicate that changes nothing, or a write that changes the
 * record but not its state, tells nothing.
 */
export type TransitionListener = (from: RunState | undefined, record: RunRecord) => Promise<void>;

export class RunLedger {
  /** The runs the tick still has to move on; kept by create and update, emptied by the tick. */
  readonly inFlight: InFlightIndex;

  constructor(
    readonly store: ObjectStore,
    readonly bucket: string,
    private readonly maxAttempts = DEFAULT_CAS_ATTEMPTS,
    private readonly onTransition?: TransitionListener,
  ) {
    this.inFlight = new InFlightIndex(store, bucket);
  }

  /** The record's object name (`runs/<runId>.json`). */
  objectName(runId: string): string {
    return `${RUNS_PREFIX}${runId}.json`;
  }

  /** Where a person finds the record: `gs://<bucket>/runs/<runId>.json`. */
  uri(runId: string): string {
    return gsUri(this.bucket, this.objectName(runId));
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return readCasJson<RunRecord>(this.store, this.bucket, this.objectName(runId));
  }

  /**
   * Creates the record unless the run exists; `created` says which. Either way returns the stored record. A new run's
   * index entry is written before its record: a record written first could be left out of the index for good (every
   * later delivery of its event failing before it got that far, the event dead-lettered), and the tick finds runs
   * only through the index. The entry is stamped with this delivery's time, so a tick that found an older entry
   * without a record (and drops such entries after a claim lease, tick.ts) no longer matches it.
   */
  async create(record: RunRecord): Promise<{ record: RunRecord; created: boolean }> {
    const existing = await this.get(record.runId);
    if (existing) {
      // A delivery that wrote the record may have failed before its entry (records written before this order).
      if (!isTerminal(existing.state)) await this.inFlight.add([record.runId], existing.createdAt);
      return { record: existing, created: false };
    }
    await this.inFlight.enter(record.runId, record.createdAt);
    const { value, changed } = await casUpdate<RunRecord>(
      this.store,
      this.bucket,
      this.objectName(record.runId),
      (current) => (current ? { value: current, changed: false } : { value: record, changed: true }),
      this.maxAttempts,
    );
    if (changed) await this.onTransition?.(undefined, value);
    return { record: value, created: changed };
  }

  /** Applies an event by compare-and-swap. `changed` is false when the event was a no-op (duplicate, out of order). */
  async update(runId: string, event: RunEvent): Promise<Applied> {
    let wasSettled = false;
    let from: RunState | undefined;
    const { value, changed } = await casUpdate<RunRecord>(
      this.store,
      this.bucket,
      this.objectName(runId),
      (current) => {
        if (!current) throw new RunNotFoundError(`no run record ${this.uri(runId)}`);
        const applied = apply(current, event);
        from = current.state;
        wasSettled = isTerminal(current.state) && current.report?.of === current.updatedAt;
        return { value: applied.record, changed: applied.changed };
      },
      this.maxAttempts,
    );
    // A final, reported run changed again (undeployed, traffic moved): back in the index for a new report.
    if (changed && wasSettled) await this.inFlight.add([runId], event.at);
    if (changed && from !== value.state) await this.onTransition?.(from, value);
    return { record: value, changed };
  }

  /**
   * Every run record, oldest first (by creation time). The store's listing has no delimiter, so it also names the
   * run folders' files; only `runs/<id>.json` names are read, at most LIST_READ_CONCURRENCY at a time.
   */
  async list(): Promise<RunRecord[]> {
    const objects = await this.store.list(this.bucket, RUNS_PREFIX);
    const ids = objects.map((o) => RECORD_NAME.exec(o.name)?.[1]).filter((id): id is string => id !== undefined);
    const records = await mapWithLimit(ids, LIST_READ_CONCURRENCY, (id) => this.get(id));
    return records
      .filter((r): r is RunRecord => r !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
