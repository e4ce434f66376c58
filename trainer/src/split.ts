// Seeded, stratified splits: the same seed and labels always give the same split, and each part keeps the class
// balance of the whole (Titanic is 38 % survivors; an unstratified 179-row hold-out can drift by several points).

/** mulberry32: a tiny, well-known 32-bit PRNG; enough for shuffling, and identical on every platform. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indices of each class (0, then 1), each list shuffled with the seeded PRNG (Fisher–Yates). */
function shuffledByClass(labels: ArrayLike<number>, seed: number): number[][] {
  const next = random(seed);
  const classes: number[][] = [[], []];
  for (let i = 0; i < labels.length; i++) (classes[labels[i] === 1 ? 1 : 0] as number[]).push(i);
  for (const list of classes) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [list[i], list[j]] = [list[j] as number, list[i] as number];
    }
  }
  return classes;
}

export interface Split {
  train: number[];
  test: number[];
}

/** Holds out `fraction` of each class (rounded) as the test part. Indices come back sorted. */
export function stratifiedHoldout(labels: ArrayLike<number>, fraction: number, seed: number): Split {
  // Marked, then read in order: sorted without a sort, and no spread (a million indices overflow the call stack).
  const held = new Uint8Array(labels.length);
  for (const list of shuffledByClass(labels, seed)) {
    const count = Math.round(list.length * fraction);
    for (let i = 0; i < count; i++) held[list[i] as number] = 1;
  }
  const split: Split = { train: [], test: [] };
  for (let i = 0; i < labels.length; i++) (held[i] ? split.test : split.train).push(i);
  return split;
}

/**
 * FNV-1a (32 bits) of `<seed>:<id>`, mixed by MurmurHash3's finaliser (FNV alone leaves the top bits of short,
 * similar strings uneven), as a fraction of 2^32: a row's place in the id-keyed hold-out.
 */
function idKey(seed: number, id: number): number {
  const text = `${seed}:${id}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * The hold-out keyed by row id: a row is held out when the hash of `<seed>:<id>` falls in the lowest `fraction`, so
 * the same id is held out in every file it appears in — a later model never trained on an earlier hold-out's rows,
 * and the serving model can be scored like for like on a new file's hold-out (docs/trainer-contract.md section 7).
 * Not stratified: the hold-out's class balance follows the hash (about ±3.6 points for 178 rows).
 */
export function holdoutById(ids: ArrayLike<number>, fraction: number, seed: number): Split {
  const split: Split = { train: [], test: [] };
  for (let i = 0; i < ids.length; i++) (idKey(seed, ids[i] as number) < fraction ? split.test : split.train).push(i);
  return split;
}

/**
 * `fraction` of each class (rounded), drawn with the seeded PRNG: sorted row indices. A partial Fisher–Yates (only
 * the drawn places are shuffled), so a sample of 2,000 from a million rows costs one pass, not a full shuffle: for
 * sub-samples of large sets (the lambda search's), not for the evaluation's splits.
 */
export function stratifiedSample(labels: ArrayLike<number>, fraction: number, seed: number): Int32Array {
  const next = random(seed);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const classes = [new Int32Array(labels.length - positives), new Int32Array(positives)];
  const filled = [0, 0];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] === 1 ? 1 : 0;
    (classes[c] as Int32Array)[(filled[c] as number)++] = i;
  }
  const held = new Uint8Array(labels.length);
  let total = 0;
  for (const list of classes) {
    const count = Math.round(list.length * fraction);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(next() * (list.length - i));
      const picked = list[j] as number;
      list[j] = list[i] as number;
      list[i] = picked;
      held[picked] = 1;
    }
    total += count;
  }
  const sample = new Int32Array(total);
  for (let i = 0, k = 0; i < labels.length; i++) if (held[i]) sample[k++] = i;
  return sample;
}

/** Assigns every row a fold 0..k-1, dealing each shuffled class round-robin so folds differ by at most one row. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): number[] {
  const fold = new Array<number>(labels.length).fill(0);
  let dealt = 0;
  for (const list of shuffledByClass(labels, seed)) for (const i of list) fold[i] = dealt++ % k;
  return fold;
}

/** The train/test index lists of each fold. */
export function foldSplits(fold: readonly number[], k: number): Split[] {
  const splits = Array.from({ length: k }, (): Split => ({ train: [], test: [] }));
  fold.forEach((g, i) => {
    for (let f = 0; f < k; f++) (g === f ? (splits[f] as Split).test : (splits[f] as Split).train).push(i);
  });
  return splits;
}
