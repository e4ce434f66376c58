// `npm test`'s share of the stage-boundary crash suite: the stack SIGKILLed while the endpoint twin holds a deployment
// (replica up, not yet on the endpoint), then started again → the run is DEPLOYED once. The build and training
// boundaries, and more runs of each, are in crash-boundaries.slow.test.ts (`npm run test:reliability`), which also
// covers this one; so in that run this file steps aside.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { crashAtBoundary } from './support/stack-crash';
import { isFullRun } from './support/results';

const REPO = join(__dirname, '../..');

(isFullRun() ? describe.skip : describe)('reliability: a crash at the deploy boundary (local stack)', function () {
  this.timeout(60_000);

  it('SIGKILL while the deployment is in flight: no child survives; after a restart the run is DEPLOYED exactly once', async () => {
    const o = await crashAtBoundary('deploy', join(REPO, 'trainer/data/train.csv'));
    assert.equal(o.stateAtKill, 'DEPLOYING');
    assert.ok(o.children >= 5, `the stack had its children when killed (${o.children})`); // 4 functions + replica
    assert.deepEqual(o.orphans, [], 'every child died with the stack');
    assert.equal(o.final.state, 'DEPLOYED', JSON.stringify(o.final.errors));
    assert.deepEqual(o.effects, { builds: 1, trainings: 1, versions: 1, deployed: 1 });
    assert.equal(o.predictStatus, 200);
  });
});
