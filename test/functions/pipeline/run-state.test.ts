import assert from 'node:assert/strict';
import {
  RUN_STATES,
  newRunRecord,
  newScoringRecord,
  type RunCost,
  type RunRecord,
  type RunState,
} from '../../../functions/src/pipeline/run-record';
import { apply, claimExpired, isTerminal, type RunEvent } from '../../../functions/src/pipeline/run-state';
import type { GateDecision } from '../../../functions/src/contract/gate-comparison';
import type { BatchSummary } from '../../../functions/src/pipeline/batch-results';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:30.000Z'; // inside a 120 s lease
const T9 = '2026-01-01T00:05:00.000Z'; // past it
const LEASE = 120;
const model = { name: 'projects/p/locations/r/models/m', versionId: '3' };
const gate = { promote: true } as GateDecision;

/** A record in each state as the pipeline would have left it, with a fresh claim (at T0) and no result recorded. */
function recordIn(state: RunState): RunRecord {
  if (state === 'SCORING' || state === 'SCORED') return scoringIn(state);
  const r: RunRecord = { ...newRunRecord('train-abc', 'dataset-drop', T0), state };
  if (state !== 'RECEIVED' && state !== 'REJECTED') r.build = { claim: { at: T0, attempt: 1 } };
  if (['TRAINING', 'DEPLOYING', 'DEPLOYED', 'HELD'].includes(state)) {
    r.build = { ...r.build, id: 'b1', imageUri: 'img@sha256:1', imageDigest: 'sha256:1' };
    r.training = { claim: { at: T0, attempt: 1 }, baseOutputDir: 'gs://a/runs/train-abc/' };
  }
  if (['DEPLOYING', 'DEPLOYED'].includes(state))
    r.deploy = { claim: { at: T0, attempt: 1 }, requestedSplit: { '0': 100 } };
  if (['DEPLOYING', 'DEPLOYED', 'HELD'].includes(state)) r.training = { ...r.training, model };
  if (state === 'DEPLOYED') r.deploy = { ...r.deploy, deployedModelId: '111', traffic: { '111': 100 } };
  return r;
}

const dataset = { uri: 'gs://d/score/t.csv', bucket: 'd', name: 'score/t.csv', generation: '5', size: 10 };
const summary = {
  rows: 2,
  modelVersion: 'projects/p/locations/r/models/m@3',
  durationSeconds: 60,
  cost: {} as BatchSummary['cost'],
};

/** A scoring run in RECEIVED, SCORING (claim at T0, no job) or SCORED. */
function scoringIn(state: 'RECEIVED' | 'SCORING' | 'SCORED'): RunRecord {
  const r: RunRecord = { ...newScoringRecord('t-abc', T0, dataset), state };
  if (state !== 'RECEIVED') r.scoring = { claim: { at: T0, attempt: 1 }, model, deployedModelId: '111' };
  if (state === 'SCORED')
    r.scoring = { ...r.scoring, jobName: 'bpj/1', predictionsUri: 'gs://d/score/t.predictions.csv' };
  return r;
}

