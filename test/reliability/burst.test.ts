// A burst of distinct drops within one instant, every event delivered twice, at function level: one build and one
// training per drop, the endpoint changed by one run at a time (the lease), exactly KEEP_DEPLOYED_VERSIONS models
// deployed at the end, the newest drop serving, and rollback restoring the version that served before it.
import assert from 'node:assert/strict';
import { rollback } from '../../functions/src/engine/operator';
import { getRuntime } from '../../functions/src/backend';
import { servingModel } from '../../functions/src/pipeline/traffic-split';
import { GOOD_CSV, harness, storageEvent } from '../support/functions-harness';
import { FINAL_STATES, FlowDriver, effectsPerRun } from './support/flow-driver';

const DROPS = 8;

describe('reliability: a burst of distinct drops with redelivered events (function level)', function () {
  this.timeout(120_000);

  it(`${DROPS} drops at once, each event twice → newest serves, keep-K deployed, rollback to the previous`, async () => {
    const h = await harness({ CLAIM_LEASE_SECONDS: '60' });
    try {
      const d = new FlowDriver(h, [{ seed: 1, transientRate: 0, permanentRate: 0 }], {
        maxAttempts: 50,
        secondsPerRound: 30,
      });
      for (let i = 0; i < DROPS; i++) {
        const info = await h.store.write(h.config.dataBucket, `datasets/burst-${i}.csv`, GOOD_CSV);
        const event = storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString());
        d.enqueue('onDatasetFinalized', event);
        d.enqueue('onDatasetFinalized', event); // redelivered
      }
      for (let i = 0; i < 40; i++) await d.round();
      const runs = await d.runs();
      assert.equal(runs.length, DROPS);
      assert.deepEqual(
        runs.filter((r) => !FINAL_STATES.has(r.state)).map((r) => `${r.runId} ${r.state}`),
        [],
      );
      for (const [runId, e] of effectsPerRun(h)) {
        assert.ok(e.builds <= 1 && e.trainings <= 1 && e.deploys <= 1, `${runId} ${JSON.stringify(e)}`);
      }
      // The endpoint: exactly K deployed, the newest drop (largest generation) serving.
      const keep = h.config.keepDeployedVersions;
      assert.equal(h.endpoint.state.deployedModels.length, keep);
      const newest = [...runs].sort((a, b) =>
        BigInt(b.dataset!.generation) > BigInt(a.dataset!.generation) ? 1 : -1,
      )[0]!;
      const serving = servingModel(h.endpoint.state);
      assert.equal(serving?.id, newest.deploy?.deployedModelId, 'the newest drop serves');
      // Older drops that passed the gate after a newer one served say why they did not deploy.
      for (const r of runs.filter((x) => x.state === 'FAILED'))
        assert.equal(r.errors[0]?.reason, 'Superseded', JSON.stringify(r.errors));
      // No two deployments overlapped: each started after the previous one was live (the lease).
      const live = runs
        .filter((r) => r.stages.DEPLOYED)
        .sort((a, b) => a.stages.DEPLOYING!.localeCompare(b.stages.DEPLOYING!));
      for (let i = 1; i < live.length; i++)
        assert.ok(live[i]!.stages.DEPLOYING! >= live[i - 1]!.stages.DEPLOYED!, 'deployments overlapped');
      // Rollback has its target: the version that served before the newest.
      const previous = live.at(-2);
      await rollback(getRuntime(), { by: 'test', timeoutMs: 5000, everyMs: 1 });
      assert.equal(servingModel(h.endpoint.state)?.id, previous?.deploy?.deployedModelId);
    } finally {
      await h.close();
    }
  });
});
