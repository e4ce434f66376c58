// How much one 80/20 hold-out figure depends on the split: trains and scores the trainer's model on N seeded
// stratified 80/20 splits of a labelled CSV and prints each split's accuracy / ROC AUC and the mean.
// Run: npx tsx trainer/scripts/seed-splits.ts [--seeds 30] [--data trainer/data/train.csv]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseTrainingSet } from '../src/preprocess';
import { stratifiedHoldout } from '../src/split';
import { evaluateSplit, HOLDOUT_FRACTION } from '../src/train';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '30' }, data: { type: 'string', default: 'trainer/data/train.csv' } },
});
const rows = parseTrainingSet(readFileSync(values.data));
const y = rows.map((r) => r.survived);
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const results = seeds.map((seed) => evaluateSplit(rows, stratifiedHoldout(y, HOLDOUT_FRACTION, seed), seed));
console.log('seed  accuracy  ROC AUC');
results.forEach((r, i) =>
  console.log(`${String(seeds[i]).padStart(4)}  ${r.accuracy.toFixed(4)}    ${r.rocAuc.toFixed(4)}`),
);
const mean = (key: 'accuracy' | 'rocAuc'): string =>
  (results.reduce((s, r) => s + r[key], 0) / results.length).toFixed(4);
console.log(`mean over ${results.length} splits: accuracy ${mean('accuracy')}, ROC AUC ${mean('rocAuc')}`);
