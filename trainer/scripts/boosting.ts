// A small gradient-boosted tree ensemble for the logistic loss (histogram splits, Newton leaf values, as in
// XGBoost/LightGBM, stripped to what 1,000 rows need). Trees find the interactions a linear model cannot express
// (age × class × sex, family size × class); the final model blends it with the logistic regression.

/** A tree as flat arrays: node i is a leaf when feature[i] < 0 (value[i] is its score), else x[f] <= threshold → left. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface BoostedModel {
  base: number;
  learningRate: number;
  trees: Tree[];
}

export interface BoostingOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  minLeafHessian: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  maxBins: number;
}

export const DEFAULT_BOOSTING: BoostingOptions = {
  rounds: 100,
  learningRate: 0.05,
  maxDepth: 3,
  minLeafHessian: 2,
  lambda: 1,
  maxBins: 32,
};

/** Candidate split thresholds of a feature: midpoints between (quantile-thinned) distinct values. */
function thresholds(values: number[], maxBins: number): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(distinct.length / maxBins));
  const cuts: number[] = [];
  for (let i = step; i < distinct.length; i += step) {
    cuts.push(((distinct[i - 1] as number) + (distinct[i] as number)) / 2);
  }
  return cuts;
}

export function fitBoosting(x: readonly Float64Array[], y: ArrayLike<number>, opts = DEFAULT_BOOSTING): BoostedModel {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const cuts = Array.from({ length: d }, (_, j) =>
    thresholds(
      Array.from(x, (row) => row[j] as number),
      opts.maxBins,
    ),
  );
  // bin[j][i]: index of the first cut >= x[i][j], i.e. the histogram bin of row i for feature j.
  const bins = cuts.map((c, j) =>
    Int32Array.from(x, (row) => {
      let b = 0;
      while (b < c.length && (row[j] as number) > (c[b] as number)) b++;
      return b;
    }),
  );
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i] as number;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  const base = Math.log(rate / (1 - rate));
  const margin = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees: Tree[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(margin[i] as number)));
      g[i] = p - (y[i] as number);
      h[i] = Math.max(p * (1 - p), 1e-12);
    }
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (rows: number[], depth: number): number => {
      const node = tree.feature.length;
      let G = 0;
      let H = 0;
      for (const i of rows) [G, H] = [G + (g[i] as number), H + (h[i] as number)];
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push((-G / (H + opts.lambda)) * opts.learningRate);
      if (depth >= opts.maxDepth) return node;
      let best = { gain: 1e-9, feature: -1, bin: -1 };
      const parent = (G * G) / (H + opts.lambda);
      for (let j = 0; j < d; j++) {
        const c = cuts[j] as number[];
        if (c.length === 0) continue;
        const hg = new Float64Array(c.length + 1);
        const hh = new Float64Array(c.length + 1);
        const bj = bins[j] as Int32Array;
        for (const i of rows) {
          hg[bj[i] as number] = (hg[bj[i] as number] as number) + (g[i] as number);
          hh[bj[i] as number] = (hh[bj[i] as number] as number) + (h[i] as number);
        }
        let gl = 0;
        let hl = 0;
        for (let b = 0; b < c.length; b++) {
          gl += hg[b] as number;
          hl += hh[b] as number;
          const hr = H - hl;
          if (hl < opts.minLeafHessian || hr < opts.minLeafHessian) continue;
          const gain = (gl * gl) / (hl + opts.lambda) + ((G - gl) * (G - gl)) / (hr + opts.lambda) - parent;
          if (gain > best.gain) best = { gain, feature: j, bin: b };
        }
      }
      if (best.feature < 0) return node;
      const bj = bins[best.feature] as Int32Array;
      tree.feature[node] = best.feature;
      tree.threshold[node] = (cuts[best.feature] as number[])[best.bin] as number;
      tree.left[node] = grow(
        rows.filter((i) => (bj[i] as number) <= best.bin),
        depth + 1,
      );
      tree.right[node] = grow(
        rows.filter((i) => (bj[i] as number) > best.bin),
        depth + 1,
      );
      return node;
    };
    grow(
      Array.from({ length: n }, (_, i) => i),
      0,
    );
    for (let i = 0; i < n; i++) margin[i] = (margin[i] as number) + treeScore(tree, x[i] as Float64Array);
    trees.push(tree);
  }
  return { base, learningRate: opts.learningRate, trees };
}

/** The value of the leaf `x` falls into. */
export function treeScore(tree: Tree, x: Float64Array): number {
  let node = 0;
  while ((tree.feature[node] as number) >= 0) {
    node =
      (x[tree.feature[node] as number] as number) <= (tree.threshold[node] as number)
        ? (tree.left[node] as number)
        : (tree.right[node] as number);
  }
  return tree.value[node] as number;
}

/** The ensemble's log-odds of survival for one feature vector. */
export function boostingMargin(model: BoostedModel, x: Float64Array): number {
  let z = model.base;
  for (const tree of model.trees) z += treeScore(tree, x);
  return z;
}
