// The serving history document: per endpoint, the deployed models by when they last took traffic (pipeline/
// serving-history.ts), appended when traffic moves (go-live, promote, rollback — always under the endpoint's lease)
// and read by keep-K and rollback, so neither lists every run record. A ledger written before the document existed
// has none: the first read or append builds it once from the run records (`fromRecords`) and writes it.
import type { ObjectStore } from '../ports';
import { withTrafficMove, type ServedEntry, type TrafficMove } from '../pipeline/serving-history';
import { casUpdate, readCasJson } from './cas';

export const SERVING_HISTORY_OBJECT = 'runs/_serving-history.json';

type Histories = Record<string, ServedEntry[]>;

export class ServingHistories {
  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly endpointId: string,
    /** The history of the run records written before the document existed (a listing: called once per endpoint). */
    private readonly fromRecords: () => Promise<ServedEntry[]>,
  ) {}

  private async stored(): Promise<ServedEntry[] | undefined> {
    return (await readCasJson<Histories>(this.store, this.bucket, SERVING_HISTORY_OBJECT))?.[this.endpointId];
  }

  /** The endpoint's history, most recently serving first (built from the run records and written, the first time). */
  async read(): Promise<ServedEntry[]> {
    const found = await this.stored();
    if (found) return found;
    const built = await this.fromRecords();
    const { value } = await casUpdate<Histories>(this.store, this.bucket, SERVING_HISTORY_OBJECT, (current) =>
      current?.[this.endpointId]
        ? { value: current, changed: false }
        : { value: { ...current, [this.endpointId]: built }, changed: true },
    );
    return value[this.endpointId] ?? built;
  }

  /** Appends a traffic move (a no-op when it is already the latest). */
  async record(move: TrafficMove): Promise<void> {
    // Built before the compare-and-swap, whose change must be pure; only when the document has no history yet.
    const built = (await this.stored()) ? undefined : await this.fromRecords();
    const id = this.endpointId;
    await casUpdate<Histories>(this.store, this.bucket, SERVING_HISTORY_OBJECT, (current) => {
      const stored = current?.[id];
      const next = withTrafficMove(stored ?? built ?? [], move);
      if (next) return { value: { ...current, [id]: next }, changed: true };
      // The same move again: nothing to write, unless the built history is not written yet.
      return stored
        ? { value: current ?? {}, changed: false }
        : { value: { ...current, [id]: built ?? [] }, changed: true };
    });
  }
}
