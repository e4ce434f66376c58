// The ledger's transition listener: told once per state change, by the writer whose compare-and-swap took.
import assert from 'node:assert/strict';
import { RunLedger } from '../../../functions/src/ledger/run-ledger';
import { newRunRecord, type RunState } from '../../../functions/src/pipeline/run-record';
import { MemoryObjectStore } from '../../support/memory-store';

const AT = '2026-01-01T00:00:00.000Z';

describe('ledger/run-ledger: transition listener', () => {
  let told: string[];
  let ledger: RunLedger;
  beforeEach(() => {
    told = [];
    ledger = new RunLedger(new MemoryObjectStore(), 'artifacts', undefined, async (from, record) => {
      told.push(`${from ?? 'START'}→${record.state}`);
    });
  });

  it('a created run is told once as START→RECEIVED, however many deliveries create it', async () => {
    await Promise.all(Array.from({ length: 10 }, () => ledger.create(newRunRecord('r1', 'dataset-drop', AT))));
    assert.deepEqual(told, ['START→RECEIVED']);
  });

  it('20 concurrent writers of the same transition: told once, with the state before the write', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ledger.update('r1', { type: 'claimBuild', at: AT, leaseSeconds: 600 })),
    );
    assert.equal(results.filter((r) => r.changed).length, 1);
    assert.deepEqual(told, ['START→RECEIVED', 'RECEIVED→BUILDING']);
  });

  it('a write that changes the record but not its state tells nothing', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    await ledger.update('r1', { type: 'claimBuild', at: AT, leaseSeconds: 600 });
    const { changed } = await ledger.update('r1', { type: 'buildStarted', at: AT, buildId: 'b1' });
    assert.equal(changed, true);
    assert.deepEqual(told, ['START→RECEIVED', 'RECEIVED→BUILDING']);
  });

  it('a failure from one of several states names the state it left', async () => {
    await ledger.create(newRunRecord('r1', 'dataset-drop', AT));
    const from: RunState[] = ['RECEIVED', 'BUILDING', 'TRAINING'];
    await ledger.update('r1', { type: 'claimBuild', at: AT, leaseSeconds: 600 });
    await ledger.update('r1', { type: 'fail', at: AT, from, reason: 'X', message: 'boom' });
    await ledger.update('r1', { type: 'fail', at: AT, from, reason: 'X', message: 'again' });
    assert.deepEqual(told, ['START→RECEIVED', 'RECEIVED→BUILDING', 'BUILDING→FAILED']);
  });
});
