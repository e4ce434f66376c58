// Reading runs for the CLI: the run records under gs://<ARTIFACTS_BUCKET>/runs/ through whichever object store
// the environment uses (the local folder, or Cloud Storage with --env vertex). Read-only: only the ledger writes.
import type { ObjectStore } from '../ports';
import type { RunView } from './run-view';

const RECORD = /^runs\/[a-z0-9-]+\.json$/;

export class RunReader {
  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
  ) {}

  async list(): Promise<RunView[]> {
    const infos = (await this.store.list(this.bucket, 'runs/')).filter((i) => RECORD.test(i.name));
    const runs = await Promise.all(infos.map((i) => this.read(i.name)));
    return runs.filter((r): r is RunView => r !== undefined);
  }

  async get(runId: string): Promise<RunView | undefined> {
    if (!/^[a-z0-9-]+$/.test(runId)) return undefined;
    return this.read(`runs/${runId}.json`);
  }

  /** The run started by a given generation of a dataset object, if the ledger has it yet. */
  async forDataset(uri: string, generation: string): Promise<RunView | undefined> {
    return (await this.list()).find((r) => r.dataset?.uri === uri && r.dataset.generation === generation);
  }

  private async read(name: string): Promise<RunView | undefined> {
    const got = await this.store.read(this.bucket, name);
    if (!got) return undefined;
    try {
      return JSON.parse(got.data.toString('utf8')) as RunView;
    } catch {
      return undefined;
    }
  }
}
