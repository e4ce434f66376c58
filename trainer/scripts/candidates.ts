// Model selection on the reference split WITHOUT looking at the hold-out: every candidate (feature set × model family)
// is scored by cross-validation on the 712 reference training rows only (the 5 reference folds restricted to those
// rows, plus 5 × repeated seeded 5-fold CV for a less noisy estimate). The candidate list and the selection rule are
// fixed in this file; the rule picks one by CV alone. Only with --holdout are the 179 hold-out rows scored, and then
// for every listed candidate, after the CV table and the pick are printed.
// Candidates A-M were listed in session 1; N-S (the woman-child group signal) were added in session 2, after A-M's
// hold-out figures had been seen but before their own. The trainer implements N (candidate A reproduces it).
// Run: npx tsx trainer/scripts/candidates.ts [--holdout] [--only=A,N] [--all]
import { readFileSync } from 'node:fs';
import type { LabelledPassenger, Passenger } from '../src/fields';
import { fitFeatures, titleOf, type FeatureStats } from '../src/features';
import { fitForest, predictForest, type ForestOptions } from './forest';
import { fitLogistic, predictLogistic } from '../src/logistic';
import { score } from '../src/metrics';
import { parseTrainingSet } from '../src/preprocess';
import { foldSplits, stratifiedFolds } from '../src/split';
import { chooseLambda, fitModel, probabilities } from '../src/train';

/** Every engineered feature by name; candidates pick a list of names. Statistics come from the training rows only. */
function rawFeatures(stats: FeatureStats, inTraining: boolean): (p: Passenger) => Record<string, number> {
  const tickets = new Map(stats.ticketCounts);
  const sexByTitle = new Map(stats.sexByTitle);
  const ageByTitle = new Map(stats.ageByTitle);
  return (p) => {
    const parsed = titleOf(p.name);
    const title = stats.titles.includes(parsed) ? parsed : 'Rare';
    const sex = p.sex ?? sexByTitle.get(title) ?? 'male';
    const pclass = p.pclass ?? stats.pclassMode;
    const age = p.age ?? ageByTitle.get(title) ?? stats.ageMedian;
    const sibSp = p.sibSp ?? 0;
    const parch = p.parch ?? 0;
    const family = 1 + sibSp + parch;
    const fare = p.fare ?? stats.fareByClass[pclass - 1];
    const embarked = p.embarked ?? stats.embarkedMode;
    const known = p.ticket ? (tickets.get(p.ticket) ?? 0) : 0;
    const group = p.ticket ? (inTraining ? known : known + 1) : 1;
    const male = sex === 'male' ? 1 : 0;
    const child = age < 14 ? 1 : 0;
    return {
      male,
      pclass,
      pclass_2: pclass === 2 ? 1 : 0,
      pclass_3: pclass === 3 ? 1 : 0,
      female_x_pclass_3: pclass === 3 && !male ? 1 : 0,
      female_1: !male && pclass === 1 ? 1 : 0,
      female_2: !male && pclass === 2 ? 1 : 0,
      female_3: !male && pclass === 3 ? 1 : 0,
      male_1: male && pclass === 1 ? 1 : 0,
      male_2: male && pclass === 2 ? 1 : 0,
      title_Mr: title === 'Mr' ? 1 : 0,
      title_Mrs: title === 'Mrs' ? 1 : 0,
      title_Miss: title === 'Miss' ? 1 : 0,
      title_Master: title === 'Master' ? 1 : 0,
      title_Rare: title === 'Rare' ? 1 : 0,
      master_x_pclass_3: title === 'Master' && pclass === 3 ? 1 : 0,
      age,
      age_missing: p.age === undefined ? 1 : 0,
      child,
      child_x_pclass_12: child && pclass < 3 ? 1 : 0,
      child_x_pclass_3: child && pclass === 3 ? 1 : 0,
      sibsp: sibSp,
      parch,
      family_size: family,
      alone: family === 1 ? 1 : 0,
      large_family: family >= 5 ? 1 : 0,
      log_fare: Math.log1p(fare),
      ticket_group: group,
      log_fare_per_person: Math.log1p(fare / group),
      cabin_known: p.cabin ? 1 : 0,
      embarked_C: embarked === 'C' ? 1 : 0,
      embarked_Q: embarked === 'Q' ? 1 : 0,
    };
  };
}

type Fit = (train: LabelledPassenger[], test: LabelledPassenger[]) => number[];

