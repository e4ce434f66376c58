// Preprocessing, step 2: feature engineering. `fitFeatures` learns every statistic from the training rows only
// (imputation values, title vocabulary, scaling); `encoder` turns ANY passenger, a training row or a serving
// instance, into the feature vector with the same code, so training and serving cannot drift apart.
import {
  PORT_CODES,
  SEX_CODES,
  TableBuilder,
  type LabelledPassenger,
  type Passenger,
  type PassengerTable,
} from './fields';
import { baseRow, PROBE_ROWS, type Matrix, type SparseRows } from './logistic';

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
export type EncodedPassenger = Passenger & { survived?: 0 | 1; passengerId?: number };

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

/** The port codes of PORT_CODES. */
const PORT = { C: 1, Q: 2, S: 3 } as const;

/**
 * Writes one passenger's raw (unscaled) features at `out[o..]`, from its resolved values: the one place the feature
 * vector is laid out, for serving (one object) and training (columns) alike. `titleColumn` is -1 for the base title.
 */
function writeRaw(
  out: Float64Array,
  o: number,
  titleColumns: number,
  titleColumn: number,
  master: boolean,
  male: boolean,
  pclass: number,
  age: number,
  ageMissing: boolean,
  family: number,
  fare: number,
  group: number,
  cabin: boolean,
  embarked: number,
  wcgKnown: boolean,
  wcgRate: number,
): void {
  const child = age < CHILD_AGE;
  let i = o;
  out[i++] = !male && pclass === 1 ? 1 : 0;
  out[i++] = !male && pclass === 2 ? 1 : 0;
  out[i++] = !male && pclass === 3 ? 1 : 0;
  out[i++] = male && pclass === 1 ? 1 : 0;
  out[i++] = male && pclass === 2 ? 1 : 0;
  for (let t = 0; t < titleColumns; t++) out[i + t] = t === titleColumn ? 1 : 0;
  i += titleColumns;
  out[i++] = master && pclass === 3 ? 1 : 0;
  out[i++] = age;
  out[i++] = ageMissing ? 1 : 0;
  out[i++] = child && pclass < 3 ? 1 : 0;
  out[i++] = child && pclass === 3 ? 1 : 0;
  out[i++] = family === 1 ? 1 : 0;
  out[i++] = family >= 5 ? 1 : 0;
  out[i++] = Math.log1p(fare / group);
  out[i++] = cabin ? 1 : 0;
  out[i++] = embarked === PORT.C ? 1 : 0;
  out[i++] = embarked === PORT.Q ? 1 : 0;
  out[i++] = wcgKnown ? 1 : 0;
  out[i++] = wcgRate - 0.5;
  out[i++] = wcgKnown && wcgRate === 0 && !male ? 1 : 0;
  out[i++] = wcgKnown && wcgRate === 1 && master ? 1 : 0;
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
  // Group size counts this passenger plus the OTHER training passengers on the ticket (a training row is one of them).
  const known = p.ticket ? (lookup.tickets.get(p.ticket) ?? 0) : 0;
  const wcg = groupOf(p, inTraining && isWomanOrChild(sex, title), lookup);
  writeRaw(
    out,
    0,
    titleColumn.size,
    titleColumn.get(title) ?? -1,
    title === 'Master',
    sex === 'male',
    pclass,
    p.age ?? lookup.ageByTitle.get(title) ?? stats.ageMedian,
    p.age === undefined,
    1 + (p.sibSp ?? 0) + (p.parch ?? 0),
    p.fare ?? (stats.fareByClass[pclass - 1] as number),
    p.ticket ? (inTraining ? known : known + 1) : 1,
    p.cabin !== '',
    PORT[p.embarked ?? stats.embarkedMode],
    wcg.known,
    wcg.rate,
  );
}

/** The lookups of `stats` per title id and per ticket id of one table (arrays: no hashing per row). */
interface TableLookup {
  titleColumns: number;
  /** Per title id: its one-hot column (-1 for the base title), whether it is Master, and imputed sex / age. */
  column: Int32Array;
  master: Uint8Array;
  /** SEX_CODES index; 0 when the name has no title (then the passenger is taken as male). */
  sex: Uint8Array;
  age: Float64Array;
  /** Per ticket id: training passengers, women and children, and their survivors (-1: none known). */
  passengers: Int32Array;
  members: Int32Array;
  survivors: Int32Array;
}

