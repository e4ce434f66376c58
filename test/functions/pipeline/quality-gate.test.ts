import assert from 'node:assert/strict';
import { decide, type GatePolicy } from '../../../functions/src/pipeline/quality-gate';

const ACC: GatePolicy = { metric: 'accuracy', floor: 0.75, tolerance: 0.01 };
const AUC: GatePolicy = { metric: 'rocAuc', floor: 0.8, tolerance: 0.02 };
const LOSS: GatePolicy = { metric: 'logLoss', floor: 0.6, tolerance: 0.01 };

describe('pipeline/quality-gate', () => {
  const table: [string, GatePolicy, number | undefined, number | undefined, boolean, RegExp][] = [
    ['no serving version, above floor', ACC, 0.8, undefined, true, /no serving version/],
    ['no serving version, below floor', ACC, 0.7, undefined, false, /fails the floor/],
    ['exactly the floor', ACC, 0.75, undefined, true, />= 0.75/],
    ['equal to serving', ACC, 0.82, 0.82, true, /0.82 >= 0.81/],
    ['better than serving', ACC, 0.85, 0.82, true, /serving 0.82/],
    ['worse, within tolerance', ACC, 0.811, 0.82, true, />= 0.81/],
    ['worse, exactly at tolerance (no float noise)', ACC, 0.79, 0.8, true, />= 0.79/],
    ['worse, beyond tolerance', ACC, 0.8, 0.82, false, /worse than serving 0.82/],
    ['above serving but below floor', ACC, 0.74, 0.7, false, /fails the floor/],
    ['missing candidate metric', ACC, undefined, 0.8, false, /no usable accuracy/],
    ['NaN candidate metric', ACC, NaN, undefined, false, /no usable accuracy \(NaN\)/],
    ['Infinity candidate metric', ACC, Infinity, undefined, false, /no usable/],
    ['serving metric NaN: floor only', ACC, 0.8, NaN, true, /no serving version to compare/],
    ['rocAuc within tolerance', AUC, 0.85, 0.865, true, /rocAuc/],
    ['logLoss: lower is better, improves', LOSS, 0.4, 0.45, true, /<= /],
    ['logLoss: worse within tolerance', LOSS, 0.455, 0.45, true, /<= 0.46/],
    ['logLoss: worse beyond tolerance', LOSS, 0.47, 0.45, false, /worse than serving 0.45 \+ tolerance/],
    ['logLoss: equal to serving', LOSS, 0.45, 0.45, true, /0.45 <= 0.46/],
    ['NaN candidate while a version serves', ACC, NaN, 0.8, false, /no usable accuracy \(NaN\)/],
    ['logLoss: above the ceiling', LOSS, 0.65, undefined, false, /fails the floor \(<= 0.6\)/],
  ];
  for (const [what, policy, candidate, serving, promote, reason] of table) {
    it(`${what} → ${promote ? 'promote' : 'hold'}`, () => {
      const d = decide(policy, candidate, serving);
      assert.equal(d.promote, promote);
      assert.match(d.reason, reason);
      assert.equal(d.metric, policy.metric);
      assert.equal(d.direction, policy.metric === 'logLoss' ? 'lower' : 'higher');
    });
  }

  it('records the comparison: candidate, serving, threshold', () => {
    assert.deepEqual(decide(ACC, 0.83, 0.8), {
      promote: true,
      metric: 'accuracy',
      direction: 'higher',
      candidate: 0.83,
      serving: 0.8,
      floor: 0.75,
      tolerance: 0.01,
      threshold: 0.79,
      reason: 'accuracy 0.83 >= 0.79 (floor 0.75; serving 0.8 - tolerance 0.01 = 0.79)',
    });
    const missing = decide(ACC, undefined, 0.8);
    assert.equal(missing.candidate, null);
    assert.equal(missing.threshold, null);
  });
});
