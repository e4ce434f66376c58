// The endpoint's lease: one ledger document saying which run may change the endpoint now (deploy, traffic update,
// undeploy, alias move). A run takes it before it deploys and gives it back once its clean-up's undeploy operations
// are done; a lease whose holder no longer needs it (the run failed, or finished its clean-up, or the lease is older
// than its time) is free, so a crashed holder never blocks the endpoint for good. Operator actions take it under
// their own name.
import type { ObjectStore } from '../ports';
import { casUpdate, readCasJson } from './cas';

export const ENDPOINT_LEASE_OBJECT = 'runs/_endpoint-lease.json';

export interface EndpointLease {
  holder: string;
  at: string;
}

type Leases = Record<string, EndpointLease>;

/** Whether a holder still needs the lease: the engine's answer from the holder's record (false = free). */
export type HolderCheck = (lease: EndpointLease) => Promise<boolean>;

export class EndpointLeases {
  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly endpointId: string,
    private readonly leaseSeconds: number,
  ) {}

  async current(): Promise<EndpointLease | undefined> {
    return (await readCasJson<Leases>(this.store, this.bucket, ENDPOINT_LEASE_OBJECT))?.[this.endpointId];
  }

  private expired(lease: EndpointLease, now: string): boolean {
    return Date.parse(now) - Date.parse(lease.at) >= this.leaseSeconds * 1000;
  }

  /**
   * Takes the lease for `holder` (or keeps it, already held): true when `holder` holds it after the call. A lease held
   * by another is taken over only when `stillNeeded` says its holder is done with it, or it is past its time.
   */
  async acquire(holder: string, now: string, stillNeeded: HolderCheck): Promise<boolean> {
    const other = await this.current();
    const free = !other || other.holder === holder || this.expired(other, now) || !(await stillNeeded(other));
    if (!free) return false;
    const { value } = await casUpdate<Leases>(this.store, this.bucket, ENDPOINT_LEASE_OBJECT, (current) => {
      const seen = current?.[this.endpointId];
      // Someone else changed the lease since it was judged free: only the one we judged may be replaced.
      if (seen && seen.holder !== holder && (seen.holder !== other?.holder || seen.at !== other.at))
        return { value: current ?? {}, changed: false };
      if (seen?.holder === holder) return { value: current ?? {}, changed: false };
      return { value: { ...current, [this.endpointId]: { holder, at: now } }, changed: true };
    });
    return value[this.endpointId]?.holder === holder;
  }

  /** Gives the lease back if `holder` holds it. */
  async release(holder: string): Promise<void> {
    await casUpdate<Leases>(this.store, this.bucket, ENDPOINT_LEASE_OBJECT, (current) => {
      if (current?.[this.endpointId]?.holder !== holder) return { value: current ?? {}, changed: false };
      const { [this.endpointId]: _released, ...rest } = current;
      return { value: rest, changed: true };
    });
  }
}