/** Per ticket id of a table: training passengers, women and children (-1: none known) and their survivors. */
type TicketCounts = Pick<TableLookup, 'passengers' | 'members' | 'survivors'>;

/** The ticket lookups of `stats` for the tickets of `table` (hashing every ticket: a table the stats did not see). */
function ticketCountsOf(stats: Imputation, table: PassengerTable): TicketCounts {
  const tickets = new Map(stats.ticketCounts);
  const womenChildren = new Map(
    stats.womenChildrenByTicket.map(([ticket, members, survivors]) => [ticket, [members, survivors]] as const),
  );
  const result: TicketCounts = {
    passengers: new Int32Array(table.tickets.length),
    members: new Int32Array(table.tickets.length).fill(-1),
    survivors: new Int32Array(table.tickets.length),
  };
  table.tickets.forEach((ticket, k) => {
    result.passengers[k] = tickets.get(ticket) ?? 0;
    const found = womenChildren.get(ticket);
    if (found) [result.members[k], result.survivors[k]] = found;
  });
  return result;
}

function tableLookup(stats: Imputation, table: PassengerTable, tickets: TicketCounts): TableLookup {
  const kept = new Set(stats.titles);
  const titleColumn = new Map(titleColumns(stats.titles).map((t, i) => [t, i]));
  const ageByTitle = new Map(stats.ageByTitle);
  const sexByTitle = new Map(stats.sexByTitle);
  const titles = table.titles.length;
  const bucket = (t: number): string => {
    const parsed = table.titles[t] as string;
    return kept.has(parsed) ? parsed : RARE_TITLE;
  };
  return {
    titleColumns: titleColumn.size,
    column: Int32Array.from({ length: titles }, (_, t) => titleColumn.get(bucket(t)) ?? -1),
    master: Uint8Array.from({ length: titles }, (_, t) => (bucket(t) === 'Master' ? 1 : 0)),
    sex: Uint8Array.from({ length: titles }, (_, t) =>
      table.titles[t] ? SEX_CODES.indexOf(sexByTitle.get(bucket(t))) : 0,
    ),
    age: Float64Array.from({ length: titles }, (_, t) => ageByTitle.get(bucket(t)) ?? stats.ageMedian),
    ...tickets,
  };
}

/**
 * Writes the raw features of rows `rows[from..to)` of `table` into `out` (row-major, `width` per row, from offset
 * 0): the same values as rawFeatures on each row as an object. `inTraining`: the rows are the training rows of
 * `stats` (see groupOf).
 */
function rawTable(
  stats: Imputation,
  lookup: TableLookup,
  table: PassengerTable,
  rows: ArrayLike<number>,
  inTraining: boolean,
  out: Float64Array,
  width: number,
  from = 0,
  to = rows.length,
): void {
  const sexModeOf = (s: number): boolean => s !== 2; // male unless female
  for (let r = from; r < to; r++) {
    const i = rows[r] as number;
    const t = table.title[i] as number;
    const sexCode = (table.sex[i] as number) || (lookup.sex[t] as number);
    const male = sexModeOf(sexCode);
    const master = lookup.master[t] === 1;
    const pclass = (table.pclass[i] as number) || stats.pclassMode;
    const age = table.age[i] as number;
    const sibSp = table.sibSp[i] as number;
    const parch = table.parch[i] as number;
    const fare = table.fare[i] as number;
    const k = table.ticket[i] as number;
    const known = k >= 0 ? (lookup.passengers[k] as number) : 0;
    let wcgKnown = false;
    let wcgRate = 0.5;
    const found = k >= 0 ? (lookup.members[k] as number) : -1;
    if (found >= 0) {
      const own = inTraining && (!male || master) ? 1 : 0;
      const members = found - own;
      const survivors = (lookup.survivors[k] as number) - (own ? (table.survived[i] as number) : 0);
      if (members > 0) [wcgKnown, wcgRate] = [true, survivors / members];
    }
    writeRaw(
      out,
      (r - from) * width,
      lookup.titleColumns,
      lookup.column[t] as number,
      master,
      male,
      pclass,
      Number.isNaN(age) ? (lookup.age[t] as number) : age,
      Number.isNaN(age),
      1 + (Number.isNaN(sibSp) ? 0 : sibSp) + (Number.isNaN(parch) ? 0 : parch),
      Number.isNaN(fare) ? (stats.fareByClass[pclass - 1] as number) : fare,
      k >= 0 ? (inTraining ? known : known + 1) : 1,
      table.cabin[i] === 1,
      (table.embarked[i] as number) || PORT[stats.embarkedMode],
      wcgKnown,
      wcgRate,
    );
  }
}

