import assert from 'node:assert/strict';
import { ledgerTraffic } from '../../../functions/src/pipeline/ledger-traffic';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const deployed = (runId: string, id: string, at: string, traffic: Record<string, number>): RunRecord => ({
  ...newRunRecord(runId, 'dataset-drop', at),
  state: 'DEPLOYED',
  stages: { DEPLOYED: at },
  deploy: { deployedModelId: id, traffic },
});

describe('pipeline/ledger-traffic', () => {
  it('nothing deployed → undefined', () => {
    assert.equal(ledgerTraffic([newRunRecord('a', 'dataset-drop', '2026-01-01T00:00:00Z')]), undefined);
  });

  it('the newest go-live split wins (replace: the new run serves)', () => {
    const a = deployed('a', '1', '2026-01-01T00:00:00Z', { '1': 100 });
    const b = deployed('b', '2', '2026-01-02T00:00:00Z', { '2': 100 });
    assert.deepEqual(ledgerTraffic([a, b])?.byRun, { b: 100 });
  });

  it('a canary split names both runs', () => {
    const a = deployed('a', '1', '2026-01-01T00:00:00Z', { '1': 100 });
    const b = deployed('b', '2', '2026-01-02T00:00:00Z', { '2': 10, '1': 90 });
    assert.deepEqual(ledgerTraffic([a, b])?.byRun, { a: 90, b: 10 });
  });

  it('an operator change newer than every go-live wins (rollback)', () => {
    const change = {
      at: '2026-01-03T00:00:00Z',
      action: 'rollback' as const,
      to: 'a',
      from: 'b',
      by: 'ana',
      split: { '1': 100 },
    };
    const a = deployed('a', '1', '2026-01-01T00:00:00Z', { '1': 100 });
    const b = deployed('b', '2', '2026-01-02T00:00:00Z', { '2': 100 });
    a.deploy = { ...a.deploy, trafficChanges: [change] };
    b.deploy = { ...b.deploy, trafficChanges: [change] };
    const t = ledgerTraffic([a, b]);
    assert.deepEqual(t?.byRun, { a: 100 });
    assert.equal(t?.at, change.at);
    // A later deployment takes over again.
    const c = deployed('c', '3', '2026-01-04T00:00:00Z', { '3': 100 });
    assert.deepEqual(ledgerTraffic([a, b, c])?.byRun, { c: 100 });
  });
});
