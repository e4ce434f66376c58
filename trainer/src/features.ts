// Preprocessing, step 2: feature engineering. `fitFeatures` learns every statistic from the training rows only
// (imputation values, title vocabulary, scaling); `encoder` turns ANY passenger, a training row or a serving
// instance, into the feature vector with the same code, so training and serving cannot drift apart.
import type { LabelledPassenger, Passenger } from './fields';

/** Titles with fewer training rows than this share the `Rare` bucket (as do titles never seen, e.g. `Dona`). */
export const MIN_TITLE_COUNT = 8;
export const RARE_TITLE = 'Rare';
/** Children (the "women and children first" rule) are passengers younger than this. */
export const CHILD_AGE = 14;

// Spelling variants of common titles (French forms, the modern Ms) mean the same thing for this model.
// A Map, not an object literal: a name like "Doe, constructor. J" must not look up Object.prototype's members.
const TITLE_SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['Mlle', 'Miss'],
  ['Ms', 'Miss'],
  ['Mme', 'Mrs'],
  ['the Countess', 'Countess'],
]);

/** Everything learned from the training rows, JSON-serialisable into the artifact. */
export interface FeatureStats {
  /** Kept titles (most frequent first); anything else is RARE_TITLE. */
  titles: string[];
  /** Median age per title (and for RARE_TITLE), used when Age is missing. */
  ageByTitle: [title: string, age: number][];
  ageMedian: number;
  /** Median fare per class 1, 2, 3 (index 0 = class 1), used when Fare is missing. */
  fareByClass: [number, number, number];
  /** The majority sex per title, used when Sex is missing. */
  sexByTitle: [title: string, sex: 'male' | 'female'][];
  pclassMode: 1 | 2 | 3;
  embarkedMode: 'C' | 'Q' | 'S';
  /** Training passengers per ticket number (group travel: families, friends, servants on one ticket). */
  ticketCounts: [ticket: string, passengers: number][];
  /**
   * Per ticket, the training women and children (female, or title Master) on it and how many of them survived:
   * `[members, survivors]`. Aggregates of training labels, so the artifact carries them (see groupOf).
   */
  womenChildrenByTicket: [ticket: string, members: number, survivors: number][];
  /** Per feature: training min/max (values are clipped to it) and mean/std (values are standardised). */
  min: number[];
  max: number[];
  mean: number[];
  std: number[];
}

/** The title in `"Surname, Title. Given names"`, normalised; '' when the name has none. */
export function titleOf(name: string): string {
  // The text between the first comma and a dot, with nothing but other characters in between. Written without
  // overlapping quantifiers: the former /,\s*([^.,]+?)\s*\./ backtracked cubically on a comma followed by many
  // spaces (10 s for a 4,000-space name in a predict request). Same result: blanks around the title are dropped,
  // and an all-blank title keeps its last blank, as the lazy group did.
  const match = /,([^.,]+)\./.exec(name);
  if (!match) return '';
  const between = match[1] as string;
  const title = between.trim() || between.slice(-1);
  return TITLE_SYNONYMS.get(title) ?? title;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function mode<T>(values: T[], fallback: T): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = fallback;
  let bestCount = 0;
  for (const [v, n] of counts) if (n > bestCount) [best, bestCount] = [v, n];
  return best;
}

/** The titles with a one-hot column: all but the most frequent (the base category), plus RARE_TITLE. */
const titleColumns = (titles: readonly string[]): string[] => [...titles.slice(1), RARE_TITLE];

/**
 * The names of the features, in vector order. Titles are one-hot with the most frequent kept title (Mr on the Titanic)
 * as the base category. The features were chosen by cross-validation on the reference training rows only
 * (trainer/scripts/candidates.ts, candidate N); the `wcg_*` ones are the "woman-child group" signal, see groupOf.
 */
export function featureNames(titles: readonly string[]): string[] {
  return [
    ...['female_1', 'female_2', 'female_3', 'male_1', 'male_2'],
    ...titleColumns(titles).map((t) => `title_${t}`),
    'master_x_pclass_3',
    ...['age', 'age_missing', 'child_x_pclass_12', 'child_x_pclass_3', 'alone', 'large_family'],
    ...['log_fare_per_person', 'cabin_known', 'embarked_C', 'embarked_Q'],
    ...['wcg_known', 'wcg_rate', 'wcg_died_x_female', 'wcg_lived_x_boy'],
  ];
}

type Imputation = Omit<FeatureStats, 'min' | 'max' | 'mean' | 'std'>;

/** Lookups built once from the statistics (Maps: a ticket named "constructor" must not hit Object.prototype). */
interface Lookup {
  /** Kept titles; any other title is RARE_TITLE. */
  kept: Set<string>;
  /** Column of each title one-hot, relative to the first; the base title has none. */
  titleColumn: Map<string, number>;
  ageByTitle: Map<string, number>;
  sexByTitle: Map<string, 'male' | 'female'>;
  tickets: Map<string, number>;
  womenChildren: Map<string, readonly [number, number]>;
}

