import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDashboardDeps } from '../../../../functions/src/local/dashboard/local-deps';
import { localLayout, type LocalLayout } from '../../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../../functions/src/local/object-store';
import { RunLedger } from '../../../../functions/src/ledger/run-ledger';
import type { RunRecord } from '../../../../functions/src/pipeline/run-record';
import {
  ARTIFACTS,
  DATA,
  endpointAfterRollback,
  heldRun,
  PREDICTIONS_CSV,
  RUN_A,
  RUN_B,
  SCORING_RUN,
  scoredRun,
  twoRunsAndARollback,
} from './sample-runs';

describe('local/dashboard/local-deps', () => {
  let dir = '';
  let layout: LocalLayout;
  let store: LocalObjectStore;
  const endpoint = { getEndpoint: async () => endpointAfterRollback() };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dashboard-deps-'));
    layout = localLayout(dir);
    store = new LocalObjectStore(layout);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Writes the records through the ledger, as the functions do. */
  async function ledgerWith(records: RunRecord[]): Promise<void> {
    const ledger = new RunLedger(store, ARTIFACTS);
    for (const r of records) await ledger.create(r);
  }

  it("lists the ledger's records (not the run folders' files) and passes the endpoint's state through", async () => {
    await ledgerWith(twoRunsAndARollback());
    await store.write(ARTIFACTS, `runs/${RUN_A}/metrics.json`, '{}');
    const deps = localDashboardDeps(layout, { artifactsBucket: ARTIFACTS, dataBucket: DATA, endpoint });
    const runs = await deps.listRuns();
    assert.deepEqual(runs.map((r) => r.runId).sort(), [RUN_A, RUN_B].sort());
    assert.deepEqual(runs.find((r) => r.runId === RUN_A)?.deploy?.trafficChanges?.[0]?.action, 'rollback');
    assert.deepEqual(await deps.endpointState(), endpointAfterRollback());
  });

  it("reads a run's report at the URI its record names", async () => {
    await ledgerWith(twoRunsAndARollback());
    await store.write(ARTIFACTS, `runs/${RUN_A}/report.html`, '<!doctype html><p>A</p>');
    const deps = localDashboardDeps(layout, { artifactsBucket: ARTIFACTS, dataBucket: DATA, endpoint });
    assert.equal((await deps.readReport(RUN_A))?.toString(), '<!doctype html><p>A</p>');
    // B's record names a report that was not written (yet).
    assert.equal(await deps.readReport(RUN_B), undefined);
    assert.equal(await deps.readReport('no-such-run'), undefined);
  });

  it("reads a scoring run's predictions file from the data bucket, and nothing a record names elsewhere", async () => {
    const elsewhere: RunRecord = {
      ...scoredRun(),
      runId: 'score-elsewhere',
      scoring: { predictionsUri: `gs://${ARTIFACTS}/x.predictions.csv` },
    };
    const notPredictions: RunRecord = {
      ...scoredRun(),
      runId: 'score-not-predictions',
      scoring: { predictionsUri: `gs://${DATA}/datasets/train.csv` },
    };
    await ledgerWith([scoredRun(), elsewhere, notPredictions, ...twoRunsAndARollback()]);
    await store.write(DATA, 'score/test.predictions.csv', PREDICTIONS_CSV);
    await store.write(ARTIFACTS, 'x.predictions.csv', 'a\n');
    await store.write(DATA, 'datasets/train.csv', 'secret,csv\n');
    const deps = localDashboardDeps(layout, { artifactsBucket: ARTIFACTS, dataBucket: DATA, endpoint });
    const got = await deps.readPredictions(SCORING_RUN);
    assert.equal(got?.data.toString(), PREDICTIONS_CSV);
    assert.equal(got?.fileName, 'test.predictions.csv');
    assert.equal(await deps.readPredictions('score-elsewhere'), undefined);
    assert.equal(await deps.readPredictions('score-not-predictions'), undefined);
    assert.equal(await deps.readPredictions(RUN_A), undefined, 'a training run has none');
  });

  it('a run without a report, or a record naming another bucket, gives no report', async () => {
    const other: RunRecord = {
      ...heldRun(),
      report: { uri: 'gs://local-data/datasets/train.csv', writtenAt: 'x', of: 'x' },
    };
    await ledgerWith([{ ...heldRun(), runId: 'plain-held' }, other]);
    await store.write('local-data', 'datasets/train.csv', 'secret,csv\n');
    const deps = localDashboardDeps(layout, { artifactsBucket: ARTIFACTS, dataBucket: DATA, endpoint });
    assert.equal(await deps.readReport('plain-held'), undefined);
    assert.equal(await deps.readReport(other.runId), undefined);
  });

  it('an empty folder: no runs', async () => {
    const deps = localDashboardDeps(layout, { artifactsBucket: ARTIFACTS, dataBucket: DATA, endpoint });
    assert.deepEqual(await deps.listRuns(), []);
  });
});