// ---- Group survival ("woman-child group"): families and groups travelling on one ticket tended to share a fate. ----
// Learned from the training rows only: per ticket, how many women and children (female or title Master) there were
// and how many survived. A training row does not see its own label (leave-one-out); a new passenger sees them all.
interface GroupStats {
  byKey: Map<string, { n: number; s: number }>;
}
const isWomanOrChild = (p: Passenger): boolean => p.sex === 'female' || titleOf(p.name) === 'Master';
const surnameOf = (p: Passenger): string => p.name.split(',')[0]?.trim() ?? '';
type GroupKey = (p: Passenger) => string[];
const byTicket: GroupKey = (p) => (p.ticket ? [`t:${p.ticket}`] : []);
const byTicketOrSurname: GroupKey = (p) => [
  ...byTicket(p),
  ...(surnameOf(p) ? [`s:${surnameOf(p)}|${p.pclass ?? 0}|${p.embarked ?? ''}`] : []),
];
function fitGroups(rows: LabelledPassenger[], key: GroupKey): GroupStats {
  const byKey = new Map<string, { n: number; s: number }>();
  for (const r of rows) {
    if (!isWomanOrChild(r)) continue;
    for (const k of key(r)) {
      const g = byKey.get(k) ?? { n: 0, s: 0 };
      g.n += 1;
      g.s += r.survived;
      byKey.set(k, g);
    }
  }
  return { byKey };
}
function groupFeatures(g: GroupStats, key: GroupKey, p: Passenger, inTraining: boolean): Record<string, number> {
  const own = inTraining && isWomanOrChild(p) ? 1 : 0;
  const label = own ? (p as LabelledPassenger).survived : 0;
  let n = 0;
  let s = 0;
  const seen = new Set<string>();
  for (const k of key(p)) {
    const found = g.byKey.get(k);
    if (!found || seen.has(k)) continue;
    seen.add(k);
    n += found.n - own;
    s += found.s - label;
  }
  const known = n > 0 ? 1 : 0;
  const rate = known ? s / n : 0.5;
  const male = p.sex === 'male';
  const boy = titleOf(p.name) === 'Master';
  return {
    wcg_known: known,
    wcg_rate: rate - 0.5,
    wcg_all_died: known && s === 0 ? 1 : 0,
    wcg_all_lived: known && s === n ? 1 : 0,
    wcg_died_x_female: known && s === 0 && !male ? 1 : 0,
    wcg_lived_x_boy: known && s === n && boy ? 1 : 0,
  };
}

function matrices(names: string[], train: LabelledPassenger[], test: LabelledPassenger[], key: GroupKey = byTicket) {
  const stats = fitFeatures(train);
  const groups = fitGroups(train, key);
  const row = (f: Record<string, number>): Float64Array => Float64Array.from(names, (n) => f[n] as number);
  const plain = [rawFeatures(stats, true), rawFeatures(stats, false)] as const;
  const encodeTrain = (p: Passenger) => ({ ...plain[0](p), ...groupFeatures(groups, key, p, true) });
  const encodeTest = (p: Passenger) => ({ ...plain[1](p), ...groupFeatures(groups, key, p, false) });
  return { xTrain: train.map((p) => row(encodeTrain(p))), xTest: test.map((p) => row(encodeTest(p))) };
}

/** L2 logistic regression on standardised, range-clipped features; lambda by inner CV (as the trainer does). */
function logistic(names: string[], key: GroupKey = byTicket): Fit {
  return (train, test) => {
    const { xTrain, xTest } = matrices(names, train, test, key);
    const d = names.length;
    const lo = Array.from({ length: d }, (_, j) => Math.min(...xTrain.map((r) => r[j] as number)));
    const hi = Array.from({ length: d }, (_, j) => Math.max(...xTrain.map((r) => r[j] as number)));
    const mean = Array.from({ length: d }, (_, j) => xTrain.reduce((s, r) => s + (r[j] as number), 0) / xTrain.length);
    const std = mean.map(
      (m, j) => Math.sqrt(xTrain.reduce((s, r) => s + ((r[j] as number) - m) ** 2, 0) / xTrain.length) || 1,
    );
    const scale = (r: Float64Array): Float64Array =>
      r.map(
        (v, j) => (Math.min(hi[j] as number, Math.max(lo[j] as number, v)) - (mean[j] as number)) / (std[j] as number),
      );
    const y = train.map((r) => r.survived);
    const xs = xTrain.map(scale);
    const model = fitLogistic(xs, y, chooseLambda(xs, y, 42));
    return xTest.map((r) => predictLogistic(model, scale(r)));
  };
}

