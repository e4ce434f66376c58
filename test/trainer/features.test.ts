import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encoder, featureNames, fitFeatures, median, titleOf, type EncodedPassenger } from '../../trainer/src/features';
import { parseScoringSet, parseTrainingSet } from '../../trainer/src/preprocess';
import { random } from '../../trainer/src/split';

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

describe('features: median (linear-time selection)', () => {
  const sorted = (values: number[]): number => {
    const s = Float64Array.from(values).sort();
    const mid = s.length >> 1;
    return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  };

  it('equals the middle of the sorted values on 5,000 seeded lists (odd and even lengths, many ties)', () => {
    const next = random(3);
    for (let t = 0; t < 5_000; t++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 40) }, () =>
        next() < 0.5 ? Math.floor(next() * 4) : next() * 80,
      );
      assert.equal(median(values), sorted(values), JSON.stringify(values));
    }
  });

  it('handles one value, all-equal values, sorted and reversed input, and none (NaN)', () => {
    assert.equal(median([7]), 7);
    assert.equal(median(new Array(1001).fill(2.5)), 2.5);
    const up = Array.from({ length: 10_000 }, (_, i) => i);
    assert.equal(median(up), 4999.5);
    assert.equal(median(up.reverse()), 4999.5);
    assert.ok(Number.isNaN(median([])));
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

describe('features: the woman-child group (per ticket)', () => {
  const base = { pclass: 3 as const, age: 30, sibSp: 1, parch: 1, fare: 20, cabin: '', embarked: 'S' as const };
  const mother = (ticket: string, survived: 0 | 1) => ({
    ...base,
    passengerId: 1,
    name: 'Doe, Mrs. Ann',
    sex: 'female' as const,
    ticket,
    survived,
  });
  const boy = (ticket: string, survived: 0 | 1) => ({
    ...base,
    passengerId: 2,
    age: 6,
    name: 'Doe, Master. Tom',
    sex: 'male' as const,
    ticket,
    survived,
  });
  const man = (ticket: string, survived: 0 | 1) => ({
    ...base,
    passengerId: 3,
    name: 'Doe, Mr. Joe',
    sex: 'male' as const,
    ticket,
    survived,
  });
  // Enough rows for every title to be kept, on tickets of their own.
  const filler = Array.from({ length: 10 }, (_, i) => [mother(`F${i}`, 1), boy(`G${i}`, 1), man(`H${i}`, 0)]).flat();
  const rows = [...filler, mother('T1', 0), boy('T1', 0), man('T1', 1), mother('T2', 1), mother('T2', 1), boy('T2', 1)];
  const stats = fitFeatures(rows);
  const names = featureNames(stats.titles);
  const raw = (p: EncodedPassenger, training = false): Record<string, number> => {
    // Undo the scaling to read the raw values back. Values are clipped to the training range, so the fixture has
    // both values of every flag among its training rows (T1's women and children died, T2's lived).
    const x = encoder(stats, { trainingRows: training })(p, new Float64Array(names.length));
    return Object.fromEntries(names.map((n, j) => [n, x[j]! * stats.std[j]! + stats.mean[j]!]));
  };
  const near = (a: number | undefined, b: number): void =>
    assert.ok(Math.abs((a as number) - b) < 1e-9, `${a} vs ${b}`);

  it('counts only the women and children of each ticket (the man on T1 is not a member)', () => {
    const groups = new Map(stats.womenChildrenByTicket.map(([t, ...counts]) => [t, counts]));
    assert.deepEqual(groups.get('T1'), [2, 0]);
    assert.deepEqual(groups.get('T2'), [3, 3]);
    assert.equal(groups.get('H0'), undefined);
  });

  it('a new passenger on a known ticket sees every member: a boy whose group all lived, a woman whose group all died', () => {
    const newBoy = raw({ ...boy('T2', 1), survived: undefined });
    near(newBoy.wcg_known, 1);
    near(newBoy.wcg_rate, 0.5);
    near(newBoy.wcg_lived_x_boy, 1);
    const newWoman = raw({ ...mother('T1', 1), survived: undefined });
    near(newWoman.wcg_rate, -0.5);
    near(newWoman.wcg_died_x_female, 1);
    near(newWoman.wcg_lived_x_boy, 0);
  });

  it('a training row never sees its own label (leave-one-out), so a lone member knows nothing', () => {
    const own = raw(mother('T1', 0), true);
    near(own.wcg_known, 1); // the boy on T1 is the other member
    near(own.wcg_rate, -0.5);
    const lone = raw(mother('F3', 1), true);
    near(lone.wcg_known, 0);
    near(lone.wcg_rate, 0);
    // The man on T1 is not a member: he sees both members, as a new passenger would.
    near(raw(man('T1', 1), true).wcg_rate, -0.5);
  });

  it('an unknown, empty or prototype-named ticket is "no group known"', () => {
    for (const ticket of ['NEW', '', '__proto__', 'constructor']) {
      const r = raw({ ...mother(ticket, 1), survived: undefined });
      near(r.wcg_known, 0);
      near(r.wcg_rate, 0);
    }
  });

  it('learns from the labels only through these counts: changing a label changes only its ticket', () => {
    const flipped = fitFeatures(
      rows.map((r) => (r.ticket === 'T2' && r.name.includes('Ann') ? { ...r, survived: 0 as const } : r)),
    );
    const groups = new Map(flipped.womenChildrenByTicket.map(([t, ...counts]) => [t, counts]));
    assert.deepEqual(groups.get('T2'), [3, 1]); // both mothers on T2 now died
    assert.deepEqual(groups.get('T1'), [2, 0]);
  });
});
