// Every line a function writes while handling an event for a run carries `runId` at the top level: the log-based
// metrics (terraform/monitoring.tf) and `vertex-retrain logs <run>` filter on jsonPayload.runId, so a line without it
// is invisible to both.
import assert from 'node:assert/strict';
import { harness, pubsubEvent, registryModelExists, type Harness, type LogLine } from '../../support/functions-harness';
import { tick } from '../engine/acceptance-flow';
import { everyFinalState, type FinalRuns } from './every-final-state';

/** The lines of each delivered event, by its CloudEvent id. */
function byEvent(lines: LogLine[]): Map<string, LogLine[]> {
  const events = new Map<string, LogLine[]>();
  for (const l of lines) {
    const id = String(l.eventId);
    events.set(id, [...(events.get(id) ?? []), l]);
  }
  return events;
}

const describeLine = (l: LogLine) => `${String(l.function)}: ${l.message}`;

describe('handlers: the run id on every line of a run', () => {
  let h: Harness;
  let runs: FinalRuns;
  before(async () => {
    h = await harness({ KEEP_DEPLOYED_VERSIONS: '2' });
    await registryModelExists(h);
    runs = await everyFinalState(h);
    // A tick with runs in flight (the one left TRAINING, the reports of the final ones).
    assert.equal(await tick(h), 204);
  });
  after(() => h.close());

  it('an event that names a run: each of its lines carries the run id', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const lines of byEvent(h.logs).values()) {
      if (lines[0]?.function === 'onReconcileTick') continue;
      const outcome = lines.find((l) => l.message.startsWith(`${String(l.function)}: `));
      const runId = outcome?.runId ?? lines.find((l) => l.runId !== undefined)?.runId;
      if (runId === undefined) continue;
      checked += lines.length;
      // Another run's line inside the event (the version a go-live supersedes) names that run, still a run id.
      missing.push(...lines.filter((l) => typeof l.runId !== 'string').map(describeLine));
    }
    assert.ok(checked > 20, `only ${checked} lines of run events`);
    assert.deepEqual(missing, []);
  });

  it('the tick: every line but its summary names the run it is about', () => {
    const tickLines = h.logs.filter((l) => l.function === 'onReconcileTick');
    const perRun = tickLines.filter((l) => !l.message.startsWith('onReconcileTick: '));
    assert.ok(perRun.length > 0, 'the tick wrote lines about its runs');
    assert.deepEqual(perRun.filter((l) => typeof l.runId !== 'string').map(describeLine), []);
  });

  it('an error that redelivers the event names the run it happened in', () => {
    const redelivery = h.logs.filter((l) => l.message.startsWith('transient error, event will be redelivered'));
    assert.deepEqual(
      redelivery.map((l) => l.runId),
      [runs.redelivered],
    );
  });

  it('a stale event dropped before any step still names the run it is about', async () => {
    const old = new Date(h.clock.now.getTime() - 2 * h.config.maxEventAgeSeconds * 1000).toISOString();
    assert.equal(await h.deliver('onTrainingStatus', pubsubEvent('training-events', { runId: runs.held }, old)), 204);
    const stale = h.logs.filter((l) => l.message === 'stale event dropped');
    assert.deepEqual(
      stale.map((l) => l.runId),
      [runs.held],
    );
  });

  it('no line carries the run id twice (a run is bound once, never nested in another)', () => {
    const twice = h.rawLogs.filter((l) => (l.match(/"runId":/g)?.length ?? 0) > 1);
    assert.ok(h.rawLogs.length === h.logs.length && h.rawLogs.length > 50);
    assert.deepEqual(twice, []);
  });

  it("each run's lines gather under its id, its transitions among them", () => {
    for (const [state, runId] of Object.entries(runs)) {
      const lines = h.logs.filter((l) => l.runId === runId);
      assert.ok(lines.length > 0, state);
      assert.ok(
        lines.some((l) => l.message.startsWith('run transition: ')),
        `${state}: its transitions are among its lines`,
      );
    }
  });
});
