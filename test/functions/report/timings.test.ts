import assert from 'node:assert/strict';
import { stageTimings } from '../../../functions/src/report/timings';

describe('report/timings', () => {
  it('gives each stage the time until the next one and totals a finished run', () => {
    const t = stageTimings({
      DEPLOYED: '2026-01-01T00:10:00Z', // out of key order on purpose: the stage order decides
      RECEIVED: '2026-01-01T00:00:00Z',
      BUILDING: '2026-01-01T00:00:02Z',
      TRAINING: '2026-01-01T00:03:02Z',
      DEPLOYING: '2026-01-01T00:08:00Z',
    });
    assert.deepEqual(
      t.rows.map((r) => [r.stage, r.durationMs]),
      [
        ['RECEIVED', 2000],
        ['BUILDING', 180_000],
        ['TRAINING', 298_000],
        ['DEPLOYING', 120_000],
        ['DEPLOYED', undefined],
      ],
    );
    assert.equal(t.totalMs, 600_000);
  });

  it('has no total while the run is still going', () => {
    const t = stageTimings({ RECEIVED: '2026-01-01T00:00:00Z', BUILDING: '2026-01-01T00:00:05Z' });
    assert.equal(t.rows.length, 2);
    assert.equal(t.totalMs, undefined);
  });

  it('times a rejected run from RECEIVED to REJECTED', () => {
    const t = stageTimings({ RECEIVED: '2026-01-01T00:00:00Z', REJECTED: '2026-01-01T00:00:01.5Z' });
    assert.deepEqual(
      t.rows.map((r) => r.stage),
      ['RECEIVED', 'REJECTED'],
    );
    assert.equal(t.totalMs, 1500);
  });

  it('leaves out durations it cannot trust (unparsable or backwards timestamps)', () => {
    const t = stageTimings({
      RECEIVED: 'yesterday',
      BUILDING: '2026-01-01T00:05:00Z',
      TRAINING: '2026-01-01T00:01:00Z',
      FAILED: '2026-01-01T00:09:00Z',
    });
    assert.deepEqual(
      t.rows.map((r) => r.durationMs),
      [undefined, undefined, 480_000, undefined],
    );
    assert.equal(t.totalMs, undefined);
  });

  it('returns no rows for no stages', () => assert.deepEqual(stageTimings({}), { rows: [] }));
});
