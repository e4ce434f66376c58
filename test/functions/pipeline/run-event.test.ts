import assert from 'node:assert/strict';
import {
  RUN_EVENT_TYPE,
  buildRunEvent,
  runEventMessage,
  transitionOf,
  type RunTransition,
} from '../../../functions/src/pipeline/run-event';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const SOURCE = '//vertex-retrain/projects/p/locations/us-central1';

describe('pipeline/run-event', () => {
  describe('buildRunEvent', () => {
    const cases: { name: string; t: RunTransition; data: Record<string, unknown> }[] = [
      {
        name: 'first state: from is null',
        t: { runId: 'r1', to: 'RECEIVED', at: '2026-12-02T10:00:00Z' },
        data: { runId: 'r1', from: null, to: 'RECEIVED' },
      },
      {
        name: 'a rejection carries its reason',
        t: { runId: 'r2', from: 'RECEIVED', to: 'REJECTED', at: '2026-12-02T10:00:01Z', reason: 'schema' },
        data: { runId: 'r2', from: 'RECEIVED', to: 'REJECTED', reason: 'schema' },
      },
      {
        name: 'deployed with a model version and details',
        t: {
          runId: 'r3',
          from: 'DEPLOYING',
          to: 'DEPLOYED',
          at: '2026-12-02T10:05:00.250Z',
          modelVersion: '7',
          details: { endpoint: 'projects/p/locations/l/endpoints/1' },
        },
        data: {
          runId: 'r3',
          from: 'DEPLOYING',
          to: 'DEPLOYED',
          modelVersion: '7',
          endpoint: 'projects/p/locations/l/endpoints/1',
        },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = buildRunEvent(SOURCE, c.t);
        assert.equal(e.specversion, '1.0');
        assert.equal(e.type, RUN_EVENT_TYPE);
        assert.equal(e.source, SOURCE);
        assert.equal(e.subject, c.t.runId);
        assert.equal(e.time, new Date(c.t.at).toISOString());
        assert.equal(e.datacontenttype, 'application/json');
        assert.deepEqual(e.data, c.data);
      });
    }

    it('normalises an offset time to UTC', () => {
      const e = buildRunEvent(SOURCE, { runId: 'r', to: 'RECEIVED', at: '2026-12-02T12:00:00+02:00' });
      assert.equal(e.time, '2026-12-02T10:00:00.000Z');
    });

    it('the same transition gets the same id; another transition another', () => {
      const t: RunTransition = { runId: 'r', from: 'TRAINING', to: 'HELD', at: '2026-12-02T10:00:00Z' };
      assert.equal(buildRunEvent(SOURCE, t).id, buildRunEvent(SOURCE, { ...t, reason: 'x' }).id);
      assert.notEqual(buildRunEvent(SOURCE, t).id, buildRunEvent(SOURCE, { ...t, to: 'DEPLOYING' }).id);
      assert.notEqual(buildRunEvent(SOURCE, t).id, buildRunEvent(SOURCE, { ...t, at: '2026-12-02T10:00:01Z' }).id);
    });

    const bad: [string, string, Partial<RunTransition>, RegExp][] = [
      ['empty source', '', {}, /source/],
      ['empty run id', SOURCE, { runId: '' }, /runId/],
      ['time without zone', SOURCE, { at: '2026-12-02T10:00:00' }, /RFC 3339/],
      ['impossible time', SOURCE, { at: '2026-13-45T10:00:00Z' }, /RFC 3339/],
      ['no change', SOURCE, { from: 'TRAINING', to: 'TRAINING' }, /did not change/],
      ['details overriding a field', SOURCE, { details: { to: 'DEPLOYED' } }, /details may not set to/],
    ];
    for (const [name, source, patch, message] of bad) {
      it(`refuses ${name}`, () => {
        const t: RunTransition = { runId: 'r', from: 'RECEIVED', to: 'BUILDING', at: '2026-12-02T10:00:00Z', ...patch };
        assert.throws(() => buildRunEvent(source, t), message);
      });
    }
  });

  describe('runEventMessage', () => {
    it('binary content mode: data is the body, the rest ce- attributes, plus filterable runId/from/to', () => {
      const e = buildRunEvent(SOURCE, {
        runId: 'r9',
        from: 'TRAINING',
        to: 'FAILED',
        at: '2026-12-02T10:00:00Z',
        reason: 'TRAINING_FAILED',
      });
      const m = runEventMessage(e);
      assert.deepEqual(m.data, e.data);
      assert.deepEqual(m.attributes, {
        'ce-specversion': '1.0',
        'ce-type': RUN_EVENT_TYPE,
        'ce-source': SOURCE,
        'ce-id': e.id,
        'ce-time': '2026-12-02T10:00:00.000Z',
        'ce-subject': 'r9',
        'content-type': 'application/json',
        runId: 'r9',
        from: 'TRAINING',
        to: 'FAILED',
      });
      for (const v of Object.values(m.attributes)) assert.equal(typeof v, 'string');
    });

    it('no from attribute for the first state', () => {
      const m = runEventMessage(buildRunEvent(SOURCE, { runId: 'r', to: 'RECEIVED', at: '2026-12-02T10:00:00Z' }));
      assert.equal('from' in m.attributes, false);
    });
  });

  describe('transitionOf (the ledger write → the transition told)', () => {
    const AT = '2026-12-02T10:00:00.000Z';
    const LATER = '2026-12-02T10:05:00.000Z';
    const base = newRunRecord('r-1', 'dataset-drop', AT, {
      uri: 'gs://data/datasets/a.csv',
      bucket: 'data',
      name: 'datasets/a.csv',
      generation: '17',
      size: 10,
    });
    const gate = {
      promote: false,
      metric: 'accuracy' as const,
      direction: 'higher' as const,
      candidate: 0.6,
      serving: null,
      floor: 0.75,
      tolerance: 0.01,
      threshold: 0.75,
      reason: 'accuracy 0.6 fails the floor 0.75',
    };
    const cases: [string, RunRecord['state'] | undefined, RunRecord, Partial<RunTransition>][] = [
      [
        'a created run',
        undefined,
        base,
        { to: 'RECEIVED', at: AT, details: { dataset: 'gs://data/datasets/a.csv#17' } },
      ],
      [
        'a rejection: reason, the first 3 reasons, count and report',
        'RECEIVED',
        {
          ...base,
          state: 'REJECTED',
          stages: { ...base.stages, REJECTED: LATER },
          rejection: {
            reasons: ['a', 'b', 'c', 'd'],
            problemCount: 9,
            reportUri: 'gs://data/rejected/a.csv.reasons.json',
          },
        },
        {
          from: 'RECEIVED',
          to: 'REJECTED',
          at: LATER,
          reason: 'DatasetRejected',
          details: {
            dataset: 'gs://data/datasets/a.csv#17',
            reasons: ['a', 'b', 'c'],
            problemCount: 9,
            reportUri: 'gs://data/rejected/a.csv.reasons.json',
          },
        },
      ],
      [
        'a failure: the last error',
        'TRAINING',
        {
          ...base,
          state: 'FAILED',
          stages: { ...base.stages, FAILED: LATER },
          training: { endpointVersion: 2 },
          errors: [
            { at: AT, stage: 'BUILDING', reason: 'Old', message: 'old' },
            { at: LATER, stage: 'TRAINING', reason: 'TrainingFAILED', message: 'oom' },
          ],
        },
        {
          from: 'TRAINING',
          to: 'FAILED',
          reason: 'TrainingFAILED',
          details: { dataset: 'gs://data/datasets/a.csv#17', endpointVersion: 2, message: 'oom' },
        },
      ],
      [
        'a held version: the gate and the model version',
        'TRAINING',
        {
          ...base,
          state: 'HELD',
          stages: { ...base.stages, HELD: LATER },
          training: { endpointVersion: 2, model: { name: 'projects/p/locations/l/models/m', versionId: '4' } },
          gate,
        },
        {
          to: 'HELD',
          reason: 'QualityGateHeld',
          modelVersion: '4',
          details: {
            dataset: 'gs://data/datasets/a.csv#17',
            endpointVersion: 2,
            gate: {
              metric: 'accuracy',
              candidate: 0.6,
              serving: null,
              threshold: 0.75,
              promote: false,
              reason: gate.reason,
            },
            model: 'projects/p/locations/l/models/m',
          },
        },
      ],
    ];
    for (const [what, from, record, expected] of cases) {
      it(what, () => {
        const t = transitionOf(from, record);
        for (const [k, v] of Object.entries(expected)) assert.deepEqual(t[k as keyof RunTransition], v, k);
        if (from === undefined) assert.equal('from' in t, false);
        // Whatever it builds is a valid event.
        assert.equal(buildRunEvent(SOURCE, t).data.to, record.state);
      });
    }
  });
});
