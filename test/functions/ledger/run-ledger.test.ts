import assert from 'node:assert/strict';
import sinon from 'sinon';
import { CasExhaustedError } from '../../../functions/src/pipeline/errors';
import { newRunRecord } from '../../../functions/src/pipeline/run-record';
import { PreconditionFailedError } from '../../../functions/src/ports';
import { LIST_READ_CONCURRENCY, RunLedger, RunNotFoundError } from '../../../functions/src/ledger/run-ledger';
import { MemoryObjectStore } from '../../support/memory-store';

const AT = '2026-01-01T00:00:00.000Z';
const claim = { type: 'claimBuild', at: AT, leaseSeconds: 600 } as const;

describe('ledger/run-ledger', () => {
  let store: MemoryObjectStore;
  let ledger: RunLedger;
  beforeEach(() => {
    store = new MemoryObjectStore();
    ledger = new RunLedger(store, 'artifacts');
  });
  afterEach(() => sinon.restore());

  it('creates runs/<runId>.json once; a second create returns the stored record', async () => {
    const first = await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    assert.equal(first.created, true);
    const again = await ledger.create({ ...newRunRecord('r1', 'git-push', AT) });
    assert.equal(again.created, false);
    assert.equal(again.record.trigger, 'dataset-drop');
    assert.equal(ledger.uri('r1'), 'gs://artifacts/runs/r1.json');
    assert.equal(JSON.parse(store.text('artifacts', 'runs/r1.json') as string).runId, 'r1');
  });

  it('of 20 concurrent creates exactly one is created', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ledger.create(newRunRecord('r1', 'dataset-drop', AT))),
    );
    assert.equal(results.filter((r) => r.created).length, 1);
  });

  it('applies events through the state machine by CAS; no-ops do not write', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    const gen = (await store.stat('artifacts', 'runs/r1.json'))?.generation;
    const first = await ledger.update('r1', claim);
    assert.equal(first.changed, true);
    assert.equal(first.record.state, 'BUILDING');
    const gen2 = (await store.stat('artifacts', 'runs/r1.json'))?.generation;
    assert.notEqual(gen2, gen);
    const dup = await ledger.update('r1', claim);
    assert.equal(dup.changed, false);
    assert.equal((await store.stat('artifacts', 'runs/r1.json'))?.generation, gen2, 'no write for a no-op');
    assert.equal((await ledger.get('r1'))?.state, 'BUILDING');
  });

  it('of 20 concurrent claims exactly one changes the record', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.update('r1', claim)));
    assert.equal(results.filter((r) => r.changed).length, 1);
    assert.deepEqual((await ledger.get('r1'))?.build?.claim, { at: AT, attempt: 1 });
  });

  it('concurrent different events all land (re-read and re-apply after a lost race)', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    await ledger.update('r1', claim);
    await Promise.all([
      ledger.update('r1', { type: 'buildStarted', at: AT, buildId: 'b1' }),
      ledger.update('r1', {
        type: 'claimTraining',
        at: AT,
        leaseSeconds: 600,
        buildId: 'b1',
        imageUri: 'i@sha256:1',
        imageDigest: 'sha256:1',
        baseOutputDir: 'gs://a/runs/r1/',
        machineType: 'n1-standard-4',
      }),
    ]);
    const r = await ledger.get('r1');
    assert.equal(r?.state, 'TRAINING');
    assert.equal(r?.build?.id, 'b1');
  });

  it('gives up with a transient CasExhaustedError after bounded lost races', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    const write = sinon.stub(store, 'write').rejects(new PreconditionFailedError('412'));
    const bounded = new RunLedger(store, 'artifacts', 3);
    await assert.rejects(bounded.update('r1', claim), CasExhaustedError);
    assert.equal(write.callCount, 3);
  });

  it('an update to an unknown run is a RunNotFoundError', async () => {
    await assert.rejects(ledger.update('nope', claim), RunNotFoundError);
  });

  it('lists run records only (not pointers or run folders), oldest first', async () => {
    await ledger.create(newRunRecord('b', 'dataset-drop', '2026-01-02T00:00:00.000Z'));
    await ledger.create(newRunRecord('a', 'dataset-drop', '2026-01-03T00:00:00.000Z'));
    await ledger.create(newRunRecord('c', 'dataset-drop', '2026-01-01T00:00:00.000Z'));
    await store.write('artifacts', 'runs/_endpoint-versions.json', '{}');
    await store.write('artifacts', 'runs/a/model/metrics.json', '{}');
    assert.deepEqual(
      (await ledger.list()).map((r) => r.runId),
      ['c', 'b', 'a'],
    );
  });

  it("does not read a run folder's files (or pointers) as records: only runs/<id>.json is read", async () => {
    await ledger.create(newRunRecord('a', 'dataset-drop', AT));
    await store.write('artifacts', 'runs/a/model/model.json', '{"runId":"x","createdAt":"2020"}');
    await store.write('artifacts', 'runs/a/report.json', '{}');
    await store.write('artifacts', 'runs/_endpoint-versions.json', '{}');
    const read = sinon.spy(store, 'read');
    assert.deepEqual(
      (await ledger.list()).map((r) => r.runId),
      ['a'],
    );
    assert.deepEqual(
      read.getCalls().map((c) => c.args[1]),
      ['runs/a.json'],
    );
  });

  it(`reads records at most ${LIST_READ_CONCURRENCY} at a time and keeps every one`, async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    for (const id of ids) await ledger.create(newRunRecord(id, 'dataset-drop', AT));
    let inFlight = 0;
    let most = 0;
    const read = store.read.bind(store);
    sinon.stub(store, 'read').callsFake(async (...args: Parameters<typeof store.read>) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 1));
        return await read(...args);
      } finally {
        inFlight--;
      }
    });
    assert.deepEqual(
      (await ledger.list()).map((r) => r.runId),
      ids,
    );
    assert.equal(most, LIST_READ_CONCURRENCY);
  });

  // The tick finds runs only through the in-flight index: a stored record missing from it is never moved on again
  // (until a dead-letter replay). So the entry is written first, whichever of the two writes fails.
  for (const failing of ['runs/_in-flight.json', 'runs/r1.json']) {
    it(`a failed write of ${failing} never leaves a record outside the in-flight index`, async () => {
      const write = store.write.bind(store);
      let failed = false;
      sinon.stub(store, 'write').callsFake(async (...args: Parameters<typeof store.write>) => {
        if (args[1] === failing && !failed) {
          failed = true;
          throw Object.assign(new Error('HTTP 503: injected'), { code: 503 });
        }
        return write(...args);
      });
      await assert.rejects(ledger.create(newRunRecord('r1', 'dataset-drop', AT)), /503/);
      const record = await ledger.get('r1');
      const index = await ledger.inFlight.read();
      if (record) assert.ok(index.r1, 'a stored record is in the index');
      if (failing === 'runs/r1.json') assert.equal(index.r1, AT, 'the entry came first');
      // The redelivery creates the run, in the index.
      const later = '2026-01-01T00:05:00.000Z';
      assert.equal((await ledger.create(newRunRecord('r1', 'dataset-drop', later))).created, record === undefined);
      assert.ok((await ledger.inFlight.read()).r1);
    });
  }

  it('a new run restamps an older entry of its id (a tick that judged the old one stale no longer matches it)', async () => {
    await ledger.inFlight.add(['r1'], AT);
    const later = '2026-01-01T00:05:00.000Z';
    await ledger.create(newRunRecord('r1', 'dataset-drop', later));
    assert.equal((await ledger.inFlight.read()).r1, later);
    await ledger.inFlight.remove({ r1: AT }); // what that tick would do
    assert.equal((await ledger.inFlight.read()).r1, later);
  });
});
