// Duplicates at the function level: the same finalize, build and training events delivered N times at once through
// the functions-framework test servers (in-memory CAS store) → exactly one build, one training, one deployment, and
// the run DEPLOYED once. N = 200 in both runs: it is cheap (all in memory) and the brief's figure.
import assert from 'node:assert/strict';
import { runIdOfDeployedModel } from '../../functions/src/ports';
import {
  GOOD_CSV,
  dropDataset,
  harness,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type FunctionName,
  type Harness,
  type TestEvent,
} from '../support/functions-harness';
import { count, recordSuite } from './support/results';

const COPIES = 200;

describe(`reliability: ${COPIES} concurrent copies of each event (function level)`, () => {
  let h: Harness;
  const outcomes: Record<string, number> = {};
  let serverErrors = 0;
  let duplicates = 0;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  /** Delivers `COPIES` copies of one event at once; returns the statuses. */
  async function storm(fn: FunctionName, event: TestEvent): Promise<number[]> {
    const statuses = await Promise.all(Array.from({ length: COPIES }, () => h.deliver(fn, event)));
    for (const s of statuses) {
      count(outcomes, String(s));
      if (s >= 500) serverErrors++;
    }
    return statuses;
  }

  it('finalize ×200 → one build; build SUCCESS ×200 → one training; training ×200 → one deploy; ticks ×200 → DEPLOYED once', async () => {
    const at = () => h.clock.now.toISOString();
    assert.deepEqual(
      new Set(await storm('onDatasetFinalized', await dropDataset(h, 'datasets/dup.csv', GOOD_CSV))),
      new Set([204]),
    );
    assert.equal(h.builds.started.length, 1, 'builds');
    const { runId, buildId } = h.builds.started[0] as { runId: string; buildId: string };
    assert.equal((await h.ledger.get(runId))?.state, 'BUILDING');

    assert.deepEqual(new Set(await storm('onBuildStatus', successfulBuild(h, runId, buildId, at()))), new Set([204]));
    assert.equal(h.training.started.length, 1, 'trainings');
    const trainingName = (h.training.started[0] as { name: string }).name;

    h.training.finish(trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, runId, { accuracy: 0.81, rocAuc: 0.86, logLoss: 0.45 });
    const notice = pubsubEvent('training-events', { runId, trainingName }, at());
    assert.deepEqual(new Set(await storm('onTrainingStatus', notice)), new Set([204]));
    assert.equal(h.endpoint.deploys.length, 1, 'deployments');

    h.endpoint.completeDeploy(h.endpoint.deploys[0]?.operationName as string);
    const tick = pubsubEvent('reconcile', { at: at() }, at());
    assert.deepEqual(new Set(await storm('onReconcileTick', tick)), new Set([204]));
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'DEPLOYED');
    const deployedLogs = h.logs.filter((l) => l.message === 'run deployed' && l.runId === runId);
    assert.equal(deployedLogs.length, 1, 'DEPLOYED recorded once');
    assert.equal(h.endpoint.state.deployedModels.filter((m) => runIdOfDeployedModel(m) === runId).length, 1);
    duplicates =
      h.builds.started.length -
      1 +
      (h.training.started.length - 1) +
      (h.endpoint.deploys.length - 1) +
      (deployedLogs.length - 1);
  });

  after(() =>
    recordSuite({
      suite: `duplicates: ${COPIES} concurrent copies (function level)`,
      cases: COPIES * 4,
      outcomes,
      serverErrors,
      crashes: 0,
      duplicates,
      lost: 0,
      notes: 'finalize, build SUCCESS, training notice and reconcile tick, each ×200 at once through the test servers',
    }),
  );
});
