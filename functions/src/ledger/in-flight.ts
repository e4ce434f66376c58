// The in-flight index: one ledger document naming every run the tick still has to move on (in flight, or final with
// its report not yet written). A run enters when its record is created or changed after it was final (an undeploy, an
// operator's traffic change) and leaves once the tick found it final and reported, so the tick reads this document
// and the runs it names instead of listing every record ever written.
import type { ObjectStore } from '../ports';
import { casUpdate, readCasJson } from './cas';

export const IN_FLIGHT_OBJECT = 'runs/_in-flight.json';
/** Every new run writes this one document: a burst of drops contends on it, so it gets more attempts. */
const INDEX_CAS_ATTEMPTS = 64;

/** runId → when it entered the index. */
type InFlight = Record<string, string>;

export class InFlightIndex {
  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
  ) {}

  /** Adds the runs (a no-op for those already in). */
  async add(runIds: readonly string[], at: string): Promise<void> {
    await casUpdate<InFlight>(
      this.store,
      this.bucket,
      IN_FLIGHT_OBJECT,
      (current) => {
        const missing = runIds.filter((id) => current?.[id] === undefined);
        if (missing.length === 0) return { value: current ?? {}, changed: false };
        return { value: { ...current, ...Object.fromEntries(missing.map((id) => [id, at])) }, changed: true };
      },
      INDEX_CAS_ATTEMPTS,
    );
  }

  /** Adds the run, or moves its entry to `at` when that is later (a run whose record is about to be written). */
  async enter(runId: string, at: string): Promise<void> {
    await casUpdate<InFlight>(
      this.store,
      this.bucket,
      IN_FLIGHT_OBJECT,
      (current) => {
        const seen = current?.[runId];
        if (seen !== undefined && seen >= at) return { value: current ?? {}, changed: false };
        return { value: { ...current, [runId]: at }, changed: true };
      },
      INDEX_CAS_ATTEMPTS,
    );
  }

  /** Removes the runs that entered no later than `seenAt` says (a run re-added since stays in). */
  async remove(seen: Readonly<Record<string, string>>): Promise<void> {
    await casUpdate<InFlight>(
      this.store,
      this.bucket,
      IN_FLIGHT_OBJECT,
      (current) => {
        const gone = Object.keys(seen).filter((id) => current?.[id] !== undefined && current[id] === seen[id]);
        if (!current || gone.length === 0) return { value: current ?? {}, changed: false };
        return {
          value: Object.fromEntries(Object.entries(current).filter(([id]) => !gone.includes(id))),
          changed: true,
        };
      },
      INDEX_CAS_ATTEMPTS,
    );
  }

  /** The runs in the index with the time each entered, oldest first. */
  async read(): Promise<Record<string, string>> {
    const runs = (await readCasJson<InFlight>(this.store, this.bucket, IN_FLIGHT_OBJECT)) ?? {};
    return Object.fromEntries(Object.entries(runs).sort(([, a], [, b]) => a.localeCompare(b)));
  }
}
