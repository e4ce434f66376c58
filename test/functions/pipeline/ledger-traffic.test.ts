import assert from 'node:assert/strict';
import { ledgerTraffic, servingHistory } from '../../../functions/src/pipeline/ledger-traffic';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const deployed = (
  runId: string,
  id: string,
  at: string,
  traffic: Record<string, number>,
  endpointVersion?: number,
): RunRecord => ({
  ...newRunRecord(runId, 'dataset-drop', at),
  state: 'DEPLOYED',
  stages: { DEPLOYED: at },
  ...(endpointVersion === undefined ? {} : { training: { endpointVersion } }),
  deploy: { deployedModelId: id, traffic },
});

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const rollbackAt = (at: string, to: string, from: string, split: Record<string, number>) => ({
  at,
  action: 'rollback' as const,
  to,
  from,
  by: 'ana',
  split,
});
const withChange = (r: RunRecord, change: ReturnType<typeof rollbackAt>): RunRecord => ({
  ...r,
  deploy: { ...r.deploy, trafficChanges: [...(r.deploy?.trafficChanges ?? []), change] },
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

  // Entries recorded in the same millisecond (a burst, a coarse clock): the answer must not depend on the order the
  // ledger lists the runs in. Each row is checked with the runs in the given order and reversed.
  const sameInstant: { name: string; runs: () => RunRecord[]; serving: Record<string, number>; history: string[] }[] = [
    {
      name: 'two go-lives at one instant → the newer endpoint version serves',
      runs: () => [deployed('a', '1', T1, { '1': 100 }, 1), deployed('b', '2', T1, { '2': 100 }, 2)],
      serving: { b: 100 },
      history: ['2', '1'],
    },
    {
      name: 'a go-live and the rollback off it at one instant → the rollback wins (it acted on the go-live)',
      runs: () => {
        const change = rollbackAt(T1, 'a', 'b', { '1': 100 });
        return [
          withChange(deployed('a', '1', T0, { '1': 100 }, 1), change),
          withChange(deployed('b', '2', T1, { '2': 100 }, 2), change),
        ];
      },
      serving: { a: 100 },
      history: ['1', '2'],
    },
    {
      name: 'a rollback and a newer version going live at one instant → the newer version serves',
      runs: () => {
        const change = rollbackAt(T1, 'a', 'b', { '1': 100 });
        return [
          withChange(deployed('a', '1', T0, { '1': 100 }, 1), change),
          withChange(deployed('b', '2', T0, { '2': 100 }, 2), change),
          deployed('c', '3', T1, { '3': 100, '1': 0 }, 3),
        ];
      },
      serving: { c: 100 },
      history: ['3', '1', '2'],
    },
    {
      name: 'no endpoint versions recorded, same instant → the run id decides, the same in every order',
      runs: () => [deployed('a', '1', T1, { '1': 100 }), deployed('b', '2', T1, { '2': 100 })],
      serving: { b: 100 },
      history: ['2', '1'],
    },
  ];
  for (const row of sameInstant) {
    it(`same instant: ${row.name}`, () => {
      for (const runs of [row.runs(), row.runs().reverse()]) {
        assert.deepEqual(ledgerTraffic(runs)?.byRun, row.serving, runs.map((r) => r.runId).join(','));
        assert.deepEqual(servingHistory(runs), row.history, runs.map((r) => r.runId).join(','));
      }
    });
  }
});