function lookupOf(stats: Imputation): Lookup {
  return {
    kept: new Set(stats.titles),
    titleColumn: new Map(titleColumns(stats.titles).map((t, i) => [t, i])),
    ageByTitle: new Map(stats.ageByTitle),
    sexByTitle: new Map(stats.sexByTitle),
    tickets: new Map(stats.ticketCounts),
    womenChildren: new Map(
      stats.womenChildrenByTicket.map(([ticket, members, survivors]) => [ticket, [members, survivors]]),
    ),
  };
}

/** A passenger as encoded: the label is there for training rows (their own label is left out of group figures). */
export type EncodedPassenger = Passenger & { survived?: 0 | 1 };

const isWomanOrChild = (sex: 'male' | 'female', title: string): boolean => sex === 'female' || title === 'Master';

/**
 * The "woman-child group" signal: families and groups on one ticket largely shared a fate (a mother and her children
 * lived or died together; boys followed their group, not the men). For the women and children travelling on the
 * passenger's ticket, known from training: whether there are any, and the share who survived. A training row does
 * not count itself (leave-one-out), so it sees what a new passenger on that ticket would see.
 */
function groupOf(p: EncodedPassenger, ownMember: boolean, lookup: Lookup): { known: boolean; rate: number } {
  const found = p.ticket ? lookup.womenChildren.get(p.ticket) : undefined;
  if (!found) return { known: false, rate: 0.5 };
  const own = ownMember && p.survived !== undefined ? 1 : 0;
  const members = found[0] - own;
  const survivors = found[1] - (own ? (p.survived as number) : 0);
  return members > 0 ? { known: true, rate: survivors / members } : { known: false, rate: 0.5 };
}

/** Writes the raw (unscaled) features of `p` into `out`. */
function rawFeatures(
  p: EncodedPassenger,
  stats: Imputation,
  lookup: Lookup,
  out: Float64Array,
  inTraining = false,
): void {
  const { titleColumn } = lookup;
  const parsed = titleOf(p.name);
  const title = lookup.kept.has(parsed) ? parsed : RARE_TITLE;
  const sex = p.sex ?? (parsed ? lookup.sexByTitle.get(title) : undefined) ?? 'male';
  const pclass = p.pclass ?? stats.pclassMode;
  const age = p.age ?? lookup.ageByTitle.get(title) ?? stats.ageMedian;
  const family = 1 + (p.sibSp ?? 0) + (p.parch ?? 0);
  const fare = p.fare ?? (stats.fareByClass[pclass - 1] as number);
  const embarked = p.embarked ?? stats.embarkedMode;
  const male = sex === 'male';
  const child = age < CHILD_AGE;
  out.fill(0);
  let i = 0;
  out[i++] = !male && pclass === 1 ? 1 : 0;
  out[i++] = !male && pclass === 2 ? 1 : 0;
  out[i++] = !male && pclass === 3 ? 1 : 0;
  out[i++] = male && pclass === 1 ? 1 : 0;
  out[i++] = male && pclass === 2 ? 1 : 0;
  const column = titleColumn.get(title);
  if (column !== undefined) out[i + column] = 1;
  i += titleColumn.size;
  out[i++] = title === 'Master' && pclass === 3 ? 1 : 0;
  out[i++] = age;
  out[i++] = p.age === undefined ? 1 : 0;
  out[i++] = child && pclass < 3 ? 1 : 0;
  out[i++] = child && pclass === 3 ? 1 : 0;
  out[i++] = family === 1 ? 1 : 0;
  out[i++] = family >= 5 ? 1 : 0;
  // Group size counts this passenger plus the OTHER training passengers on the ticket (a training row is one of them).
  const known = p.ticket ? (lookup.tickets.get(p.ticket) ?? 0) : 0;
  const group = p.ticket ? (inTraining ? known : known + 1) : 1;
  out[i++] = Math.log1p(fare / group);
  out[i++] = p.cabin ? 1 : 0;
  out[i++] = embarked === 'C' ? 1 : 0;
  out[i++] = embarked === 'Q' ? 1 : 0;
  const wcg = groupOf(p, inTraining && isWomanOrChild(sex, title), lookup);
  out[i++] = wcg.known ? 1 : 0;
  out[i++] = wcg.rate - 0.5;
  out[i++] = wcg.known && wcg.rate === 0 && !male ? 1 : 0;
  out[i++] = wcg.known && wcg.rate === 1 && title === 'Master' ? 1 : 0;
}

