// A real model for the reliability suites: trained in-process on trainer/data/train.csv with the trainer's own
// functions (as trainer/src/main.ts does), serialised and loaded back exactly as the prediction server loads it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact, predictorFromArtifact, serializeArtifact } from '../../../trainer/src/artifact';
import type { Predictor } from '../../../trainer/src/predictor';
import { parseTrainingSet } from '../../../trainer/src/preprocess';
import { DEFAULT_SEED, train } from '../../../trainer/src/train';

export const TRAINING_CSV = join(__dirname, '../../../trainer/data/train.csv');

/** The model.json text of a model trained on the reference data. */
export function trainedArtifactText(): string {
  const data = readFileSync(TRAINING_CSV);
  const rows = parseTrainingSet(data);
  const { fitted } = train(rows, DEFAULT_SEED);
  const artifact = buildArtifact(fitted, {
    codeVersion: 'reliability',
    seed: DEFAULT_SEED,
    trainingData: { uri: TRAINING_CSV, sha256: createHash('sha256').update(data).digest('hex'), rows: rows.length },
  });
  return serializeArtifact(artifact);
}

/** A predictor over a freshly trained model (the real one: the server's artifact parser and scoring code). */
export function trainedPredictor(): Predictor {
  return predictorFromArtifact(trainedArtifactText());
}
