// Whole runs under seeded faults on every port (test/support/faults.ts), through the four functions with a
// bounded redelivery loop (FlowDriver): transient faults, before AND after the effect, must end with every run
// finished exactly once; permanent faults must end FAILED with the reason; nothing is retried forever (after the
// attempt budget an event is dead-lettered) and replaying the dead letters finishes the runs left behind.
import assert from 'node:assert/strict';
import { BAD_CSV, GOOD_CSV, harness, storageEvent } from '../support/functions-harness';
import { FINAL_STATES, FlowDriver, effectsPerRun } from './support/flow-driver';
import { count, isFullRun, recordSuite } from './support/results';

const MAX_ATTEMPTS = 5;
const ROUNDS = 15;
const DATASETS = [
  ['datasets/a.csv', GOOD_CSV],
  ['datasets/b.csv', GOOD_CSV],
  ['datasets/bad.csv', BAD_CSV],
] as const;

interface Tally {
  runs: number;
  outcomes: Record<string, number>;
  duplicates: number;
  lost: number;
  lostBeforeReplay: number;
  deadLettered: number;
  serverErrors: number;
  faults: number;
  failedWithoutReason: number;
  problems: string[];
}

async function oneSeed(seed: number, transientRate: number, permanentRate: number, t: Tally): Promise<void> {
  const h = await harness({ CLAIM_LEASE_SECONDS: '60' });
  try {
    // Transient faults on every port; permanent ones on the cloud services' calls (a 400/403 from Cloud Build or
    // Vertex). A permanent error from the run ledger's own bucket is an outage of the record itself: see the notes.
    const d = new FlowDriver(
      h,
      [
        { seed, transientRate, permanentRate: 0 },
        { seed: seed + 1, transientRate: 0, permanentRate, methods: ['builds', 'training', 'endpoint', 'registry'] },
      ],
      { maxAttempts: MAX_ATTEMPTS, secondsPerRound: 30 },
    );
    for (const [name, csv] of DATASETS) {
      const info = await h.store.write(h.config.dataBucket, name, csv, { contentType: 'text/csv' });
      d.enqueue(
        'onDatasetFinalized',
        storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString()),
      );
    }
    for (let i = 0; i < ROUNDS; i++) await d.round();
    t.lostBeforeReplay += (await d.runs()).filter((r) => !FINAL_STATES.has(r.state)).length;
    t.deadLettered += d.deadLetters.length;
    // The operator replays the dead letters once the outage is over.
    d.setFaults(false);
    d.replayDeadLetters();
    for (let i = 0; i < ROUNDS; i++) await d.round();

    const runs = await d.runs();
    t.runs += runs.length;
    if (runs.length !== DATASETS.length) t.problems.push(`seed ${seed}: ${runs.length} run records`);
    for (const r of runs) {
      // Superseded is the rule (an older drop's model never takes traffic from a newer one), not a fault: its own column.
      count(t.outcomes, r.state === 'FAILED' && r.errors[0]?.reason === 'Superseded' ? 'FAILED Superseded' : r.state);
      if (!FINAL_STATES.has(r.state)) {
        t.lost++;
        t.problems.push(`seed ${seed}: ${r.runId} stuck in ${r.state}`);
      }
      if (r.state === 'FAILED' && !r.errors[0]?.reason) t.failedWithoutReason++;
      // Superseded is the rule, not a fault: a newer drop already served when the older one passed its gate.
      // Only the older good drop can be superseded, and only by the newer one serving.
      const serving = runs.find((x) => x.dataset?.name === 'datasets/b.csv');
      if (
        r.errors[0]?.reason === 'Superseded' &&
        (r.dataset?.name !== 'datasets/a.csv' || serving?.state !== 'DEPLOYED')
      )
        t.problems.push(`seed ${seed}: ${r.runId} superseded, b.csv ${serving?.state}: ${JSON.stringify(r.errors)}`);
      if (permanentRate === 0 && r.state === 'FAILED' && r.errors[0]?.reason !== 'Superseded')
        t.problems.push(`seed ${seed}: ${r.runId} FAILED on transient faults: ${JSON.stringify(r.errors)}`);
    }
    for (const [runId, e] of effectsPerRun(h)) {
      const extra = Math.max(0, e.builds - 1) + Math.max(0, e.trainings - 1) + Math.max(0, e.deploys - 1);
      if (extra > 0) t.problems.push(`seed ${seed}: ${runId} ${JSON.stringify(e)}`);
      t.duplicates += extra;
    }
    for (const [s, n] of Object.entries(d.statuses)) if (Number(s) >= 500) t.serverErrors += n;
    t.faults += d.faultCount();
  } finally {
    await h.close();
  }
}

describe('reliability: whole runs under seeded port faults, bounded redelivery', function () {
  const seeds = isFullRun() ? 50 : 6;
  this.timeout(seeds * 20_000);
  const scenarios = [
    { name: 'transient faults', transientRate: 0.15, permanentRate: 0 },
    { name: 'transient + permanent faults', transientRate: 0.1, permanentRate: 0.03 },
  ];
  for (const s of scenarios) {
    it(`${s.name}: ${seeds} seeds × ${DATASETS.length} runs, each finished exactly once`, async () => {
      const t: Tally = {
        runs: 0,
        outcomes: {},
        duplicates: 0,
        lost: 0,
        lostBeforeReplay: 0,
        deadLettered: 0,
        serverErrors: 0,
        faults: 0,
        failedWithoutReason: 0,
        problems: [],
      };
      for (let seed = 1; seed <= seeds; seed++) await oneSeed(seed * 7919, s.transientRate, s.permanentRate, t);
      recordSuite({
        suite: `faults: ${s.name} (function level)`,
        cases: t.runs,
        outcomes: t.outcomes,
        crashes: 0,
        duplicates: t.duplicates,
        lost: t.lost,
        notes:
          `${seeds} seeds, transient ${s.transientRate * 100} %, permanent ${s.permanentRate * 100} %; ${t.faults} faults ` +
          `injected; ${t.deadLettered} events dead-lettered after ${MAX_ATTEMPTS} attempts, ${t.lostBeforeReplay} runs ` +
          `unfinished before the replay; 500s are the retry signal (${t.serverErrors}), not server errors; ` +
          `FAILED Superseded = a.csv's run, older than b.csv's, passing its gate once b.csv's model served`,
      });
      assert.deepEqual(t.problems, []);
      assert.equal(t.duplicates, 0);
      assert.equal(t.lost, 0);
      assert.equal(t.failedWithoutReason, 0);
      assert.ok(t.faults > 0, 'faults were injected');
    });
  }
});