/** Learns the feature statistics from training rows (and only from them). */
export function fitFeatures(rows: readonly LabelledPassenger[]): FeatureStats {
  const titleCounts = new Map<string, number>();
  for (const row of rows) titleCounts.set(titleOf(row.name), (titleCounts.get(titleOf(row.name)) ?? 0) + 1);
  const titles = [...titleCounts]
    .filter(([t, n]) => t !== '' && t !== RARE_TITLE && n >= MIN_TITLE_COUNT)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([t]) => t);
  const bucket = (row: Passenger): string => (titles.includes(titleOf(row.name)) ? titleOf(row.name) : RARE_TITLE);
  const ages = rows.filter((r) => r.age !== undefined);
  const ageMedian = median(ages.map((r) => r.age as number));
  // Maps, serialised as [key, value] entries: a title or ticket may be any text, "__proto__" and "constructor" too.
  const ageByTitle = new Map<string, number>();
  const sexByTitle = new Map<string, 'male' | 'female'>();
  for (const t of [...titles, RARE_TITLE]) {
    const own = ages.filter((r) => bucket(r) === t).map((r) => r.age as number);
    ageByTitle.set(t, own.length > 0 ? median(own) : ageMedian);
    const sexes = rows.filter((r) => bucket(r) === t && r.sex !== undefined).map((r) => r.sex as 'male' | 'female');
    sexByTitle.set(t, mode(sexes, 'male'));
  }
  const fares = rows.filter((r) => r.fare !== undefined);
  const fareAll = median(fares.map((r) => r.fare as number));
  const fareOf = (c: number): number => {
    const own = fares.filter((r) => r.pclass === c).map((r) => r.fare as number);
    return own.length > 0 ? median(own) : fareAll;
  };
  const tickets = new Map<string, number>();
  for (const row of rows) if (row.ticket) tickets.set(row.ticket, (tickets.get(row.ticket) ?? 0) + 1);
  // The same imputation as rawFeatures, so "is a woman or child" agrees between the counts and the encoding.
  const sexOf = (row: Passenger): 'male' | 'female' =>
    row.sex ?? (titleOf(row.name) ? sexByTitle.get(bucket(row)) : undefined) ?? 'male';
  const womenChildren = new Map<string, [number, number]>();
  for (const row of rows) {
    if (!row.ticket || !isWomanOrChild(sexOf(row), bucket(row))) continue;
    const counts = womenChildren.get(row.ticket) ?? [0, 0];
    counts[0] += 1;
    counts[1] += row.survived;
    womenChildren.set(row.ticket, counts);
  }
  const imputation: Imputation = {
    titles,
    ageByTitle: [...ageByTitle],
    ageMedian,
    fareByClass: [fareOf(1), fareOf(2), fareOf(3)],
    sexByTitle: [...sexByTitle],
    pclassMode: mode(
      rows.filter((r) => r.pclass).map((r) => r.pclass as 1 | 2 | 3),
      3,
    ),
    embarkedMode: mode(
      rows.filter((r) => r.embarked).map((r) => r.embarked as 'C' | 'Q' | 'S'),
      'S',
    ),
    ticketCounts: [...tickets],
    womenChildrenByTicket: [...womenChildren].map(([ticket, [members, survivors]]) => [ticket, members, survivors]),
  };
  const width = featureNames(titles).length;
  const lookup = lookupOf(imputation);
  const raw = rows.map((row) => {
    const out = new Float64Array(width);
    rawFeatures(row, imputation, lookup, out, true);
    return out;
  });
  const stats: FeatureStats = { ...imputation, min: [], max: [], mean: [], std: [] };
  for (let j = 0; j < width; j++) {
    const column = raw.map((x) => x[j] as number);
    const mean = column.reduce((s, v) => s + v, 0) / column.length;
    const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length;
    // A loop, not Math.min(...column): spreading >~125k rows overflows the call stack, and the drop check accepts
    // datasets up to MAX_DATASET_BYTES (~500k rows at 50 MB).
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of column) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    stats.min.push(lo);
    stats.max.push(hi);
    stats.mean.push(mean);
    stats.std.push(Math.sqrt(variance) || 1); // a constant feature stays 0 after scaling
  }
  return stats;
}

/**
 * Returns a function writing the scaled feature vector of a passenger into `out` (length featureNames().length).
 * Everything is precomputed here, so encoding allocates nothing: this runs once per served instance.
 */
export function encoder(
  stats: FeatureStats,
  opts: { trainingRows?: boolean } = {},
): (p: EncodedPassenger, out: Float64Array) => Float64Array {
  const inTraining = opts.trainingRows ?? false;
  const lookup = lookupOf(stats);
  const { min, max, mean, std } = stats;
  const scale = std.map((s) => 1 / s);
  return (p, out) => {
    rawFeatures(p, stats, lookup, out, inTraining);
    for (let j = 0; j < out.length; j++) {
      const v = Math.min(max[j] as number, Math.max(min[j] as number, out[j] as number));
      out[j] = (v - (mean[j] as number)) * (scale[j] as number);
    }
    return out;
  };
}