function forest(names: string[], opts: Partial<ForestOptions> = {}, key: GroupKey = byTicket): Fit {
  return (train, test) => {
    const { xTrain, xTest } = matrices(names, train, test, key);
    const options: ForestOptions = {
      trees: 100,
      maxDepth: 8,
      minLeaf: 3,
      seed: 42,
      featuresPerSplit: Math.round(Math.sqrt(names.length)),
      ...opts,
    };
    const trees = fitForest(
      xTrain,
      train.map((r) => r.survived),
      options,
    );
    return xTest.map((r) => predictForest(trees, r));
  };
}

/** Probability average of two models. */
function blend(a: Fit, b: Fit, weightA = 0.5): Fit {
  return (train, test) => {
    const pa = a(train, test);
    const pb = b(train, test);
    return pa.map((p, i) => weightA * p + (1 - weightA) * (pb[i] as number));
  };
}

// ---- The candidate list (fixed before any hold-out figure is printed) ----
const CLASSIC = [
  ...['female_1', 'female_2', 'female_3', 'male_1', 'male_2'],
  ...['title_Mrs', 'title_Miss', 'title_Master', 'title_Rare', 'master_x_pclass_3'],
  ...['age', 'age_missing', 'child_x_pclass_12', 'child_x_pclass_3', 'alone', 'large_family'],
  ...['log_fare_per_person', 'cabin_known', 'embarked_C', 'embarked_Q'],
];
const TREE = [
  ...['male', 'pclass', 'age', 'age_missing', 'sibsp', 'parch', 'family_size', 'log_fare', 'ticket_group'],
  ...['log_fare_per_person', 'title_Mr', 'title_Mrs', 'title_Miss', 'title_Master', 'cabin_known', 'embarked_C'],
];
const WCG = ['wcg_known', 'wcg_rate', 'wcg_died_x_female', 'wcg_lived_x_boy'];
const WCG_RULE = ['wcg_died_x_female', 'wcg_lived_x_boy'];
const CURRENT = [
  ...['male', 'pclass_2', 'pclass_3', 'female_x_pclass_3'],
  ...['title_Mr', 'title_Mrs', 'title_Miss', 'title_Master', 'title_Rare'],
  ...['age', 'age_missing', 'child', 'family_size', 'alone', 'large_family', 'log_fare', 'ticket_group'],
  ...['log_fare_per_person', 'cabin_known', 'embarked_C', 'embarked_Q'],
];
const CANDIDATES: Record<string, Fit> = {
  'A  the trainer as built (LR; since session 2 = N)': (train, test) => probabilities(fitModel(train), test),
  'A1 LR, the session-1 trainer features': logistic(CURRENT),
  'B  LR, classic features': logistic(CLASSIC),
  'C  RF 100 trees, depth 8, leaf 3': forest(TREE),
  'D  RF 100 trees, depth 6, leaf 5': forest(TREE, { maxDepth: 6, minLeaf: 5 }),
  'E  0.5 A + 0.5 C': blend((train, test) => probabilities(fitModel(train), test), forest(TREE)),
  'F  0.5 B + 0.5 C': blend(logistic(CLASSIC), forest(TREE)),
  'G  0.5 A + 0.5 D': blend(
    (train, test) => probabilities(fitModel(train), test),
    forest(TREE, { maxDepth: 6, minLeaf: 5 }),
  ),
  'H  LR, classic + ticket_group': logistic([...CLASSIC, 'ticket_group']),
  'I  LR, classic + family_size + log_fare': logistic([...CLASSIC, 'family_size', 'log_fare']),
  'J  RF 200 trees, depth 8, leaf 3, 5 per split': forest(TREE, { trees: 200, featuresPerSplit: 5 }),
  'K  RF 100, classic features': forest(CLASSIC),
  'L  0.5 B + 0.5 D': blend(logistic(CLASSIC), forest(TREE, { maxDepth: 6, minLeaf: 5 })),
  'M  0.6 B + 0.4 C': blend(logistic(CLASSIC), forest(TREE), 0.6),
  // Added in session 2 (a published Kaggle technique, the woman-child-group rule), before their hold-out was scored.
  'N  LR, classic + WCG (ticket)': logistic([...CLASSIC, ...WCG]),
  'O  LR, classic + WCG (ticket or surname)': logistic([...CLASSIC, ...WCG], byTicketOrSurname),
  'P  LR, classic + WCG rule flags (ticket)': logistic([...CLASSIC, ...WCG_RULE]),
  'Q  RF 100, tree + WCG (ticket)': forest([...TREE, ...WCG]),
  'R  0.6 N + 0.4 Q': blend(logistic([...CLASSIC, ...WCG]), forest([...TREE, ...WCG]), 0.6),
  'S  LR, current features + WCG (ticket)': logistic([...CURRENT, ...WCG]),
};
// `--only A,B,N` restricts the run to some candidates (by their letter), e.g. to see new ones quickly.
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
if (onlyArg) {
  const keep = new Set(onlyArg.slice('--only='.length).split(','));
  for (const name of Object.keys(CANDIDATES)) if (!keep.has(name.split(' ')[0] as string)) delete CANDIDATES[name];
}
/** The pick: the highest mean AUC over the repeated CV on the 712 training rows (accuracy breaks ties). */
const SELECTION = 'highest repeated-CV ROC AUC on the 712 training rows';

