// The burst of distinct drops at function level under seeded transient faults on every port: 20 drops within one
// instant, every finalize delivered twice and every build and training notice twice, failed deliveries redelivered
// (bounded; then dead-lettered and replayed once the outage is over). Same invariants as on the local stack: one
// build and one training per drop, exactly KEEP_DEPLOYED_VERSIONS deployed at the end, the newest drop serving, no
// two endpoint changes overlapping (from the endpoint fake's own sequence of calls), rollback restoring the version
// that served before the newest.
import assert from 'node:assert/strict';
import { getRuntime } from '../../functions/src/backend';
import { rollback } from '../../functions/src/engine/operator';
import { newerGeneration } from '../../functions/src/pipeline/plan';
import { servingModel } from '../../functions/src/pipeline/traffic-split';
import type { DeployRequest, TrafficSplit } from '../../functions/src/ports';
import { GOOD_CSV, harness, storageEvent, type Harness } from '../support/functions-harness';
import { FINAL_STATES, FlowDriver, effectsPerRun } from './support/flow-driver';
import { count, isFullRun, recordSuite } from './support/results';

const DROPS = 20;
const TRANSIENT_RATE = 0.1;
const MAX_ATTEMPTS = 5;

/** Every change the functions asked of the endpoint, in call order, with the deployments' completions. */
interface EndpointLog {
  /** Changes started while a deployment was still running: must stay empty. */
  overlaps: string[];
  changes: number;
  /** The model taking all traffic after each completed deployment (what served, in order). */
  servedAfterDeploy: string[];
}

/** Wraps the endpoint fake's methods (before the fault layer takes them) to log every change in call order. */
function logEndpointChanges(h: Harness): EndpointLog {
  const log: EndpointLog = { overlaps: [], changes: 0, servedAfterDeploy: [] };
  const e = h.endpoint;
  const running = new Set<string>();
  const start = (what: string) => {
    log.changes++;
    if (running.size > 0) log.overlaps.push(`${what} while ${[...running].join(', ')} ran`);
  };
  const deploy = e.deployModel.bind(e);
  e.deployModel = async (req: DeployRequest) => {
    start(`deploy of ${req.runId}`);
    const op = await deploy(req);
    running.add(op.operationName);
    return op;
  };
  const undeploy = e.undeployModel.bind(e);
  e.undeployModel = async (id: string, split: TrafficSplit) => {
    start(`undeploy of ${id}`);
    return undeploy(id, split);
  };
  const traffic = e.updateTrafficSplit.bind(e);
  e.updateTrafficSplit = async (split: TrafficSplit) => {
    start(`traffic update ${JSON.stringify(split)}`);
    return traffic(split);
  };
  const complete = e.completeDeploy.bind(e);
  e.completeDeploy = (name: string, error?: string) => {
    const id = complete(name, error);
    running.delete(name);
    const serving = servingModel(e.state)?.id;
    if (serving && serving !== log.servedAfterDeploy.at(-1)) log.servedAfterDeploy.push(serving);
    return id;
  };
  return log;
}

