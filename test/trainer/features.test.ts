import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fitFeatures, titleOf } from '../../trainer/src/features';
import { parseScoringSet, parseTrainingSet } from '../../trainer/src/preprocess';

/** The expression titleOf used before the backtracking fix: the new one must give the same title everywhere. */
function formerTitleOf(name: string): string {
  const match = /,\s*([^.,]+?)\s*\./.exec(name);
  return match ? (match[1] as string) : '';
}
const SYNONYMS: Record<string, string> = { Mlle: 'Miss', Ms: 'Miss', Mme: 'Mrs', 'the Countess': 'Countess' };
const former = (name: string): string => {
  const t = formerTitleOf(name);
  return SYNONYMS[t] ?? t;
};

describe('features: titleOf', () => {
  it('reads the title of every Kaggle name as the former expression did', () => {
    const names = ['trainer/data/train.csv', 'trainer/data/test.csv'].flatMap((file) =>
      parseScoringSet(readFileSync(file)).map((row) => row.name),
    );
    assert.equal(names.length, 1309);
    for (const name of names) assert.equal(titleOf(name), former(name), name);
    assert.equal(titleOf('Braund, Mr. Owen Harris'), 'Mr');
    assert.equal(titleOf('Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)'), 'Countess');
  });

  it('agrees with the former expression on odd spacing, missing dots and extra commas', () => {
    const odd = [
      'A,  Mr .x',
      'A, . B, Dr. C',
      'A,.B, Rev. C',
      'A, \t.',
      'A,Mr.',
      'No comma. Here',
      'A, no dot',
      ', Mr.',
      'A, B, C, Capt. D',
      'A,\u00a0Mme\u00a0. B',
      '',
    ];
    for (const name of odd) assert.equal(titleOf(name), former(name), JSON.stringify(name));
  });

  it('runs in linear time on a comma followed by many blanks (the former expression took seconds)', () => {
    const started = performance.now();
    for (const name of [`A,${' '.repeat(200_000)}x`, `A,${' x'.repeat(100_000)}`, `,${' '.repeat(200_000)}.`]) {
      titleOf(name);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
  });
});

describe('features: titleOf with names that are object member names', () => {
  it('returns the text itself, never a member of Object.prototype', () => {
    for (const title of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.equal(titleOf(`Doe, ${title}. John`), title);
    }
    assert.equal(titleOf('Doe, Mlle. Jeanne'), 'Miss');
  });
});

describe('features: fitFeatures on large datasets', () => {
  it('learns statistics from 150,000 rows (the drop check accepts ~500k): no call-stack overflow', () => {
    const rows = parseTrainingSet(readFileSync('trainer/data/train.csv'));
    const many = Array.from({ length: 150_000 }, (_, i) => rows[i % rows.length]!);
    const stats = fitFeatures(many);
    assert.ok(stats.min.length > 0);
    stats.min.forEach((lo, j) => assert.ok(Number.isFinite(lo) && lo <= (stats.max[j] as number), `feature ${j}`));
  });
});
