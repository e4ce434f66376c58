// Prediction server fuzzing, fast part (npm test): 1,000 seeded bodies over HTTP to the real server and model.
import { fuzzServer } from './support/fuzz-server';
import { checkAndRecord } from './support/fuzz-suite';

const SEED = 20_261_126;

describe('reliability: prediction server fuzzing (1,000 bodies)', () => {
  it('answers every body with its expected 200, 400 or 413, never 5xx, and stays healthy with a stable heap', async () => {
    const report = await fuzzServer({ seed: SEED, cases: 1_000 });
    checkAndRecord('server fuzzing (1,000 bodies)', SEED, report);
  });
});
