import assert from 'node:assert/strict';
import { gateRule, type GateRule } from '../../../functions/src/pipeline/quality-gate';

const ACC: GateRule = { metric: 'accuracy', lower: false, floor: 0.75, tolerance: 0.01 };
const AUC: GateRule = { metric: 'rocAuc', lower: false, floor: 0.8, tolerance: 0.02 };
const LOSS: GateRule = { metric: 'logLoss', lower: true, floor: 0.6, tolerance: 0.01 };
const RMSE: GateRule = { metric: 'rmse', lower: true, floor: 65, tolerance: 0 };

describe('pipeline/quality-gate', () => {
  const table: [string, GateRule, number, number | undefined, boolean, RegExp][] = [
    ['no serving version, above floor', ACC, 0.8, undefined, true, /no serving version/],
    ['no serving version, below floor', ACC, 0.7, undefined, false, /fails the floor/],
    ['exactly the floor', ACC, 0.75, undefined, true, />= 0.75/],
    ['equal to serving', ACC, 0.82, 0.82, true, /0.82 >= 0.81/],
    ['better than serving', ACC, 0.85, 0.82, true, /serving 0.82/],
    ['worse, within tolerance', ACC, 0.811, 0.82, true, />= 0.81/],
    ['worse, exactly at tolerance (no float noise)', ACC, 0.79, 0.8, true, />= 0.79/],
    ['worse, beyond tolerance', ACC, 0.8, 0.82, false, /worse than serving 0.82/],
    ['above serving but below floor', ACC, 0.74, 0.7, false, /fails the floor/],
    ['rocAuc within tolerance', AUC, 0.85, 0.865, true, /rocAuc/],
    ['logLoss: lower is better, improves', LOSS, 0.4, 0.45, true, /<= /],
    ['logLoss: worse within tolerance', LOSS, 0.455, 0.45, true, /<= 0.46/],
    ['logLoss: worse beyond tolerance', LOSS, 0.47, 0.45, false, /worse than serving 0.45 \+ tolerance/],
    ['logLoss: equal to serving', LOSS, 0.45, 0.45, true, /0.45 <= 0.46/],
    ['logLoss: above the ceiling', LOSS, 0.65, undefined, false, /fails the floor \(<= 0.6\)/],
    ['rmse: under the ceiling, first run', RMSE, 54.5, undefined, true, /rmse 54.5 <= 65/],
    ['rmse: worse than serving, no tolerance', RMSE, 56, 55, false, /worse than serving 55 \+ tolerance 0 = 55/],
  ];
  for (const [what, rule, candidate, serving, promote, reason] of table) {
    it(`${what} → ${promote ? 'promote' : 'hold'}`, () => {
      const d = gateRule(rule, candidate, serving);
      assert.equal(d.promote, promote);
      assert.match(d.reason, reason);
    });
  }

  it('says the threshold: the stricter of the floor and serving ∓ tolerance', () => {
    assert.deepEqual(gateRule(ACC, 0.83, 0.8), {
      promote: true,
      threshold: 0.79,
      reason: 'accuracy 0.83 >= 0.79 (floor 0.75; serving 0.8 - tolerance 0.01 = 0.79)',
    });
    assert.equal(gateRule(ACC, 0.83, 0.7).threshold, 0.75);
    assert.equal(gateRule(LOSS, 0.3, 0.5).threshold, 0.51);
    assert.match(gateRule(ACC, 0.83, 0.8, ', like-for-like').reason, /= 0\.79, like-for-like\)$/);
  });
});
