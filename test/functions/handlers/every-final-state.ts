// One pass through the handlers that ends runs in every final state — DEPLOYED, HELD, REJECTED, FAILED (a failed
// build, and one superseded by a newer generation of its dataset) — with a transient error redelivered on the way.
// The log tests read what the functions wrote meanwhile.
import assert from 'node:assert/strict';
import {
  BAD_CSV,
  GOOD_CSV,
  buildEvent,
  dropDataset,
  successfulBuild,
  type Harness,
} from '../../support/functions-harness';
import { at, liveRun, trainedRun } from '../engine/acceptance-flow';

export interface FinalRuns {
  deployed: string;
  held: string;
  rejected: string;
  failed: string;
  /** FAILED too: a newer generation of its dataset landed while it was building. */
  superseded: string;
  /** The run whose build notification first met a transient error (500), then went through. */
  redelivered: string;
}

const unavailable = () => Object.assign(new Error('socket hang up'), { code: 14 });

/** Drives one run to each final state; asserts each got there. */
export async function everyFinalState(h: Harness): Promise<FinalRuns> {
  const { runId: deployed } = await liveRun(h, 'datasets/good.csv', 0.9);
  const held = await trainedRun(h, 'datasets/worse.csv', 0.8);

  assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/bad.csv', BAD_CSV)), 204);
  const rejected = (await h.ledger.list()).find((r) => r.state === 'REJECTED')?.runId as string;

  assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/broken.csv', GOOD_CSV)), 204);
  const broken = h.builds.started.at(-1) as { runId: string; buildId: string };
  const failure = { id: broken.buildId, status: 'FAILURE', tags: ['vertex-retrain', `run-${broken.runId}`] };
  assert.equal(await h.deliver('onBuildStatus', buildEvent(failure, at(h))), 204);

  assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/again.csv', GOOD_CSV)), 204);
  const old = h.builds.started.at(-1) as { runId: string; buildId: string };
  await h.store.write(h.config.dataBucket, 'datasets/again.csv', `${GOOD_CSV}8,0,3\n`, { contentType: 'text/csv' });
  assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, old.runId, old.buildId, at(h))), 204);

  assert.equal(
    await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/flaky.csv', `${GOOD_CSV}7,1,2\n`)),
    204,
  );
  const flaky = h.builds.started.at(-1) as { runId: string; buildId: string };
  h.training.failNext('startTraining', unavailable());
  const success = successfulBuild(h, flaky.runId, flaky.buildId, at(h));
  assert.equal(await h.deliver('onBuildStatus', success), 500, 'the transient error asks for a redelivery');
  assert.equal(await h.deliver('onBuildStatus', success), 204);

  const states = { deployed, held, rejected, failed: broken.runId, superseded: old.runId, redelivered: flaky.runId };
  const expected = {
    deployed: 'DEPLOYED',
    held: 'HELD',
    rejected: 'REJECTED',
    failed: 'FAILED',
    superseded: 'FAILED',
    redelivered: 'TRAINING',
  };
  for (const [k, runId] of Object.entries(states))
    assert.equal((await h.ledger.get(runId))?.state, expected[k as keyof FinalRuns], k);
  return states;
}
