// Shared steps of the issue-13 acceptance tests: one run driven over HTTP from drop to DEPLOYED (or HELD).
import assert from 'node:assert/strict';
import {
  GOOD_CSV,
  dropDataset,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';

export const at = (h: Harness) => h.clock.now.toISOString();
export const tick = (h: Harness) => h.deliver('onReconcileTick', pubsubEvent('reconcile', {}, at(h)));
export const later = (h: Harness, seconds: number) => {
  h.clock.now = new Date(h.clock.now.getTime() + seconds * 1000);
};

/** Drop → build → training (version `versionId`) → gate; returns the run id and the state the gate left it in. */
export async function trainedRun(h: Harness, name: string, accuracy: number) {
  // Distinct content per drop, so each is its own dataset.
  assert.equal(
    await h.deliver('onDatasetFinalized', await dropDataset(h, name, `${GOOD_CSV}9,1,${name.length}\n`)),
    204,
  );
  const build = h.builds.started.at(-1) as { runId: string; buildId: string };
  later(h, 60);
  assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, build.runId, build.buildId, at(h))), 204);
  const training = h.training.started.at(-1) as { name: string; runId: string };
  assert.equal(training.runId, build.runId);
  later(h, 600);
  h.training.finish(training.name, 'SUCCEEDED', String(h.training.started.length));
  await writeMetrics(h, build.runId, { accuracy, rocAuc: 0.86, logLoss: 0.42 });
  assert.equal(await h.deliver('onTrainingStatus', pubsubEvent('training-events', { runId: build.runId }, at(h))), 204);
  return build.runId;
}

/** A run that passes the gate, is deployed and goes live; returns its run id and deployed model id. */
export async function liveRun(h: Harness, name: string, accuracy: number) {
  const runId = await trainedRun(h, name, accuracy);
  const run = await h.ledger.get(runId);
  assert.equal(run?.state, 'DEPLOYING', `${name}: ${JSON.stringify(run?.gate)}`);
  later(h, 600);
  const deployedModelId = h.endpoint.completeDeploy(h.endpoint.deploys.at(-1)?.operationName as string) as string;
  assert.equal(await tick(h), 204);
  assert.equal((await h.ledger.get(runId))?.state, 'DEPLOYED');
  later(h, 60);
  return { runId, deployedModelId };
}
