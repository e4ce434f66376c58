// Classification figures for a vector of probabilities against 0/1 labels. Values are rounded (6 decimals) so
// metrics.json reads well and compares exactly between runs.

export interface Confusion {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Passengers with p >= threshold are predicted survivors (the first point predicts nobody). */
  threshold: number;
}

export interface Scores {
  rows: number;
  accuracy: number;
  rocAuc: number;
  logLoss: number;
  confusion: Confusion;
}

export const round = (v: number, digits = 6): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f + 0; // + 0 turns -0 into 0
};

/** Row order by probability, highest first (ties by index, for determinism). */
function byScore(p: ArrayLike<number>): number[] {
  return Array.from({ length: p.length }, (_, i) => i).sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
}

/** The distinct scores, highest first, each with how many survivors (`positive`) and others have it. */
interface ScoreGroups {
  count: number;
  value: Float64Array;
  positive: Int32Array;
  negative: Int32Array;
}

/**
 * The rows grouped by equal score, highest first: what the ROC curve and its area are computed from (the order of
 * the rows inside a group does not matter to either). Finite scores: the survivors' and the others' scores sorted
 * as numbers (a typed-array sort, no comparator) and merged. Otherwise the rows in byScore order, a NaN a group of
 * its own.
 */
function scoreGroups(p: ArrayLike<number>, y: ArrayLike<number>): ScoreGroups {
  const n = p.length;
  const groups: ScoreGroups = {
    count: 0,
    value: new Float64Array(n),
    positive: new Int32Array(n),
    negative: new Int32Array(n),
  };
  const add = (value: number, positive: number, negative: number): void => {
    const g = groups.count++;
    [groups.value[g], groups.positive[g], groups.negative[g]] = [value, positive, negative];
  };
  let finite = true;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(p[i])) finite = false;
    if (y[i] === 1) positives++;
  }
  if (!finite) {
    const order = byScore(p);
    for (let i = 0; i < n;) {
      const value = p[order[i] as number] as number;
      let [pos, neg] = [0, 0];
      do {
        if (y[order[i] as number] === 1) pos++;
        else neg++;
        i++;
      } while (i < n && p[order[i] as number] === value);
      add(value, pos, neg);
    }
    return groups;
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (y[i] === 1) pos[a++] = p[i] as number;
    else neg[b++] = p[i] as number;
  }
  pos.sort();
  neg.sort();
  // From the top of both: the larger head is the next score; every row equal to it (in either list) joins it.
  for (let a = pos.length - 1, b = neg.length - 1; a >= 0 || b >= 0;) {
    const value =
      b < 0 || (a >= 0 && (pos[a] as number) > (neg[b] as number)) ? (pos[a] as number) : (neg[b] as number);
    let [inPos, inNeg] = [0, 0];
    for (; a >= 0 && pos[a] === value; a--) inPos++;
    for (; b >= 0 && neg[b] === value; b--) inNeg++;
    add(value, inPos, inNeg);
  }
  return groups;
}

/** Area under the ROC curve: the probability a random survivor scores above a random non-survivor (ties count 1/2). */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  // A model that scores NaN has no ranking: the metric is undefined (the quality gate refuses NaN).
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return NaN;
  const groups = scoreGroups(p, y);
  let positives = 0;
  let negatives = 0;
  let area = 0;
  for (let g = 0; g < groups.count; g++) {
    const pos = groups.positive[g] as number;
    const neg = groups.negative[g] as number;
    area += neg * (positives + pos / 2);
    positives += pos;
    negatives += neg;
  }
  return positives === 0 || negatives === 0 ? NaN : area / (positives * negatives);
}

/** At most `maxPoints` points of the ROC curve, from (0,0) to (1,1), evenly spread over the thresholds. */
export function rocCurve(p: ArrayLike<number>, y: ArrayLike<number>, maxPoints = 50): RocPoint[] {
  const groups = scoreGroups(p, y);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  const negatives = y.length - positives;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: 1 }];
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < groups.count; g++) {
    tp += groups.positive[g] as number;
    fp += groups.negative[g] as number;
    points.push({ fpr: fp / (negatives || 1), tpr: tp / (positives || 1), threshold: groups.value[g] as number });
  }
  const kept =
    points.length <= maxPoints
      ? points
      : Array.from(
          { length: maxPoints },
          (_, k) => points[Math.round((k * (points.length - 1)) / (maxPoints - 1))] as RocPoint,
        );
  return kept.map((pt) => ({ fpr: round(pt.fpr, 4), tpr: round(pt.tpr, 4), threshold: round(pt.threshold, 4) }));
}

/** Accuracy, ROC AUC, log loss and the confusion matrix at the 0.5 threshold. */
export function score(p: ArrayLike<number>, y: ArrayLike<number>): Scores {
  const c: Confusion = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  let loss = 0;
  for (let i = 0; i < p.length; i++) {
    const prob = Math.min(1 - 1e-15, Math.max(1e-15, p[i] as number));
    const label = y[i] as number;
    loss -= label === 1 ? Math.log(prob) : Math.log(1 - prob);
    if (prob >= 0.5) c[label === 1 ? 'truePositive' : 'falsePositive']++;
    else c[label === 1 ? 'falseNegative' : 'trueNegative']++;
  }
  return {
    rows: p.length,
    accuracy: round((c.truePositive + c.trueNegative) / p.length),
    rocAuc: round(rocAuc(p, y)),
    logLoss: round(loss / p.length),
    confusion: c,
  };
}