/** Row indices 0..n-1. */
export const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** A table of row objects (the row-object API's way into the columnar code); a row without an id gets 0. */
export function tableOf(rows: readonly EncodedPassenger[]): PassengerTable {
  const builder = new TableBuilder(titleOf);
  for (const p of rows) {
    builder.add(
      p.passengerId ?? 0,
      p.survived,
      p.pclass,
      p.name,
      p.sex,
      p.age,
      p.sibSp,
      p.parch,
      p.ticket,
      p.fare,
      p.cabin,
      p.embarked,
    );
  }
  return builder.build();
}

/**
 * Moves the k-th smallest value of `a` to `a[k]`, smaller or equal ones before it, larger or equal ones after
 * (Hoare's selection, middle pivot): linear time where a sort of a million ages is n log n, and the same value.
 */
function select(a: Float64Array, k: number): number {
  let [lo, hi] = [0, a.length - 1];
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let [i, j] = [lo, hi];
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // a[j+1..i-1] all equal the pivot, and k is among them
  }
  return a[k] as number;
}

/** The median of `values` (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: Float64Array | number[]): number {
  if (values.length === 0) return NaN;
  const a = Float64Array.from(values);
  const mid = a.length >> 1;
  const upper = select(a, mid);
  if (a.length % 2) return upper;
  // After the selection a[0..mid-1] holds the mid smallest values: the lower middle one is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/** The most frequent code 1..counts.length-1; ties go to the one seen first (`order`); `fallback` when none. */
function modeOf<T>(counts: number[], order: number[], names: readonly T[], fallback: T): T {
  let best = fallback;
  let bestCount = 0;
  for (const code of order)
    if ((counts[code] as number) > bestCount) [best, bestCount] = [names[code] as T, counts[code] as number];
  return best;
}

/** Adds 1 at `i`; returns the count before. */
function bump(counts: number[], i: number): number {
  const before = counts[i] as number;
  counts[i] = before + 1;
  return before;
}

/** Offsets of consecutive groups of the sizes `counts` (one more than groups: the end). */
function offsets(counts: Int32Array): Int32Array {
  const at = new Int32Array(counts.length + 1);
  for (let g = 0; g < counts.length; g++) at[g + 1] = (at[g] as number) + (counts[g] as number);
  return at;
}

