import assert from 'node:assert/strict';
import { rocAuc, rocCurve, type RocPoint } from '../../trainer/src/metrics';
import { random } from '../../trainer/src/split';

describe('trainer/metrics: rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 1);
    assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
    assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.5);
  });

  it('counts a tie between a survivor and a non-survivor as one half', () => {
    // Pairs (survivor, non-survivor): (0.9, 0.4) win, (0.9, 0.6) win, (0.6, 0.4) win, (0.6, 0.6) tie → 3.5 / 4.
    assert.equal(rocAuc([0.9, 0.6, 0.6, 0.4], [1, 1, 0, 0]), 0.875);
  });

  it('is NaN, and returns, when a score is NaN or infinite or a class is missing', () => {
    assert.ok(Number.isNaN(rocAuc([0.3, NaN], [0, 1]))); // the former loop never ended here
    assert.ok(Number.isNaN(rocAuc([NaN, NaN, NaN], [0, 1, 1])));
    assert.ok(Number.isNaN(rocAuc([0.3, Infinity], [0, 1])));
    assert.ok(Number.isNaN(rocAuc([0.3, 0.4], [1, 1])));
  });
});

describe('trainer/metrics: rocAuc and rocCurve on many rows with ties', () => {
  // Scores on a coarse grid (many ties) with labels that follow them loosely, from a seeded PRNG.
  const next = random(11);
  const p = Array.from({ length: 5_000 }, () => Math.round(next() * 200) / 200);
  const y = p.map((v) => (next() < v ? 1 : 0));

  it('rocAuc is the share of (survivor, other) pairs ranked right, ties counting one half', () => {
    const positives = p.filter((_, i) => y[i] === 1);
    const negatives = p.filter((_, i) => y[i] === 0);
    let wins = 0;
    for (const a of positives) for (const b of negatives) wins += a > b ? 1 : a === b ? 0.5 : 0;
    assert.ok(Math.abs(rocAuc(p, y) - wins / (positives.length * negatives.length)) < 1e-12);
  });

  it('rocCurve has one point per distinct score (thresholds falling), ending at (1, 1)', () => {
    const curve = rocCurve(p, y, 1_000);
    assert.equal(curve.length, new Set(p).size + 1);
    assert.deepEqual(curve[0], { fpr: 0, tpr: 0, threshold: 1 });
    assert.deepEqual(curve.at(-1), { fpr: 1, tpr: 1, threshold: Math.min(...p) });
    for (let k = 1; k < curve.length; k++) {
      const [a, b] = [curve[k - 1] as RocPoint, curve[k] as RocPoint];
      assert.ok(b.fpr >= a.fpr && b.tpr >= a.tpr && (k === 1 || b.threshold < a.threshold));
    }
    // The point at threshold t: the share of each class scoring at least t.
    const at = curve[40] as RocPoint;
    const share = (label: number): number =>
      p.filter((v, i) => y[i] === label && v >= at.threshold).length / y.filter((l) => l === label).length;
    assert.equal(at.tpr, Math.round(share(1) * 1e4) / 1e4);
    assert.equal(at.fpr, Math.round(share(0) * 1e4) / 1e4);
  });

  it('rocCurve still ends on scores that are not finite', () => {
    const curve = rocCurve([0.3, NaN, 0.7, Infinity], [0, 1, 1, 0]);
    assert.deepEqual(curve.at(-1)?.fpr, 1);
    assert.deepEqual(curve.at(-1)?.tpr, 1);
  });
});