const EVENTS: Record<RunEvent['type'], RunEvent> = {
  reject: { type: 'reject', at: T1, reasons: ['bad'], problemCount: 1 },
  claimBuild: { type: 'claimBuild', at: T1, leaseSeconds: LEASE },
  buildStarted: { type: 'buildStarted', at: T1, buildId: 'b1', logUrl: 'https://log' },
  claimTraining: {
    type: 'claimTraining',
    at: T1,
    leaseSeconds: LEASE,
    buildId: 'b1',
    imageUri: 'img@sha256:1',
    imageDigest: 'sha256:1',
    baseOutputDir: 'gs://a/runs/train-abc/',
    machineType: 'n1-standard-8',
  },
  endpointVersionAllocated: { type: 'endpointVersionAllocated', at: T1, endpointVersion: 4 },
  trainingStarted: { type: 'trainingStarted', at: T1, trainingName: 'tp/1' },
  claimDeploy: {
    type: 'claimDeploy',
    at: T1,
    leaseSeconds: LEASE,
    model,
    metrics: { accuracy: 0.8 },
    gate,
    requestedSplit: { '0': 100 },
  },
  hold: { type: 'hold', at: T1, model, metrics: { accuracy: 0.5 }, gate: { ...gate, promote: false } },
  deployStarted: { type: 'deployStarted', at: T1, operationName: 'op/1' },
  deployed: { type: 'deployed', at: T1, deployedModelId: '111', traffic: { '111': 100 } },
  undeployed: { type: 'undeployed', at: T1, by: 'newer-run', operationName: 'op/u' },
  undeployRecorded: { type: 'undeployRecorded', at: T1, undeployed: [{ deployedModelId: '9', operationName: 'op/9' }] },
  // A no-op on every record of the table: none has undeploys pending (their own test below).
  undeploysFinished: { type: 'undeploysFinished', at: T1, failed: [] },
  releaseClaim: { type: 'releaseClaim', at: T1, stage: 'build' },
  overrideHold: { type: 'overrideHold', at: T1, by: 'ana', leaseSeconds: LEASE, requestedSplit: { '0': 100 } },
  evaluationImported: {
    type: 'evaluationImported',
    at: T1,
    evaluation: { displayName: 'e', task: 'binary-classification', metrics: { rocAuc: 0.8 } },
  },
  trafficChanged: {
    type: 'trafficChanged',
    at: T1,
    action: 'rollback',
    to: 'r1',
    from: 'train-abc',
    by: 'ana',
    split: { '222': 100 },
  },
  finalized: { type: 'finalized', at: T1, of: T0, cost: {} as RunCost, reportUri: 'gs://a/runs/train-abc/report.html' },
  fail: { type: 'fail', at: T1, from: [...RUN_STATES], reason: 'X', message: 'broke' },
  claimScoring: {
    type: 'claimScoring',
    at: T1,
    leaseSeconds: LEASE,
    model,
    deployedModelId: '111',
    servingRunId: 'train-abc',
    inputUri: 'gs://a/runs/t-abc/scoring/instances.jsonl',
    outputUriPrefix: 'gs://a/runs/t-abc/scoring/',
  },
  scoringStarted: { type: 'scoringStarted', at: T1, jobName: 'bpj/1' },
  scored: { type: 'scored', at: T1, predictionsUri: 'gs://d/score/t.predictions.csv', summary },
};

// state → event → resulting state; every pair not listed must be a no-op.
const CHANGES: Record<RunState, Partial<Record<RunEvent['type'], RunState>>> = {
  RECEIVED: { reject: 'REJECTED', claimBuild: 'BUILDING', fail: 'FAILED' },
  REJECTED: { finalized: 'REJECTED' },
  BUILDING: { buildStarted: 'BUILDING', claimTraining: 'TRAINING', releaseClaim: 'BUILDING', fail: 'FAILED' },
  TRAINING: {
    endpointVersionAllocated: 'TRAINING',
    trainingStarted: 'TRAINING',
    claimDeploy: 'DEPLOYING',
    hold: 'HELD',
    fail: 'FAILED',
  },
  DEPLOYING: { deployStarted: 'DEPLOYING', deployed: 'DEPLOYED', evaluationImported: 'DEPLOYING', fail: 'FAILED' },
  DEPLOYED: {
    undeployRecorded: 'DEPLOYED',
    undeployed: 'DEPLOYED',
    evaluationImported: 'DEPLOYED',
    trafficChanged: 'DEPLOYED',
    finalized: 'DEPLOYED',
  },
  FAILED: { finalized: 'FAILED' },
  HELD: { overrideHold: 'DEPLOYING', evaluationImported: 'HELD', finalized: 'HELD' },
  // A scoring run (the table's RECEIVED is a training run's: claimScoring does nothing to it).
  SCORING: { scoringStarted: 'SCORING', fail: 'FAILED' },
  SCORED: { finalized: 'SCORED' },
};

