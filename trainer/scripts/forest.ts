// A small random forest (Breiman: bootstrap rows, a random subset of features per split, Gini impurity, leaves hold
// the survival rate). Trees see the interactions a linear model cannot (age × class × sex, family size × class);
// averaging many decorrelated trees keeps their variance down. Seeded, so the same rows and seed give the same forest.
import { random } from '../src/split';
import { treeScore, type Tree } from './boosting';

/** The boosting script's flat tree; here a leaf's value is the survival rate of its training rows. */
export type ForestTree = Tree;

export interface ForestOptions {
  trees: number;
  /** Features tried at each split (sqrt of the width is the classic choice). */
  featuresPerSplit: number;
  maxDepth: number;
  /** Fewest (bootstrap) rows in a leaf: larger leaves give smoother, better-calibrated probabilities. */
  minLeaf: number;
  seed: number;
}

export const DEFAULT_FOREST: Omit<ForestOptions, 'featuresPerSplit'> = {
  trees: 100,
  maxDepth: 8,
  minLeaf: 3,
  seed: 42,
};

/** Grows one tree on the rows `sample` (a bootstrap sample: indices may repeat). */
function growTree(
  x: readonly Float64Array[],
  y: ArrayLike<number>,
  sample: number[],
  opts: ForestOptions,
  next: () => number,
): ForestTree {
  const d = x[0]?.length ?? 0;
  const tree: ForestTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const features = Array.from({ length: d }, (_, j) => j);
  const grow = (rows: number[], depth: number): number => {
    const node = tree.feature.length;
    let positives = 0;
    for (const i of rows) positives += y[i] as number;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(positives / rows.length);
    const n = rows.length;
    if (depth >= opts.maxDepth || n < 2 * opts.minLeaf || positives === 0 || positives === n) return node;
    // Gini gain compares  Σ_children (pos² + neg²) / size ; larger is purer.
    let best = { purity: (positives * positives + (n - positives) ** 2) / n + 1e-9, feature: -1, threshold: 0 };
    // Partial Fisher–Yates: the first `featuresPerSplit` entries become a random subset of the features.
    for (let k = 0; k < Math.min(opts.featuresPerSplit, d); k++) {
      const r = k + Math.floor(next() * (d - k));
      [features[k], features[r]] = [features[r] as number, features[k] as number];
      const j = features[k] as number;
      const sorted = [...rows].sort(
        (a, b) => ((x[a] as Float64Array)[j] as number) - ((x[b] as Float64Array)[j] as number),
      );
      let leftPos = 0;
      for (let s = 0; s < n - 1; s++) {
        const i = sorted[s] as number;
        leftPos += y[i] as number;
        const v = (x[i] as Float64Array)[j] as number;
        const after = (x[sorted[s + 1] as number] as Float64Array)[j] as number;
        const left = s + 1;
        if (v === after || left < opts.minLeaf || n - left < opts.minLeaf) continue;
        const rightPos = positives - leftPos;
        const purity =
          (leftPos * leftPos + (left - leftPos) ** 2) / left +
          (rightPos * rightPos + (n - left - rightPos) ** 2) / (n - left);
        if (purity > best.purity) best = { purity, feature: j, threshold: (v + after) / 2 };
      }
    }
    if (best.feature < 0) return node;
    const { feature, threshold } = best;
    tree.feature[node] = feature;
    tree.threshold[node] = threshold;
    tree.left[node] = grow(
      rows.filter((i) => ((x[i] as Float64Array)[feature] as number) <= threshold),
      depth + 1,
    );
    tree.right[node] = grow(
      rows.filter((i) => ((x[i] as Float64Array)[feature] as number) > threshold),
      depth + 1,
    );
    return node;
  };
  grow(sample, 0);
  return tree;
}

/** Fits a forest on feature vectors `x` and 0/1 labels `y`. */
export function fitForest(x: readonly Float64Array[], y: ArrayLike<number>, opts: ForestOptions): ForestTree[] {
  const next = random(opts.seed);
  const n = x.length;
  return Array.from({ length: opts.trees }, () => {
    const sample = Array.from({ length: n }, () => Math.floor(next() * n));
    return growTree(x, y, sample, opts, next);
  });
}

/** p(survived) for one feature vector: the mean of the trees' leaf survival rates. */
export function predictForest(trees: readonly ForestTree[], x: Float64Array): number {
  let sum = 0;
  for (const tree of trees) sum += treeScore(tree, x);
  return sum / trees.length;
}