async function oneSeed(seed: number, outcomes: Record<string, number>, problems: string[]) {
  const h = await harness({ CLAIM_LEASE_SECONDS: '60' });
  try {
    const endpointLog = logEndpointChanges(h);
    const d = new FlowDriver(h, [{ seed, transientRate: TRANSIENT_RATE, permanentRate: 0 }], {
      maxAttempts: MAX_ATTEMPTS,
      secondsPerRound: 30,
      noticeCopies: 2,
    });
    for (let i = 0; i < DROPS; i++) {
      const info = await h.store.write(h.config.dataBucket, `datasets/burst-${i}.csv`, GOOD_CSV);
      const event = storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString());
      d.enqueue('onDatasetFinalized', event);
      d.enqueue('onDatasetFinalized', event); // redelivered
    }
    for (let i = 0; i < 40; i++) await d.round();
    const deadLettered = d.deadLetters.length;
    d.setFaults(false);
    d.replayDeadLetters();
    for (let i = 0; i < 40; i++) await d.round();

    const runs = await d.runs();
    const problem = (p: string) => problems.push(`seed ${seed}: ${p}`);
    if (runs.length !== DROPS) problem(`${runs.length} runs`);
    for (const r of runs) {
      const superseded = r.state === 'FAILED' && r.errors[0]?.reason === 'Superseded';
      count(outcomes, superseded ? 'FAILED Superseded' : r.state);
      if (!FINAL_STATES.has(r.state)) problem(`${r.runId} stuck in ${r.state}`);
      if (r.state === 'FAILED' && !superseded)
        problem(`${r.runId} FAILED on transient faults: ${r.errors[0]?.message}`);
    }
    for (const [runId, e] of effectsPerRun(h))
      if (e.builds !== 1 || e.trainings !== 1 || e.deploys > 1) problem(`${runId} ${JSON.stringify(e)}`);
    const keep = h.config.keepDeployedVersions;
    if (h.endpoint.state.deployedModels.length !== keep)
      problem(`${h.endpoint.state.deployedModels.length} deployed models, not ${keep}`);
    const newest = runs.reduce((a, b) => (newerGeneration(b.dataset?.generation, a.dataset?.generation) ? b : a));
    const serving = servingModel(h.endpoint.state)?.id;
    if (serving !== newest.deploy?.deployedModelId) problem(`${serving} serves, not the newest drop ${newest.runId}`);
    const previous = endpointLog.servedAfterDeploy.at(-2);
    await rollback(getRuntime(), { by: 'test', timeoutMs: 5000, everyMs: 1 });
    const after = servingModel(h.endpoint.state)?.id;
    if (after !== previous) problem(`rollback went to ${after}, not the previously serving ${previous}`);
    for (const o of endpointLog.overlaps) problem(`endpoint changes overlapped: ${o}`);
    return { deadLettered, faults: d.faultCount(), changes: endpointLog.changes, effects: effectsPerRun(h) };
  } finally {
    await h.close();
  }
}

describe('reliability: a burst of distinct drops under transient faults (function level)', function () {
  const seeds = isFullRun() ? 10 : 1;
  this.timeout(seeds * 60_000);

  it(`${DROPS} drops at once, every event twice, ${TRANSIENT_RATE * 100} % transient faults → newest serves, keep-K, no overlap, rollback`, async () => {
    const outcomes: Record<string, number> = {};
    const problems: string[] = [];
    let deadLettered = 0;
    let faults = 0;
    let changes = 0;
    let duplicates = 0;
    for (let s = 1; s <= seeds; s++) {
      const r = await oneSeed(s * 104729, outcomes, problems);
      deadLettered += r.deadLettered;
      faults += r.faults;
      changes += r.changes;
      for (const e of r.effects.values())
        duplicates += Math.max(0, e.builds - 1) + Math.max(0, e.trainings - 1) + Math.max(0, e.deploys - 1);
    }
    const lost = Object.entries(outcomes)
      .filter(([k]) => !FINAL_STATES.has(k) && k !== 'FAILED Superseded')
      .reduce((n, [, c]) => n + c, 0);
    recordSuite({
      suite: `burst: ${DROPS} drops + redeliveries under transient faults (function level)`,
      cases: seeds * DROPS,
      outcomes,
      crashes: 0,
      duplicates,
      lost,
      notes:
        `${seeds} seeds, transient ${TRANSIENT_RATE * 100} % on every port; ${faults} faults injected; ${deadLettered} ` +
        `deliveries dead-lettered after ${MAX_ATTEMPTS} attempts, then replayed; ${changes} endpoint changes, 0 ` +
        `overlapping; rollback restored the previously serving version in every seed; FAILED Superseded = an older ` +
        `drop passing its gate once a newer drop served (the rule)`,
    });
    assert.deepEqual(problems, []);
    assert.ok(faults > 0, 'faults were injected');
  });
});
