// Crashes at each stage boundary on the local stack (`npm run test:reliability`): for build, training and deploy,
// the stack process is SIGKILLed while that stage's twin holds at its boundary (test-only pause hook,
// functions/src/local/pause-hook.ts), then started again on the same folder. Each run must finish DEPLOYED with one
// build, one training job, one model version and one deployed model, and no child of the killed stack may survive.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PAUSE_STAGES } from '../../functions/src/local/pause-hook';
import { count, isFullRun, recordSuite } from './support/results';
import { crashAtBoundary, type CrashOutcome } from './support/stack-crash';

const REPO = join(__dirname, '../..');
const RUNS_PER_BOUNDARY = isFullRun() ? 2 : 1;

describe('reliability: crashes at stage boundaries (local stack)', function () {
  this.timeout(600_000);

  it(`SIGKILL at build, training and deploy (${RUNS_PER_BOUNDARY} run(s) each) → every run DEPLOYED exactly once`, async () => {
    const outcomes: CrashOutcome[] = [];
    const histogram: Record<string, number> = {};
    try {
      for (const stage of PAUSE_STAGES) {
        for (let i = 0; i < RUNS_PER_BOUNDARY; i++) {
          const o = await crashAtBoundary(stage, join(REPO, 'trainer/data/train.csv'));
          outcomes.push(o);
          count(histogram, `${stage}: killed ${o.stateAtKill} → ${o.final.state}`);
        }
      }
    } finally {
      const duplicates = outcomes.reduce(
        (n, o) => n + Object.values(o.effects).reduce((m, c) => m + Math.max(0, c - 1), 0),
        0,
      );
      const orphans = outcomes.reduce((n, o) => n + o.orphans.length, 0);
      recordSuite({
        suite: 'crashes at stage boundaries (local stack)',
        cases: PAUSE_STAGES.length * RUNS_PER_BOUNDARY,
        outcomes: histogram,
        crashes: orphans,
        duplicates,
        lost: PAUSE_STAGES.length * RUNS_PER_BOUNDARY - outcomes.filter((o) => o.final.state === 'DEPLOYED').length,
        notes: `${PAUSE_STAGES.length} boundaries × ${RUNS_PER_BOUNDARY} runs; stack SIGKILLed, ${outcomes.reduce((n, o) => n + o.children, 0)} children killed with it, ${orphans} survived; predictions after recovery: ${outcomes.map((o) => o.predictStatus).join(',')}`,
      });
    }
    for (const o of outcomes) {
      assert.deepEqual(o.orphans, [], `${o.stage}: every child died with the stack`);
      assert.equal(o.final.state, 'DEPLOYED', `${o.stage}: ${JSON.stringify(o.final.errors)}`);
      assert.deepEqual(o.effects, { builds: 1, trainings: 1, versions: 1, deployed: 1 }, o.stage);
      assert.equal(o.predictStatus, 200, o.stage);
    }
  });
});
