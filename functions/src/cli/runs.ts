// Reading runs for the CLI: the ledger's run records (gs://<ARTIFACTS_BUCKET>/runs/) through whichever object store
// the environment uses (the local folder, or Cloud Storage with --env vertex). Read-only.
import { RunLedger } from '../ledger/run-ledger';
import { runIdForDataset } from '../pipeline/run-id';
import type { ObjectStore } from '../ports';
import type { RunRecord } from '../pipeline/run-record';

export class RunReader {
  private readonly ledger: RunLedger;

  constructor(store: ObjectStore, bucket: string) {
    this.ledger = new RunLedger(store, bucket);
  }

  list(): Promise<RunRecord[]> {
    return this.ledger.list();
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    if (!/^[a-z0-9-]+$/.test(runId)) return undefined;
    return this.ledger.get(runId);
  }

  /** The run named by its id or by an unambiguous prefix of it; throws saying which runs match otherwise. */
  async resolve(idOrPrefix: string): Promise<RunRecord> {
    const exact = await this.get(idOrPrefix);
    if (exact) return exact;
    const matches = idOrPrefix === '' ? [] : (await this.list()).filter((r) => r.runId.startsWith(idOrPrefix));
    const [only, ...others] = matches;
    if (only && others.length === 0) return only;
    if (!only) throw new Error(`no run ${idOrPrefix} (see: vertex-retrain runs)`);
    const ids = matches.map((r) => r.runId);
    throw new Error(`${idOrPrefix} matches ${ids.length} runs (${ids.slice(0, 5).join(', ')}…): give more of the id`);
  }

  /** The run a given generation of a dataset object starts (its id is derived from them), once the ledger has it. */
  forDataset(bucket: string, name: string, generation: string): Promise<RunRecord | undefined> {
    return this.ledger.get(runIdForDataset(bucket, name, generation));
  }
}