// ---- Data and splits ----
const rows = parseTrainingSet(readFileSync('trainer/data/train.csv'));
const lines = readFileSync('test/fixtures/titanic/split_ids.csv', 'utf8').trim().split(/\r?\n/).slice(1);
const split = new Map(lines.map((l) => l.split(',').map(Number)).map(([id, h, f]) => [id, { h, f }]));
// `--all`: CV over all 891 rows (reference folds + repeated seeded folds) — a check after the hold-out was reported,
// never the selection itself.
const trainRows = process.argv.includes('--all') ? rows : rows.filter((r) => split.get(r.passengerId)?.h === 0);
const holdoutRows = rows.filter((r) => split.get(r.passengerId)?.h === 1);
const referenceFold = trainRows.map((r) => split.get(r.passengerId)?.f as number);
const REPEAT_SEEDS = [1, 2, 3, 4, 5];

function cv(fit: Fit, fold: number[]): { accuracy: number; rocAuc: number } {
  const total = { accuracy: 0, rocAuc: 0 };
  const splits = foldSplits(fold, 5);
  for (const { train, test } of splits) {
    const s = score(
      fit(
        train.map((i) => trainRows[i] as LabelledPassenger),
        test.map((i) => trainRows[i] as LabelledPassenger),
      ),
      test.map((i) => (trainRows[i] as LabelledPassenger).survived),
    );
    total.accuracy += s.accuracy / splits.length;
    total.rocAuc += s.rocAuc / splits.length;
  }
  return total;
}

const f4 = (v: number): string => v.toFixed(4);
console.log(`rows: ${trainRows.length} training (selection by CV on these only), ${holdoutRows.length} hold-out`);
console.log(`selection rule: ${SELECTION}\n`);
console.log('candidate                                   refCV acc  refCV auc   repCV acc  repCV auc   fit 891 rows');
const results: { name: string; accuracy: number; rocAuc: number }[] = [];
for (const [name, fit] of Object.entries(CANDIDATES)) {
  const ref = cv(fit, referenceFold);
  const repeated = REPEAT_SEEDS.map((seed) =>
    cv(
      fit,
      stratifiedFolds(
        trainRows.map((r) => r.survived),
        5,
        seed,
      ),
    ),
  );
  const rep = {
    accuracy: repeated.reduce((s, r) => s + r.accuracy, 0) / repeated.length,
    rocAuc: repeated.reduce((s, r) => s + r.rocAuc, 0) / repeated.length,
  };
  results.push({ name, ...rep });
  // Timing only (the fit on all 891 rows is not scored): median of 3, after the CV runs warmed the code up.
  const times = [0, 1, 2].map(() => {
    const started = performance.now();
    fit(rows, rows.slice(0, 1));
    return performance.now() - started;
  });
  const ms = (times.sort((a, b) => a - b)[1] as number).toFixed(0);
  console.log(
    `${name.padEnd(42)}  ${f4(ref.accuracy)}     ${f4(ref.rocAuc)}      ${f4(rep.accuracy)}     ${f4(rep.rocAuc)}     ${ms} ms`,
  );
}
const pick = [...results].sort((a, b) => b.rocAuc - a.rocAuc || b.accuracy - a.accuracy)[0] as (typeof results)[0];
console.log(`\npicked by CV: ${pick.name}`);

if (process.argv.includes('--holdout')) {
  console.log('\nhold-out (train on the 712, score the 179), every candidate as listed above:');
  for (const [name, fit] of Object.entries(CANDIDATES)) {
    const s = score(
      fit(trainRows, holdoutRows),
      holdoutRows.map((r) => r.survived),
    );
    console.log(`${name.padEnd(42)}  acc ${f4(s.accuracy)}  auc ${f4(s.rocAuc)}  logloss ${f4(s.logLoss)}`);
  }
}
