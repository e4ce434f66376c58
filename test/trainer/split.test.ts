import assert from 'node:assert/strict';
import { holdoutById, random, stratifiedSample } from '../../trainer/src/split';

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

describe('trainer/split holdoutById: the hold-out keyed by row id', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);

  it('holds out about the fraction asked, and another seed holds out other rows', () => {
    const { test, train } = holdoutById(ids, 0.2, 42);
    assert.equal(test.length + train.length, ids.length);
    assert.ok(Math.abs(test.length / ids.length - 0.2) < 0.01, `${test.length} of ${ids.length}`);
    const other = new Set(holdoutById(ids, 0.2, 7).test);
    const shared = test.filter((i) => other.has(i)).length;
    assert.ok(Math.abs(shared / test.length - 0.2) < 0.03, `seeds 42 and 7 share ${shared} of ${test.length}`);
  });

  it('a row id is held out in every file it appears in, whatever the other rows and their order', () => {
    const held = new Set(holdoutById(ids, 0.2, 42).test.map((i) => ids[i]));
    // Another file: a third of the rows gone, new ids added, the order reversed.
    const other = [...ids.filter((id) => id % 3 !== 0), 50_001, 50_002, 50_003].reverse();
    const heldThere = new Set(holdoutById(other, 0.2, 42).test.map((i) => other[i]));
    for (const id of other) if (id <= ids.length) assert.equal(heldThere.has(id), held.has(id), `id ${id}`);
  });
});
