// Run events through the four functions (fakes behind every port): each transition published once, after the ledger
// recorded it; duplicates publish nothing; a failed publish loses no transition.
import assert from 'node:assert/strict';
import { RUN_EVENT_TYPE, type RunCloudEvent } from '../../../functions/src/pipeline/run-event';
import {
  BAD_CSV,
  GOOD_CSV,
  dropDataset,
  harness,
  pubsubEvent,
  registryModelExists,
  runInTraining,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';

const arrows = (events: RunCloudEvent[]) => events.map((e) => `${e.data.from ?? 'START'}→${e.data.to}`);

describe('engine/run-events: every run transition published once', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());
  const trainingMessage = (t: { runId: string; trainingName: string }) =>
    pubsubEvent('training-events', t, h.clock.now.toISOString());
  const tick = () => h.deliver('onReconcileTick', pubsubEvent('reconcile', {}, h.clock.now.toISOString()));

  it('a run to DEPLOYED: one event per transition, in order, with the ledger times and the run as subject', async () => {
    await registryModelExists(h);
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.8 });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => h.deliver('onTrainingStatus', trainingMessage(t))),
    );
    assert.deepEqual(new Set(statuses), new Set([204]));
    h.endpoint.completeDeploy(h.endpoint.deploys[0]!.operationName);
    assert.equal(await tick(), 204);
    const run = await h.ledger.get(t.runId);
    assert.equal(run?.state, 'DEPLOYED');

    const events = h.runEvents.events;
    assert.deepEqual(arrows(events), [
      'START→RECEIVED',
      'RECEIVED→BUILDING',
      'BUILDING→TRAINING',
      'TRAINING→DEPLOYING',
      'DEPLOYING→DEPLOYED',
    ]);
    for (const e of events) {
      assert.equal(e.type, RUN_EVENT_TYPE);
      assert.equal(e.subject, t.runId);
      assert.equal(e.source, '//vertex-retrain/projects/test-project/locations/local');
      assert.equal(e.time, run?.stages[e.data.to], `${e.data.to} at the time the ledger recorded`);
    }
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
    const deployed = events.at(-1)!.data;
    assert.equal(deployed.modelVersion, '1');
    assert.equal(deployed.deployedModelId, run?.deploy?.deployedModelId);
    assert.deepEqual(deployed.traffic, run?.deploy?.traffic);
    assert.deepEqual((events[3]!.data.gate as { promote: boolean }).promote, true);

    // Every transition also has its log line, with the fields the monitoring reads.
    const lines = h.logs.filter((l) => l.message.startsWith('run transition'));
    assert.deepEqual(
      lines.map((l) => [l.runId, l.from, l.to, l.severity]),
      events.map((e) => [t.runId, e.data.from, e.data.to, 'INFO']),
    );
    assert.ok(lines.every((l) => typeof l.eventId === 'string' && l.function !== undefined));
  });

  it('redeliveries of every event change nothing and publish nothing', async () => {
    await registryModelExists(h);
    const drop = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    assert.equal(await h.deliver('onDatasetFinalized', drop), 204);
    const before = h.runEvents.events.length;
    assert.equal(before, 2);
    for (let i = 0; i < 3; i++) assert.equal(await h.deliver('onDatasetFinalized', drop), 204);
    assert.equal(await tick(), 204);
    assert.equal(h.runEvents.events.length, before);
  });

  it('a rejected dataset: RECEIVED→REJECTED with the reason, the first reasons and the report', async () => {
    assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/bad.csv', BAD_CSV)), 204);
    assert.deepEqual(arrows(h.runEvents.events), ['START→RECEIVED', 'RECEIVED→REJECTED']);
    const data = h.runEvents.events[1]!.data;
    assert.equal(data.reason, 'DatasetRejected');
    assert.deepEqual(data.reasons, ['row 1, column Age: not a number', 'row 3, column Age: not a number']);
    assert.equal(data.problemCount, 2);
    assert.equal(data.reportUri, 'gs://data/rejected/bad.csv.reasons.json');
  });

  it('a HELD version: TRAINING→HELD with the gate', async () => {
    const t = await runInTraining(h);
    h.training.finish(t.trainingName, 'SUCCEEDED', '1');
    await writeMetrics(h, t.runId, { accuracy: 0.6 });
    assert.equal(await h.deliver('onTrainingStatus', trainingMessage(t)), 204);
    const held = h.runEvents.events.at(-1)!;
    assert.equal(`${held.data.from}→${held.data.to}`, 'TRAINING→HELD');
    assert.equal(held.data.reason, 'QualityGateHeld');
    assert.match(String((held.data.gate as { reason: string }).reason), /fails the floor/);
  });

  it('a permanent error inside a claimed step (build refused): the FAILED transition is published', async () => {
    h.builds.failNext('startBuild', Object.assign(new Error('permission denied'), { code: 7 }));
    assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/train.csv', GOOD_CSV)), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'FAILED');
    assert.deepEqual(arrows(h.runEvents.events), ['START→RECEIVED', 'RECEIVED→BUILDING', 'BUILDING→FAILED']);
    assert.equal(h.runEvents.events[2]!.data.reason, run?.errors.at(-1)?.reason);
  });

  it('a publish that fails loses no transition: logged at ERROR with the event, the run goes on', async () => {
    h.runEvents.failNext('publish', Object.assign(new Error('unavailable'), { code: 14 }), 2);
    assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, 'datasets/train.csv', GOOD_CSV)), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'BUILDING');
    assert.equal(h.builds.started.length, 1);
    const failed = h.logs.filter((l) => l.message.startsWith('run event not published'));
    assert.deepEqual(
      failed.map((l) => [l.severity, l.runId, l.to, (l.event as RunCloudEvent).data.to]),
      [
        ['ERROR', run?.runId, 'RECEIVED', 'RECEIVED'],
        ['ERROR', run?.runId, 'BUILDING', 'BUILDING'],
      ],
    );
    assert.equal(h.runEvents.events.length, 0);
  });
});
