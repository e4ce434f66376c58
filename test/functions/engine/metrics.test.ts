import assert from 'node:assert/strict';
import type { EndpointState } from '../../../functions/src/ports';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import { holdoutFigures, servingRun, toEvaluation } from '../../../functions/src/engine/metrics';

describe('engine/metrics', () => {
  const figures: [string, unknown, Record<string, number>][] = [
    [
      'the trainer’s holdout block',
      { seed: 1, holdout: { rows: 179, accuracy: 0.8, rocAuc: 0.85, logLoss: 0.44 } },
      { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.44 },
    ],
    ['top-level figures', { accuracy: 0.7 }, { accuracy: 0.7 }],
    ['non-numbers dropped', { holdout: { accuracy: '0.8', rocAuc: null } }, {}],
    ['not an object', 42, {}],
    ['null', null, {}],
  ];
  for (const [what, json, expected] of figures)
    it(`holdoutFigures: ${what}`, () => assert.deepEqual(holdoutFigures(json), expected));

  it('servingRun finds the run behind the serving deployed model', () => {
    const endpoint: EndpointState = {
      name: 'e',
      trafficSplit: { '11': 90, '12': 10 },
      deployedModels: [
        { id: '11', model: 'm', modelVersionId: '1' },
        { id: '12', model: 'm', modelVersionId: '2' },
      ],
    };
    const run = (id: string, deployedModelId: string): RunRecord => ({
      ...newRunRecord(id, 'dataset-drop', '2026-01-01T00:00:00Z'),
      state: 'DEPLOYED',
      deploy: { deployedModelId },
    });
    assert.equal(servingRun(endpoint, [run('a', '12'), run('b', '11')])?.runId, 'b');
    assert.equal(servingRun({ ...endpoint, trafficSplit: {} }, [run('b', '11')]), undefined);
    assert.equal(servingRun(endpoint, []), undefined);
  });

  it('toEvaluation uses Vertex’s classification metric names', () => {
    assert.deepEqual(toEvaluation('r', { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.4 }), {
      displayName: 'holdout-r',
      metrics: { auRoc: 0.85, logLoss: 0.4, accuracy: 0.8 },
    });
  });
});