/** The imputation statistics learned from rows `rows` of `table`, and their lookups over the table's ids. */
function learnImputation(
  table: PassengerTable,
  rows: ArrayLike<number>,
): { imputation: Imputation; lookup: TableLookup; width: number } {
  const n = rows.length;
  const titleCounts = new Int32Array(table.titles.length);
  for (let r = 0; r < n; r++) {
    const t = table.title[rows[r] as number] as number;
    titleCounts[t] = (titleCounts[t] as number) + 1;
  }
  const titles = table.titles
    .map((t, id) => [t, titleCounts[id] as number] as const)
    .filter(([t, count]) => t !== '' && t !== RARE_TITLE && count >= MIN_TITLE_COUNT)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([t]) => t);
  const buckets = [...titles, RARE_TITLE];
  const keptAt = new Map(titles.map((t, b) => [t, b]));
  const bucketOf = Int32Array.from(table.titles, (t) => keptAt.get(t) ?? titles.length);
  // Known ages per bucket and fares per class (0: no class), counted first, then gathered into one typed array each,
  // grouped: no lists growing by a million values. A median does not depend on the order of its values.
  const ageCounts = new Int32Array(buckets.length);
  const fareCounts = new Int32Array(4);
  for (let r = 0; r < n; r++) {
    const i = rows[r] as number;
    if (!Number.isNaN(table.age[i])) {
      const b = bucketOf[table.title[i] as number] as number;
      ageCounts[b] = (ageCounts[b] as number) + 1;
    }
    if (!Number.isNaN(table.fare[i])) {
      const c = table.pclass[i] as number;
      fareCounts[c] = (fareCounts[c] as number) + 1;
    }
  }
  const ageAt = offsets(ageCounts);
  const fareAt = offsets(fareCounts);
  const ageFill = ageAt.slice(0, -1);
  const fareFill = fareAt.slice(0, -1);
  const allAges = new Float64Array(ageAt[buckets.length] as number);
  const allFares = new Float64Array(fareAt[4] as number);
  // Per bucket: sexes (counted in order of first appearance, as a tie goes to the first seen).
  const sexCounts = buckets.map(() => [0, 0, 0]);
  const sexOrder: number[][] = buckets.map(() => []);
  const pclassCounts = [0, 0, 0, 0];
  const pclassOrder: number[] = [];
  const portCounts = [0, 0, 0, 0];
  const portOrder: number[] = [];
  for (let r = 0; r < n; r++) {
    const i = rows[r] as number;
    const b = bucketOf[table.title[i] as number] as number;
    const age = table.age[i] as number;
    if (!Number.isNaN(age)) allAges[(ageFill[b] as number)++] = age;
    const sex = table.sex[i] as number;
    if (sex) {
      const counts = sexCounts[b] as number[];
      if (bump(counts, sex) === 0) (sexOrder[b] as number[]).push(sex);
    }
    const fare = table.fare[i] as number;
    const pclass = table.pclass[i] as number;
    if (!Number.isNaN(fare)) allFares[(fareFill[pclass] as number)++] = fare;
    if (pclass && bump(pclassCounts, pclass) === 0) pclassOrder.push(pclass);
    const port = table.embarked[i] as number;
    if (port && bump(portCounts, port) === 0) portOrder.push(port);
  }
  const agesOf = (b: number): Float64Array => allAges.subarray(ageAt[b], ageAt[b + 1]);
  const faresOf = (c: number): Float64Array => allFares.subarray(fareAt[c], fareAt[c + 1]);
  const ageMedian = median(allAges);
  // Maps, serialised as [key, value] entries: a title or ticket may be any text, "__proto__" and "constructor" too.
  const ageByTitle = buckets.map((t, b): [string, number] => [t, ageCounts[b] ? median(agesOf(b)) : ageMedian]);
  const sexByTitle = buckets.map((t, b): [string, 'male' | 'female'] => [
    t,
    modeOf(sexCounts[b] as number[], sexOrder[b] as number[], SEX_CODES, 'male') as 'male' | 'female',
  ]);
  const fareAll = median(allFares);
  const fareOf = (c: number): number => (fareCounts[c] ? median(faresOf(c)) : fareAll);
  // Per ticket (in order of first appearance): passengers, and the women and children with their survivors. The
  // same imputation of sex as the encoding, so "is a woman or child" agrees between the counts and the features.
  const sexFallback = buckets.map((_, b) => (sexByTitle[b] as [string, string])[1]);
  const tickets = new Int32Array(table.tickets.length);
  const ticketOrder = new Int32Array(table.tickets.length);
  let ticketsSeen = 0;
  const members = new Int32Array(table.tickets.length);
  const survivors = new Int32Array(table.tickets.length);
  const memberOrder = new Int32Array(table.tickets.length);
  let membersSeen = 0;
  for (let r = 0; r < n; r++) {
    const i = rows[r] as number;
    const k = table.ticket[i] as number;
    if (k < 0) continue;
    const passengers = tickets[k] as number;
    tickets[k] = passengers + 1;
    if (passengers === 0) ticketOrder[ticketsSeen++] = k;
    const t = table.title[i] as number;
    const b = bucketOf[t] as number;
    const sex = SEX_CODES[table.sex[i] as number] ?? (table.titles[t] ? sexFallback[b] : undefined) ?? 'male';
    if (!isWomanOrChild(sex as 'male' | 'female', buckets[b] as string)) continue;
    const before = members[k] as number;
    members[k] = before + 1;
    if (before === 0) memberOrder[membersSeen++] = k;
    survivors[k] = (survivors[k] as number) + (table.survived[i] as number);
  }
  const imputation: Imputation = {
    titles,
    ageByTitle,
    ageMedian,
    fareByClass: [fareOf(1), fareOf(2), fareOf(3)],
    sexByTitle,
    pclassMode: modeOf(pclassCounts, pclassOrder, [0, 1, 2, 3] as const, 3) as 1 | 2 | 3,
    embarkedMode: modeOf(portCounts, portOrder, PORT_CODES, 'S') as 'C' | 'Q' | 'S',
    ticketCounts: Array.from(ticketOrder.subarray(0, ticketsSeen), (k) => [
      table.tickets[k] as string,
      tickets[k] as number,
    ]),
    womenChildrenByTicket: Array.from(memberOrder.subarray(0, membersSeen), (k) => [
      table.tickets[k] as string,
      members[k] as number,
      survivors[k] as number,
    ]),
  };
  // The ticket counts as arrays over this table's ticket ids: the same figures as ticketCountsOf, without hashing.
  for (let k = 0; k < members.length; k++) if (members[k] === 0) members[k] = -1;
  const lookup = tableLookup(imputation, table, { passengers: tickets, members, survivors });
  return { imputation, lookup, width: featureNames(titles).length };
}

