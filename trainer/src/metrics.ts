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

/** Area under the ROC curve: the probability a random survivor scores above a random non-survivor (ties count 1/2). */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  // A model that scores NaN has no ranking: the metric is undefined (the quality gate refuses NaN).
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return NaN;
  const order = byScore(p);
  let positives = 0;
  let negatives = 0;
  let area = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let pos = 0;
    let neg = 0;
    // One row at least per group: a NaN equals nothing, not even itself, and must not stall the loop.
    do {
      if (y[order[j] as number] === 1) pos++;
      else neg++;
      j++;
    } while (j < order.length && p[order[j] as number] === p[order[i] as number]);
    area += neg * (positives + pos / 2);
    positives += pos;
    negatives += neg;
    i = j;
  }
  return positives === 0 || negatives === 0 ? NaN : area / (positives * negatives);
}

/** At most `maxPoints` points of the ROC curve, from (0,0) to (1,1), evenly spread over the thresholds. */
export function rocCurve(p: ArrayLike<number>, y: ArrayLike<number>, maxPoints = 50): RocPoint[] {
  const order = byScore(p);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  const negatives = y.length - positives;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: 1 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const idx = order[i] as number;
    if (y[idx] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && p[next] === p[idx]) continue;
    points.push({ fpr: fp / (negatives || 1), tpr: tp / (positives || 1), threshold: p[idx] as number });
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
