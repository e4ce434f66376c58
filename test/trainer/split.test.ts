import assert from 'node:assert/strict';
import { random, stratifiedSample } from '../../trainer/src/split';

/** 0/1 labels, about a third of them 1, from a seeded PRNG. */
function labels(n: number): Uint8Array {
  const next = random(3);
  return Uint8Array.from({ length: n }, () => (next() < 0.35 ? 1 : 0));
}

describe('trainer/split: stratifiedSample', () => {
  const y = labels(100_000);
  const positives = y.reduce((s, v) => s + v, 0);

  it('draws the fraction of each class (rounded), as sorted distinct row indices', () => {
    const sample = stratifiedSample(y, 0.02, 42);
    const drawnPositives = Array.from(sample).filter((i) => y[i] === 1).length;
    assert.equal(drawnPositives, Math.round(positives * 0.02));
    assert.equal(sample.length - drawnPositives, Math.round((y.length - positives) * 0.02));
    for (let k = 1; k < sample.length; k++) assert.ok((sample[k] as number) > (sample[k - 1] as number));
    assert.ok((sample[0] as number) >= 0 && (sample[sample.length - 1] as number) < y.length);
  });

  it('is seeded: the same seed gives the same sample, another seed another one', () => {
    assert.deepEqual(stratifiedSample(y, 0.02, 42), stratifiedSample(y, 0.02, 42));
    assert.notDeepEqual(stratifiedSample(y, 0.02, 43), stratifiedSample(y, 0.02, 42));
  });

  it('spreads over the whole file, not its first rows', () => {
    const sample = stratifiedSample(y, 0.02, 42);
    const inLastHalf = Array.from(sample).filter((i) => i >= y.length / 2).length;
    assert.ok(Math.abs(inLastHalf / sample.length - 0.5) < 0.05, `${inLastHalf} of ${sample.length}`);
  });

  it('takes every row at fraction 1 and none at 0', () => {
    assert.equal(stratifiedSample(y, 1, 7).length, y.length);
    assert.equal(stratifiedSample(y, 0, 7).length, 0);
  });
});