/** What fitTableFeatures learns: the statistics, the training rows encoded, and an encoding of other rows. */
export interface FittedFeatures<X> {
  stats: FeatureStats;
  x: X;
  /** Other rows of the same table (not trained on) under these stats: encodeTable without hashing the tickets. */
  encodeRows: (rows: ArrayLike<number>) => Matrix;
}

/**
 * Learns the feature statistics from rows `rows` of `table` (and only from them); also returns their encoding, a
 * dense Matrix (fitTableFeaturesSparse builds the sparse form of many rows without it).
 */
export function fitTableFeatures(
  table: PassengerTable,
  rows: ArrayLike<number> = allRows(table.length),
): FittedFeatures<Matrix> {
  const n = rows.length;
  const { imputation, lookup, width } = learnImputation(table, rows);
  const data = new Float64Array(n * width);
  rawTable(imputation, lookup, table, rows, true, data, width);
  const stats: FeatureStats = { ...imputation, min: [], max: [], mean: [], std: [] };
  // Row by row (the matrix's order), each column summed in row order as before.
  const sum = new Float64Array(width);
  const lo = new Float64Array(width).fill(Infinity);
  const hi = new Float64Array(width).fill(-Infinity);
  for (let o = 0; o < data.length; o += width) {
    for (let j = 0; j < width; j++) {
      const v = data[o + j] as number;
      sum[j] = (sum[j] as number) + v;
      if (v < (lo[j] as number)) lo[j] = v;
      if (v > (hi[j] as number)) hi[j] = v;
    }
  }
  const mean = sum.map((s) => s / n);
  const squares = new Float64Array(width);
  for (let o = 0; o < data.length; o += width) {
    for (let j = 0; j < width; j++)
      squares[j] = (squares[j] as number) + ((data[o + j] as number) - (mean[j] as number)) ** 2;
  }
  for (let j = 0; j < width; j++) {
    stats.min.push(lo[j] as number);
    stats.max.push(hi[j] as number);
    stats.mean.push(mean[j] as number);
    stats.std.push(Math.sqrt((squares[j] as number) / n) || 1); // a constant feature stays 0 after scaling
  }
  scaleInPlace(stats, data, width);
  const encodeRows = (other: ArrayLike<number>): Matrix => encodeWith(stats, lookup, table, other);
  return { stats, x: { data, rows: n, cols: width }, encodeRows };
}

/** Rows encoded per block by the sparse build (a reused buffer of BLOCK_ROWS × width raw values). */
const BLOCK_ROWS = 4096;

