// Where the local stack's dashboard reads from: the run ledger (the artifacts bucket's `runs/<id>.json`, through the
// ledger's own reader), the endpoint twin's state, and each run's report at the URI its record names. Read-only.
import { RunLedger } from '../../ledger/run-ledger';
import type { EndpointService, ObjectStore } from '../../ports';
import { PREDICTIONS_SUFFIX } from '../../pipeline/batch-results';
import { splitGsUri } from '../../pipeline/gs-uri';
import { InvalidObjectNameError, type LocalLayout } from '../layout';
import { LocalObjectStore } from '../object-store';
import type { DashboardDeps } from './handler';

export interface DashboardSources {
  /** The bucket holding the run ledger and the reports (config ARTIFACTS_BUCKET). */
  artifactsBucket: string;
  /** The bucket scoring runs write their predictions to, next to the drop (config DATA_BUCKET). */
  dataBucket: string;
  /** The endpoint (the stack's endpoint twin): only its state is read. */
  endpoint: Pick<EndpointService, 'getEndpoint'>;
}

/** The dashboard's reads over any object store holding the ledger. */
export function dashboardDepsFromStore(store: ObjectStore, sources: DashboardSources): DashboardDeps {
  const ledger = new RunLedger(store, sources.artifactsBucket);
  return {
    listRuns: () => ledger.list(),
    endpointState: () => sources.endpoint.getEndpoint(),
    async readReport(runId) {
      return readIn(store, sources.artifactsBucket, (await ledger.get(runId))?.report?.uri);
    },
    async readPredictions(runId) {
      const record = await ledger.get(runId);
      const uri = record?.scoring?.predictionsUri;
      // Only a predictions file: whatever else the record's URI might name in the data bucket is not served.
      if (!uri?.endsWith(PREDICTIONS_SUFFIX)) return undefined;
      const data = await readIn(store, sources.dataBucket, uri);
      return data && { data, fileName: uri.split('/').pop() as string };
    },
  };
}

/** The object a record's URI names, only if it is in `bucket`: a record is data, and the dashboard must not serve
 * whatever a URI in it names. */
async function readIn(store: ObjectStore, bucket: string, uri: string | undefined): Promise<Buffer | undefined> {
  const loc = uri ? splitGsUri(uri) : undefined;
  if (!loc || loc.bucket !== bucket || loc.name === '') return undefined;
  try {
    return (await store.read(loc.bucket, loc.name))?.data;
  } catch (err) {
    if (err instanceof InvalidObjectNameError) return undefined;
    throw err;
  }
}

/** The dashboard's reads for the local stack in `layout`'s folder. */
export function localDashboardDeps(layout: LocalLayout, sources: DashboardSources): DashboardDeps {
  return dashboardDepsFromStore(new LocalObjectStore(layout), sources);
}