describe('pipeline/run-state', () => {
  for (const state of RUN_STATES) {
    for (const [type, event] of Object.entries(EVENTS)) {
      const expected = CHANGES[state][type as RunEvent['type']];
      it(`${state} + ${type} → ${expected ?? 'no-op'}`, () => {
        const before = recordIn(state);
        const frozen = structuredClone(before);
        const { record, changed } = apply(before, event);
        assert.deepEqual(before, frozen, 'input not mutated');
        if (expected === undefined) {
          assert.equal(changed, false);
          assert.equal(record, before);
        } else {
          assert.equal(changed, true);
          assert.equal(record.state, expected);
          assert.equal(record.updatedAt, T1);
          // A duplicate of the same event is always a no-op.
          assert.equal(apply(record, event).changed, false, 'duplicate is a no-op');
        }
      });
    }
  }

  it('terminal states are exactly REJECTED, DEPLOYED, FAILED, HELD and SCORED', () => {
    assert.deepEqual(RUN_STATES.filter(isTerminal), ['REJECTED', 'DEPLOYED', 'FAILED', 'HELD', 'SCORED']);
  });

  describe('a scoring run', () => {
    it('RECEIVED → SCORING with the serving version and locations recorded; never a build', () => {
      const r = scoringIn('RECEIVED');
      assert.equal(apply(r, EVENTS.claimBuild).changed, false);
      const { record, changed } = apply(r, EVENTS.claimScoring);
      assert.equal(changed, true);
      assert.equal(record.state, 'SCORING');
      assert.deepEqual(record.scoring, {
        claim: { at: T1, attempt: 1 },
        model,
        deployedModelId: '111',
        servingRunId: 'train-abc',
        inputUri: 'gs://a/runs/t-abc/scoring/instances.jsonl',
        outputUriPrefix: 'gs://a/runs/t-abc/scoring/',
      });
      assert.deepEqual(record.stages, { RECEIVED: T0, SCORING: T1 });
    });

    it('the claim is retaken after the lease or a release, keeping the version chosen at the drop', () => {
      const r = scoringIn('SCORING');
      const later = { ...EVENTS.claimScoring, at: T9, model: { ...model, versionId: '9' } } as RunEvent;
      const retaken = apply(r, later);
      assert.equal(retaken.changed, true);
      assert.deepEqual(retaken.record.scoring?.claim, { at: T9, attempt: 2 });
      assert.equal(retaken.record.scoring?.model?.versionId, '3');
      const released = apply(r, { type: 'releaseClaim', at: T1, stage: 'scoring' });
      assert.equal(released.record.scoring?.claim?.released, true);
      assert.equal(apply(released.record, EVENTS.claimScoring).record.scoring?.claim?.attempt, 2);
    });

    it('job recorded once, then SCORED with the predictions and summary; no retake once the job exists', () => {
      const started = apply(scoringIn('SCORING'), EVENTS.scoringStarted).record;
      assert.equal(started.scoring?.jobName, 'bpj/1');
      assert.equal(apply(started, { ...EVENTS.scoringStarted, jobName: 'bpj/2' } as RunEvent).changed, false);
      assert.equal(apply(started, { ...EVENTS.claimScoring, at: T9 } as RunEvent).changed, false);
      assert.equal(apply(started, { type: 'releaseClaim', at: T1, stage: 'scoring' }).changed, false);
      const scored = apply(started, EVENTS.scored).record;
      assert.equal(scored.state, 'SCORED');
      assert.equal(scored.scoring?.predictionsUri, 'gs://d/score/t.predictions.csv');
      assert.deepEqual(scored.scoring?.summary, summary);
      assert.equal(apply(scored, EVENTS.scored).changed, false);
    });
  });

  it('undeploys pending: recorded with the clean-up, finished once with the failed operations named', () => {
    const live = apply(recordIn('DEPLOYING'), EVENTS.deployed).record;
    const cleaned = apply(live, {
      type: 'undeployRecorded',
      at: T1,
      undeployed: [
        { deployedModelId: '8', operationName: 'op/8' },
        { deployedModelId: '9', operationName: 'op/9' },
      ],
      pending: ['op/8', 'op/9'],
    }).record;
    assert.deepEqual(cleaned.deploy?.undeployPending, ['op/8', 'op/9']);
    const finished = apply(cleaned, {
      type: 'undeploysFinished',
      at: T9,
      failed: [{ operationName: 'op/9', error: 'boom' }],
    });
    assert.equal(finished.changed, true);
    assert.equal(finished.record.deploy?.undeployPending, undefined);
    assert.equal(finished.record.deploy?.undeploysFinishedAt, T9);
    assert.deepEqual(finished.record.deploy?.undeployed, [
      { deployedModelId: '8', operationName: 'op/8' },
      { deployedModelId: '9', operationName: 'op/9', error: 'boom' },
    ]);
    assert.equal(apply(finished.record, EVENTS.undeploysFinished).changed, false, 'finished once');
    // Nothing pending (all undeploys failed to start, or a record of before): nothing to finish.
    const none = apply(live, { type: 'undeployRecorded', at: T1, undeployed: [], pending: [] }).record;
    assert.equal(none.deploy?.undeployPending, undefined);
  });

  it('records the time each state was entered', () => {
    let r = newRunRecord('x', 'dataset-drop', T0);
    r = apply(r, { ...EVENTS.claimBuild, at: T1 }).record;
    r = apply(r, { ...EVENTS.claimTraining, at: T9 } as RunEvent).record;
    assert.deepEqual(r.stages, { RECEIVED: T0, BUILDING: T1, TRAINING: T9 });
  });

  const reclaims: [RunState, RunEvent['type'], (r: RunRecord) => RunRecord][] = [
    ['BUILDING', 'claimBuild', (r) => ({ ...r, build: { ...r.build, id: 'b1' } })],
    ['TRAINING', 'claimTraining', (r) => ({ ...r, training: { ...r.training, name: 'tp/1' } })],
    ['DEPLOYING', 'claimDeploy', (r) => ({ ...r, deploy: { ...r.deploy, operationName: 'op/1' } })],
  ];
  for (const [state, type, withResult] of reclaims) {
    describe(`a ${state} claim`, () => {
      it('is held inside the lease', () => {
        assert.equal(apply(recordIn(state), { ...EVENTS[type], at: T1 } as RunEvent).changed, false);
      });
      it('is retaken after the lease when no result was recorded (attempt 2)', () => {
        const { record, changed } = apply(recordIn(state), { ...EVENTS[type], at: T9 } as RunEvent);
        assert.equal(changed, true);
        assert.equal(record.state, state);
        const claim = { BUILDING: record.build, TRAINING: record.training, DEPLOYING: record.deploy }[
          state as 'BUILDING'
        ]?.claim;
        assert.deepEqual(claim, { at: T9, attempt: 2 });
      });
      it('is retaken at once after its holder released it, and released only once', () => {
        const stage = ({ BUILDING: 'build', TRAINING: 'training', DEPLOYING: 'deploy' } as const)[state as 'BUILDING'];
        const released = apply(recordIn(state), { type: 'releaseClaim', at: T1, stage });
        assert.equal(released.changed, true);
        assert.equal(apply(released.record, { type: 'releaseClaim', at: T1, stage }).changed, false);
        assert.equal(apply(released.record, { ...EVENTS[type], at: T1 } as RunEvent).changed, true);
        assert.equal(
          apply(withResult(recordIn(state)), { type: 'releaseClaim', at: T1, stage }).changed,
          false,
          'no release once a result is recorded',
        );
      });
      it('is never retaken once a result is recorded', () => {
        assert.equal(apply(withResult(recordIn(state)), { ...EVENTS[type], at: T9 } as RunEvent).changed, false);
      });
    });
  }

  it('a failure only applies from the states it names (a late build failure cannot undo training)', () => {
    const late: RunEvent = { type: 'fail', at: T1, from: ['BUILDING'], reason: 'FAILURE', message: 'build failed' };
    assert.equal(apply(recordIn('TRAINING'), late).changed, false);
    const { record } = apply(recordIn('BUILDING'), late);
    assert.equal(record.state, 'FAILED');
    assert.deepEqual(record.errors, [{ at: T1, stage: 'BUILDING', reason: 'FAILURE', message: 'build failed' }]);
  });

  it('out-of-order delivery: a deploy result before the deploy claim is ignored, the claim still works', () => {
    const r = recordIn('TRAINING');
    assert.equal(apply(r, EVENTS.deployed).changed, false);
    assert.equal(apply(r, EVENTS.deployStarted).changed, false);
    assert.equal(apply(r, EVENTS.claimDeploy).record.state, 'DEPLOYING');
  });

  it('claimTraining keeps the build log URL and records the image', () => {
    const r = apply(
      { ...recordIn('BUILDING'), build: { id: 'b1', logUrl: 'https://log' } },
      EVENTS.claimTraining,
    ).record;
    assert.deepEqual(r.build, { id: 'b1', logUrl: 'https://log', imageUri: 'img@sha256:1', imageDigest: 'sha256:1' });
  });

  it('claimTraining records the machine it picked; a retaken claim keeps it', () => {
    const r = apply({ ...recordIn('BUILDING'), build: { id: 'b1' } }, EVENTS.claimTraining).record;
    assert.equal(r.training?.machineType, 'n1-standard-8');
    const retaken = apply(r, { ...EVENTS.claimTraining, at: T9, machineType: 'n1-highmem-16' } as RunEvent).record;
    assert.equal(retaken.training?.claim?.attempt, 2);
    assert.equal(retaken.training?.machineType, 'n1-standard-8');
  });

  it('claimExpired: no claim counts as expired; the lease boundary is inclusive', () => {
    assert.equal(claimExpired(undefined, T0, LEASE), true);
    assert.equal(claimExpired({ at: T0, attempt: 1 }, '2026-01-01T00:01:59.999Z', LEASE), false);
    assert.equal(claimExpired({ at: T0, attempt: 1 }, '2026-01-01T00:02:00.000Z', LEASE), true);
  });
});
