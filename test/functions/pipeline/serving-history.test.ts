import assert from 'node:assert/strict';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import {
  SERVING_HISTORY_LIMIT,
  historyFromRecords,
  servingOrder,
  trafficMoveOf,
  withTrafficMove,
  type ServedEntry,
  type TrafficMove,
} from '../../../functions/src/pipeline/serving-history';
import { deployedModelDisplayName } from '../../../functions/src/ports';

const T0 = '2026-03-01T12:00:00.000Z';
const T1 = '2026-03-01T12:00:01.000Z';

const move = (to: string, split: Record<string, number>, at = T1): TrafficMove => ({
  at,
  to,
  split,
  runIds: Object.fromEntries(Object.keys(split).map((id) => [id, `run-${id}`])),
});
const entries = (...ids: string[]): ServedEntry[] =>
  ids.map((id) => ({ deployedModelId: id, runId: `run-${id}`, at: T0 }));

describe('pipeline/serving-history', () => {
  // history before (ids, most recent first) → move → history after (undefined: unchanged)
  const ROWS: [string, string[], TrafficMove, string[] | undefined][] = [
    ['first go-live', [], move('1', { '1': 100 }), ['1']],
    ['replace: the new model first, the previous one second', ['1'], move('2', { '2': 100 }), ['2', '1']],
    ['canary: both serve, the new one first', ['1'], move('2', { '2': 20, '1': 80 }), ['2', '1']],
    [
      'canary over a history: the previous serving keeps its place before older ones',
      ['3', '1', '2'],
      move('4', { '4': 10, '2': 90 }),
      ['4', '2', '3', '1'],
    ],
    ['rollback to an older model: it moves to the front', ['3', '2', '1'], move('2', { '2': 100 }), ['2', '3', '1']],
    [
      'rollback then a new run: the rolled-back-to model is second',
      ['2', '3', '1'],
      move('4', { '4': 100 }),
      ['4', '2', '3', '1'],
    ],
    ['promote a canary to 100 %: unchanged order', ['2', '1'], move('2', { '2': 100 }), undefined],
    ['the same move again (a redelivered go-live): no change', ['2', '1'], move('2', { '2': 100 }), undefined],
    ['a split with no traffic (undeploy --all): no change', ['2', '1'], move('2', {}), undefined],
    ['a model at 0 % does not count as serving', ['1'], move('2', { '2': 100, '1': 0 }), ['2', '1']],
  ];
  for (const [name, before, m, after] of ROWS)
    it(name, () => {
      const next = withTrafficMove(entries(...before), m);
      assert.deepEqual(next && servingOrder(next), after);
    });

  it('stamps the moved entries with the move time and run ids, keeping the others as they were', () => {
    const next = withTrafficMove(entries('1', '2'), move('3', { '3': 100 }, T1)) as ServedEntry[];
    assert.deepEqual(next, [
      { deployedModelId: '3', runId: 'run-3', at: T1 },
      { deployedModelId: '1', runId: 'run-1', at: T0 },
      { deployedModelId: '2', runId: 'run-2', at: T0 },
    ]);
  });

  it('keeps at most the limit, dropping the least recently serving', () => {
    let history: ServedEntry[] = [];
    for (let i = 1; i <= SERVING_HISTORY_LIMIT + 5; i++)
      history = withTrafficMove(history, move(String(i), { [String(i)]: 100 })) ?? history;
    assert.equal(history.length, SERVING_HISTORY_LIMIT);
    assert.equal(history[0]?.deployedModelId, String(SERVING_HISTORY_LIMIT + 5));
    assert.equal(history.at(-1)?.deployedModelId, '6');
    assert.ok(SERVING_HISTORY_LIMIT >= 3 * 20, 'comfortably above the largest KEEP_DEPLOYED_VERSIONS (20)');
  });

  it('trafficMoveOf names each deployed model by the run its display name carries', () => {
    const m = trafficMoveOf(
      {
        name: 'e',
        deployedModels: [
          { id: '11', model: 'm', modelVersionId: '1', displayName: deployedModelDisplayName('run-a', 1) },
          { id: '12', model: 'm', modelVersionId: '2', displayName: 'someone-else' },
        ],
        trafficSplit: { '11': 100 },
      },
      '11',
      T1,
    );
    assert.deepEqual(m, { at: T1, to: '11', split: { '11': 100 }, runIds: { '11': 'run-a' } });
  });

  it('historyFromRecords rebuilds the order from older run records (go-lives, then a rollback)', () => {
    const live = (runId: string, id: string, at: string, version: number): RunRecord => ({
      ...newRunRecord(runId, 'dataset-drop', T0),
      state: 'DEPLOYED',
      stages: { DEPLOYED: at },
      training: { endpointVersion: version },
      deploy: { deployedModelId: id, traffic: { [id]: 100 } },
    });
    const a = live('ra', '1', '2026-03-01T12:01:00.000Z', 1);
    const b = live('rb', '2', '2026-03-01T12:02:00.000Z', 2);
    const c = live('rc', '3', '2026-03-01T12:03:00.000Z', 3);
    // rollback c → b, recorded on both runs
    const change = {
      at: '2026-03-01T12:04:00.000Z',
      action: 'rollback' as const,
      to: 'rb',
      from: 'rc',
      by: 'op',
      split: { '2': 100 },
    };
    b.deploy = { ...b.deploy, trafficChanges: [change] };
    c.deploy = { ...c.deploy, trafficChanges: [change] };
    const built = historyFromRecords([a, b, c], T1);
    assert.deepEqual(built, [
      { deployedModelId: '2', runId: 'rb', at: T1 },
      { deployedModelId: '3', runId: 'rc', at: T1 },
      { deployedModelId: '1', runId: 'ra', at: T1 },
    ]);
  });
});
