// Prediction server fuzzing, full part (npm run test:reliability): 12,000 bodies under three seeds, so a leak or a
// rare failure has room to show. Every kind of body is sent hundreds of times (huge ones dozens).
import assert from 'node:assert/strict';
import { fuzzServer } from './support/fuzz-server';
import { checkAndRecord } from './support/fuzz-suite';

describe('reliability: prediction server fuzzing (12,000 bodies)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 4,000 bodies, each answered as expected, health 200 after, heap stable`, async () => {
      const report = await fuzzServer({ seed, cases: 4_000 });
      checkAndRecord(`server fuzzing (4,000 bodies, seed ${seed})`, seed, report);
      assert.ok((report.kinds.huge ?? 0) >= 40 && (report.kinds.deep ?? 0) >= 60, JSON.stringify(report.kinds));
    });
  }
});