/** Grows a typed array to at least `length` (doubling), keeping its contents. */
function ensure<T extends Float64Array | Uint16Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * fitTableFeatures for many rows, with the training rows in sparse form (what fitLogisticSparse computes on): the
 * same statistics and scaled values, without the dense n × width matrix (250 MB at a million rows, and four passes
 * over it). The base row is the most frequent raw value per column among evenly spaced probe rows (scaling is
 * increasing per column, so it is the most frequent scaled value too); each row keeps the entries that differ from
 * it, as raw offsets u, from which the column statistics follow (mean = base + Σu / n, the variance from the
 * offsets' own spread); the offsets are then scaled (u / std), the base standardised. No clipping is needed: the
 * training rows lie inside their own min/max.
 */
export function fitTableFeaturesSparse(
  table: PassengerTable,
  rows: ArrayLike<number> = allRows(table.length),
): FittedFeatures<SparseRows> {
  const n = rows.length;
  const { imputation, lookup, width } = learnImputation(table, rows);
  const step = Math.max(1, Math.floor(n / PROBE_ROWS));
  const probeRows = Int32Array.from({ length: Math.ceil(n / step) }, (_, k) => rows[k * step] as number);
  const probe = new Float64Array(probeRows.length * width);
  rawTable(imputation, lookup, table, probeRows, true, probe, width);
  const base = baseRow({ data: probe, rows: probeRows.length, cols: width }, probeRows.length);
  const block = new Float64Array(Math.min(n, BLOCK_ROWS) * width);
  const start = new Int32Array(n + 1);
  let column = new Uint16Array(n * 6);
  let value = new Float64Array(n * 6);
  let nnz = 0;
  // Min/max of the values as they are written (the base's too: a probe row has it).
  const lo = Float64Array.from(base);
  const hi = Float64Array.from(base);
  for (let from = 0; from < n; from += BLOCK_ROWS) {
    const to = Math.min(n, from + BLOCK_ROWS);
    rawTable(imputation, lookup, table, rows, true, block, width, from, to);
    [column, value] = [ensure(column, nnz + (to - from) * width), ensure(value, nnz + (to - from) * width)];
    for (let r = from, o = 0; r < to; r++, o += width) {
      for (let j = 0; j < width; j++) {
        const v = block[o + j] as number;
        if (v === base[j]) continue;
        if (v < (lo[j] as number)) lo[j] = v;
        else if (v > (hi[j] as number)) hi[j] = v;
        column[nnz] = j + 1; // parameter index (0 is the intercept)
        value[nnz++] = v - (base[j] as number);
      }
      start[r + 1] = nnz;
    }
  }
  // Mean and variance from the offsets: Σu and how many rows have one.
  const count = new Float64Array(width);
  const sumU = new Float64Array(width);
  for (let e = 0; e < nnz; e++) {
    const j = (column[e] as number) - 1;
    count[j] = (count[j] as number) + 1;
    sumU[j] = (sumU[j] as number) + (value[e] as number);
  }
  const meanU = sumU.map((s) => s / n);
  // Σ(x - mean)² = Σ over the offsets (u - ū)², plus the rows at the base, each (0 - ū)².
  const squares = Float64Array.from(meanU, (m, j) => (n - (count[j] as number)) * m * m);
  for (let e = 0; e < nnz; e++) {
    const j = (column[e] as number) - 1;
    squares[j] = (squares[j] as number) + ((value[e] as number) - (meanU[j] as number)) ** 2;
  }
  const stats: FeatureStats = { ...imputation, min: [], max: [], mean: [], std: [] };
  const scale = new Float64Array(width);
  const scaledBase = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const mean = (base[j] as number) + (meanU[j] as number);
    const std = Math.sqrt((squares[j] as number) / n) || 1; // a constant feature stays 0 after scaling
    stats.min.push(lo[j] as number);
    stats.max.push(hi[j] as number);
    stats.mean.push(mean);
    stats.std.push(std);
    scale[j] = 1 / std;
    scaledBase[j] = ((base[j] as number) - mean) * (scale[j] as number);
  }
  for (let e = 0; e < nnz; e++) value[e] = (value[e] as number) * (scale[(column[e] as number) - 1] as number);
  const x: SparseRows = {
    rows: n,
    cols: width,
    base: scaledBase,
    start,
    column: column.subarray(0, nnz),
    value: value.subarray(0, nnz),
  };
  const encodeRows = (other: ArrayLike<number>): Matrix => encodeWith(stats, lookup, table, other);
  return { stats, x, encodeRows };
}

/** Clips each value to its training range and standardises it, as `encoder` does. */
function scaleInPlace(stats: FeatureStats, data: Float64Array, width: number): void {
  const { min, max, mean, std } = stats;
  const scale = std.map((s) => 1 / s);
  for (let o = 0; o < data.length; o += width) {
    for (let j = 0; j < width; j++) {
      const v = Math.min(max[j] as number, Math.max(min[j] as number, data[o + j] as number));
      data[o + j] = (v - (mean[j] as number)) * (scale[j] as number);
    }
  }
}

function encodeWith(stats: FeatureStats, lookup: TableLookup, table: PassengerTable, rows: ArrayLike<number>): Matrix {
  const width = featureNames(stats.titles).length;
  const data = new Float64Array(rows.length * width);
  rawTable(stats, lookup, table, rows, false, data, width);
  scaleInPlace(stats, data, width);
  return { data, rows: rows.length, cols: width };
}

/** The scaled feature vectors of rows `rows` of `table` under `stats` (rows not trained on: the serving encoding). */
export function encodeTable(stats: FeatureStats, table: PassengerTable, rows: ArrayLike<number>): Matrix {
  return encodeWith(stats, tableLookup(stats, table, ticketCountsOf(stats, table)), table, rows);
}

/** Learns the feature statistics from training rows (and only from them). */
export function fitFeatures(rows: readonly LabelledPassenger[]): FeatureStats {
  return fitTableFeatures(tableOf(rows)).stats;
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
