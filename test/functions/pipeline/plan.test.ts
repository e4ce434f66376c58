// Every state × observation row of the engine's decision: plan(record, observation, config) → one action.
import assert from 'node:assert/strict';
import type { GateDecision } from '../../../functions/src/contract/gate-comparison';
import {
  needs,
  needsEndpoint,
  newerDrop,
  plan,
  type Action,
  type Observation,
  type PlanConfig,
} from '../../../functions/src/pipeline/plan';
import { newRunRecord, newScoringRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import type { BatchJobStatus, EndpointState, TrainingStatus } from '../../../functions/src/ports';

const T0 = '2026-03-01T12:00:00.000Z';
const SOON = '2026-03-01T12:00:10.000Z';
const LATE = '2026-03-01T13:00:00.000Z';
const config: PlanConfig = {
  claimLeaseSeconds: 600,
  trafficPolicy: { kind: 'replace' },
};
const policy = { metric: 'accuracy', direction: 'higher' as const, floor: 0.7, tolerance: 0.01 };
/** The observed metrics.json v1 of a trained run, with the gate it is judged by. */
const gated = (metrics: Record<string, number | null>) => ({ file: { metrics }, policy });
const image = { uri: 'repo/trainer@sha256:ab', digest: 'sha256:ab' };
const model = { name: 'projects/p/locations/r/models/m', versionId: '3' };
const endpoint: EndpointState = { name: 'e', deployedModels: [], trafficSplit: {} };
const claim = { at: T0, attempt: 1 };

function run(state: RunRecord['state'], extra: Partial<RunRecord> = {}, generation = '200'): RunRecord {
  const base = newRunRecord('drop-b', 'dataset-drop', T0, {
    uri: 'gs://data/datasets/b.csv',
    bucket: 'data',
    name: 'datasets/b.csv',
    generation,
    size: 10,
  });
  return { ...base, state, ...extra };
}
const building = (extra: Partial<RunRecord['build']> = {}) => run('BUILDING', { build: { claim, id: 'b1', ...extra } });
const training = (t: Partial<NonNullable<RunRecord['training']>> = {}) =>
  run('TRAINING', {
    build: { claim, id: 'b1', imageUri: image.uri, imageDigest: image.digest },
    training: { claim, endpointVersion: 3, ...t },
  });
const trained = (state: TrainingStatus['state'], extra: Partial<TrainingStatus> = {}): TrainingStatus => ({
  name: 'tp/1',
  state,
  runId: 'drop-b',
  ...extra,
});
const deploying = (d: Partial<NonNullable<RunRecord['deploy']>> = {}) =>
  run('DEPLOYING', {
    training: { name: 'tp/1', model, endpointVersion: 3 },
    metrics: { accuracy: 0.8 },
    deploy: { claim, requestedSplit: { '0': 100 }, ...d },
  });
const o = (extra: Partial<Observation> = {}): Observation => ({ now: SOON, source: 'tick', ...extra });
const older = {
  runId: 'drop-a',
  dataset: { ...run('DEPLOYED').dataset!, generation: '100' },
  metrics: { accuracy: 0.75 },
};
const newer = {
  runId: 'drop-c',
  dataset: { ...run('DEPLOYED').dataset!, generation: '300' },
  metrics: { accuracy: 0.75 },
};

/** A scoring run (a file dropped under score/) in `state`. */
function scoring(state: RunRecord['state'], s: RunRecord['scoring'] = undefined): RunRecord {
  const base = newScoringRecord('score-b', T0, {
    uri: 'gs://data/score/b.csv',
    bucket: 'data',
    name: 'score/b.csv',
    generation: '200',
    size: 10,
  });
  return { ...base, state, ...(s ? { scoring: s } : {}) };
}
const serving: EndpointState = {
  name: 'e',
  deployedModels: [
    { id: '7', model: model.name, modelVersionId: '2', displayName: 'v2-drop-a' },
    { id: '8', model: model.name, modelVersionId: '3', displayName: 'v3-drop-c' },
  ],
  trafficSplit: { '7': 0, '8': 100 },
};
const claimed = { claim, model, deployedModelId: '8', servingRunId: 'drop-c' };
const job = (state: BatchJobStatus['state'], extra: Partial<BatchJobStatus> = {}): BatchJobStatus => ({
  name: 'bpj/1',
  state,
  ...extra,
});

const ROWS: [string, RunRecord, Observation, Action['kind'], Partial<Action>?][] = [
  // RECEIVED
  [
    'RECEIVED, dataset ok → claim the build',
    run('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'ok', rows: 3 } }),
    'claimBuild',
  ],
  [
    'RECEIVED, invalid → reject',
    run('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'invalid', reasons: ['x'], problemCount: 1 } }),
    'reject',
  ],
  [
    'RECEIVED, gone → fail DatasetGone',
    run('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'gone' } }),
    'fail',
    { reason: 'DatasetGone' },
  ],
  [
    'RECEIVED, newer generation → supersede',
    run('RECEIVED'),
    o({ source: 'dataset', newerGeneration: '999' }),
    'supersede',
  ],
  ['RECEIVED, tick within the lease → wait', run('RECEIVED'), o({ dataset: { kind: 'ok', rows: 3 } }), 'wait'],
  [
    'RECEIVED, tick after the lease → retake',
    run('RECEIVED'),
    o({ now: LATE, dataset: { kind: 'ok', rows: 3 } }),
    'claimBuild',
  ],
  // BUILDING, no build yet
  [
    'BUILDING, claim just taken → start the build',
    run('BUILDING', { build: { claim } }),
    o({ holdsClaim: 'build' }),
    'startBuild',
    { retaken: false },
  ],
  ['BUILDING, someone holds the claim → wait', run('BUILDING', { build: { claim } }), o(), 'wait'],
  ['BUILDING, claim expired → retake it', run('BUILDING', { build: { claim } }), o({ now: LATE }), 'claimBuild'],
  [
    'BUILDING, claim expired, newer generation → supersede',
    run('BUILDING', { build: { claim } }),
    o({ now: LATE, newerGeneration: '999' }),
    'supersede',
  ],
  [
    'BUILDING, retaken claim → start with check-before-create',
    run('BUILDING', { build: { claim: { at: T0, attempt: 2 } } }),
    o({ holdsClaim: 'build' }),
    'startBuild',
    { retaken: true },
  ],
  // BUILDING, with a build
  ['BUILDING, build not read → wait', building(), o(), 'wait'],
  ['BUILDING, build WORKING → wait', building(), o({ build: { id: 'b1', status: 'WORKING' } }), 'wait'],
  [
    'BUILDING, build FAILURE → fail with the log URL',
    building(),
    o({ build: { id: 'b1', status: 'FAILURE', logUrl: 'https://log' } }),
    'fail',
    { reason: 'BuildFAILURE' },
  ],
  [
    'BUILDING, SUCCESS without digest → fail NoImageDigest',
    building(),
    o({ build: { id: 'b1', status: 'SUCCESS' } }),
    'fail',
    { reason: 'NoImageDigest' },
  ],
  [
    'BUILDING, SUCCESS → claim the training',
    building(),
    o({ build: { id: 'b1', status: 'SUCCESS' }, image }),
    'claimTraining',
  ],
  [
    'BUILDING, SUCCESS, newer generation → supersede',
    building(),
    o({ build: { id: 'b1', status: 'SUCCESS' }, image, newerGeneration: '999' }),
    'supersede',
  ],
  ['BUILDING, another build id → wait', building(), o({ build: { id: 'other', status: 'SUCCESS' }, image }), 'wait'],
  [
    'BUILDING, notice before the id was recorded → claim the training',
    run('BUILDING', { build: { claim } }),
    o({ source: 'build', build: { id: 'b9', status: 'SUCCESS' }, image }),
    'claimTraining',
    { buildId: 'b9' },
  ],
  // TRAINING, not submitted
  [
    'TRAINING, claim just taken, no version → allocate it',
    training({ endpointVersion: undefined }),
    o({ holdsClaim: 'training' }),
    'allocateVersion',
  ],
  [
    'TRAINING, claim just taken → start the training',
    training(),
    o({ holdsClaim: 'training' }),
    'startTraining',
    { retaken: false },
  ],
  ['TRAINING, claim held (event) → wait, no retry', training(), o({ source: 'build' }), 'wait', { retry: false }],
  [
    'TRAINING, claim held (training notice) → retry later',
    training(),
    o({ source: 'training' }),
    'wait',
    { retry: true },
  ],
  ['TRAINING, claim expired, registry busy → wait', training(), o({ now: LATE, registryBusy: true }), 'wait'],
  ['TRAINING, claim expired → retake it', training(), o({ now: LATE }), 'claimTraining'],
  [
    'TRAINING, claim expired, newer generation → supersede',
    training(),
    o({ now: LATE, newerGeneration: '999' }),
    'supersede',
  ],
  // TRAINING, submitted
  [
    'TRAINING, RUNNING (notice) → retry',
    training({ name: 'tp/1' }),
    o({ source: 'training', training: trained('RUNNING') }),
    'wait',
    { retry: true },
  ],
  [
    'TRAINING, RUNNING (tick) → wait',
    training({ name: 'tp/1' }),
    o({ training: trained('RUNNING') }),
    'wait',
    { retry: false },
  ],
  [
    'TRAINING, another run’s training → wait',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { runId: 'x', model }) }),
    'wait',
  ],
  [
    'TRAINING, FAILED → fail',
    training({ name: 'tp/1' }),
    o({ training: trained('FAILED', { error: 'oom' }) }),
    'fail',
    { reason: 'TrainingFAILED' },
  ],
  [
    'TRAINING, SUCCEEDED without model → fail',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED') }),
    'fail',
    { reason: 'TrainingSUCCEEDED' },
  ],
  [
    'TRAINING, metrics missing → fail',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: { error: 'no metrics.json' } }),
    'fail',
    { reason: 'MetricsMissing' },
  ],
  [
    'TRAINING, below the floor → hold',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.5 }), endpoint }),
    'hold',
  ],
  [
    'TRAINING, passes, nothing serves → claim the deploy',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.8 }), endpoint }),
    'claimDeploy',
    { requestedSplit: { '0': 100 } },
  ],
  [
    'TRAINING, passes an older serving drop → claim the deploy',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.8 }), endpoint, serving: older }),
    'claimDeploy',
  ],
  [
    'TRAINING, worse than the serving figure recorded on other rows, better on the same rows → claim (like-for-like)',
    training({ name: 'tp/1', baselineRunId: older.runId }),
    o({
      training: trained('SUCCEEDED', { model }),
      metrics: { file: { metrics: { accuracy: 0.72 }, baseline: { metrics: { accuracy: 0.7 } } }, policy },
      endpoint,
      serving: older,
    }),
    'claimDeploy',
    { metrics: { accuracy: 0.72 } },
  ],
  [
    'TRAINING, the baseline scored is a run that no longer serves (rolled back, or overtaken) → its figures unused, hold',
    training({ name: 'tp/1', baselineRunId: 'rolled-back-run' }),
    o({
      training: trained('SUCCEEDED', { model }),
      metrics: { file: { metrics: { accuracy: 0.72 }, baseline: { metrics: { accuracy: 0.7 } } }, policy },
      endpoint,
      serving: older,
    }),
    'hold',
  ],
  [
    'TRAINING, a baseline in metrics.json but none recorded as given (a training found after a crash) → recorded, hold',
    training({ name: 'tp/1' }),
    o({
      training: trained('SUCCEEDED', { model }),
      metrics: { file: { metrics: { accuracy: 0.72 }, baseline: { metrics: { accuracy: 0.7 } } }, policy },
      endpoint,
      serving: older,
    }),
    'hold',
  ],
  [
    'TRAINING, no baseline scored: the recorded serving figure, not like-for-like → hold',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.72 }), endpoint, serving: older }),
    'hold',
  ],
  [
    'TRAINING, gate metric null in metrics.json → hold, the null left out of the recorded figures',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: null, rocAuc: 0.9 }), endpoint }),
    'hold',
    { metrics: { rocAuc: 0.9 } },
  ],
  [
    'TRAINING, passes but a newer drop serves → supersede',
    training({ name: 'tp/1' }),
    o({ training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.8 }), endpoint, serving: newer }),
    'supersede',
  ],
  [
    'TRAINING, training found without a recorded name → gate it',
    training(),
    o({ now: LATE, training: trained('SUCCEEDED', { model }), metrics: gated({ accuracy: 0.8 }), endpoint }),
    'claimDeploy',
  ],
  // DEPLOYING
  ['DEPLOYING, claim just taken → deploy', deploying(), o({ holdsClaim: 'deploy' }), 'deploy'],
  ['DEPLOYING, claim held → wait', deploying(), o({ endpoint }), 'wait'],
  ['DEPLOYING, claim expired → retake', deploying(), o({ now: LATE, endpoint }), 'retakeDeploy'],
  [
    'DEPLOYING, claim expired, newer drop serves → supersede',
    deploying(),
    o({ now: LATE, endpoint, serving: newer }),
    'supersede',
  ],
  [
    'DEPLOYING, model already live (record lost) → go live',
    deploying(),
    o({ endpoint, liveModelId: '42' }),
    'goLive',
    { deployedModelId: '42' },
  ],
  [
    'DEPLOYING, operation running → wait',
    deploying({ operationName: 'op/1' }),
    o({ operation: { name: 'op/1', done: false } }),
    'wait',
  ],
  [
    'DEPLOYING, operation failed → fail',
    deploying({ operationName: 'op/1' }),
    o({ operation: { name: 'op/1', done: true, error: 'quota' } }),
    'fail',
    { reason: 'DeployFailed' },
  ],
  [
    'DEPLOYING, done without a model → fail',
    deploying({ operationName: 'op/1' }),
    o({ operation: { name: 'op/1', done: true } }),
    'fail',
    { reason: 'DeployedModelMissing' },
  ],
  [
    'DEPLOYING, done → go live',
    deploying({ operationName: 'op/1' }),
    o({ operation: { name: 'op/1', done: true, deployedModelId: '7' } }),
    'goLive',
    { deployedModelId: '7' },
  ],
  // Final states
  ['DEPLOYED, not cleaned up → clean up', run('DEPLOYED', { deploy: { deployedModelId: '7' } }), o(), 'cleanUp'],
  [
    'DEPLOYED, cleaned up, report stale → finalize',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [] } }),
    o(),
    'finalize',
  ],
  [
    'DEPLOYED, undeployed by keep-K, report stale → finalize',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployedAt: T0 } }),
    o(),
    'finalize',
  ],
  [
    'DEPLOYED, undeploys pending, not read yet → wait',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [], undeployPending: ['op/u6'] } }),
    o(),
    'wait',
  ],
  [
    'DEPLOYED, an undeploy still running → wait (the lease stays held)',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [], undeployPending: ['op/u5', 'op/u6'] } }),
    o({
      undeploys: [
        { name: 'op/u5', done: true },
        { name: 'op/u6', done: false },
      ],
    }),
    'wait',
    { why: 'undeploy op/u6 running' },
  ],
  [
    'DEPLOYED, every undeploy done → finish them (the failed one named)',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [], undeployPending: ['op/u5', 'op/u6'] } }),
    o({
      undeploys: [
        { name: 'op/u5', done: true },
        { name: 'op/u6', done: true, error: 'gone wrong' },
      ],
    }),
    'finishUndeploys',
    { failed: [{ operationName: 'op/u6', error: 'gone wrong' }] },
  ],
  [
    'DEPLOYED, reported → done',
    run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [] }, report: { uri: 'r', writtenAt: T0, of: T0 } }),
    o(),
    'done',
  ],
  ['HELD, report stale → finalize', run('HELD'), o(), 'finalize'],
  ['FAILED, reported → done', run('FAILED', { report: { uri: 'r', writtenAt: T0, of: T0 } }), o(), 'done'],
  ['REJECTED, report stale → finalize', run('REJECTED'), o(), 'finalize'],
  // A scoring run (kind 'scoring')
  [
    'scoring RECEIVED, file ok → claim the job with the version taking traffic and the run that deployed it',
    scoring('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'ok', rows: 3 }, endpoint: serving }),
    'claimScoring',
    { model, deployedModelId: '8', servingRunId: 'drop-c' },
  ],
  [
    'scoring RECEIVED, invalid → reject (no build, no job)',
    scoring('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'invalid', reasons: ['x'], problemCount: 1 } }),
    'reject',
  ],
  [
    'scoring RECEIVED, gone → fail DatasetGone',
    scoring('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'gone' } }),
    'fail',
    { reason: 'DatasetGone' },
  ],
  [
    'scoring RECEIVED, nothing serves → fail NothingServing',
    scoring('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'ok', rows: 3 }, endpoint }),
    'fail',
    { reason: 'NothingServing' },
  ],
  [
    'scoring RECEIVED, file ok, endpoint not read → wait',
    scoring('RECEIVED'),
    o({ source: 'dataset', dataset: { kind: 'ok', rows: 3 } }),
    'wait',
  ],
  [
    'scoring RECEIVED, a newer generation of the file is not a supersede: each generation is scored',
    scoring('RECEIVED'),
    o({ source: 'dataset', newerGeneration: '999', dataset: { kind: 'ok', rows: 3 }, endpoint: serving }),
    'claimScoring',
  ],
  [
    'scoring RECEIVED, tick within the lease → wait',
    scoring('RECEIVED'),
    o({ dataset: { kind: 'ok', rows: 3 }, endpoint: serving }),
    'wait',
  ],
  [
    'scoring RECEIVED, tick after the lease (the drop event gave up) → claim',
    scoring('RECEIVED'),
    o({ now: LATE, dataset: { kind: 'ok', rows: 3 }, endpoint: serving }),
    'claimScoring',
  ],
  [
    'SCORING, claim just taken → start the job',
    scoring('SCORING', claimed),
    o({ source: 'dataset', holdsClaim: 'scoring' }),
    'startScoring',
    { retaken: false },
  ],
  ['SCORING, claim live, no job → wait', scoring('SCORING', claimed), o(), 'wait'],
  [
    'SCORING, claim expired, no job → retake with the version recorded at the drop',
    scoring('SCORING', claimed),
    o({ now: LATE, endpoint: serving }),
    'claimScoring',
    { model, deployedModelId: '8' },
  ],
  [
    'SCORING, retaken claim → start again (the port finds the job an earlier attempt made)',
    scoring('SCORING', { ...claimed, claim: { at: LATE, attempt: 2 } }),
    o({ now: LATE, holdsClaim: 'scoring' }),
    'startScoring',
    { retaken: true },
  ],
  ['SCORING, job not read → wait', scoring('SCORING', { ...claimed, jobName: 'bpj/1' }), o(), 'wait'],
  [
    'SCORING, job PENDING → wait',
    scoring('SCORING', { ...claimed, jobName: 'bpj/1' }),
    o({ batchJob: job('PENDING') }),
    'wait',
  ],
  [
    'SCORING, job RUNNING → wait (not a retry: the tick comes back)',
    scoring('SCORING', { ...claimed, jobName: 'bpj/1' }),
    o({ batchJob: job('RUNNING') }),
    'wait',
    { retry: false },
  ],
  [
    'SCORING, job SUCCEEDED → write the predictions',
    scoring('SCORING', { ...claimed, jobName: 'bpj/1' }),
    o({ batchJob: job('SUCCEEDED', { outputDirectory: 'gs://a/o/' }) }),
    'writePredictions',
  ],
  [
    'SCORING, job FAILED → fail BatchFAILED with its error',
    scoring('SCORING', { ...claimed, jobName: 'bpj/1' }),
    o({ batchJob: job('FAILED', { error: 'quota' }) }),
    'fail',
    { reason: 'BatchFAILED', message: 'batch prediction job bpj/1 FAILED: quota', from: ['SCORING'] },
  ],
  [
    'SCORING, job CANCELLED → fail BatchCANCELLED',
    scoring('SCORING', { ...claimed, jobName: 'bpj/1' }),
    o({ batchJob: job('CANCELLED') }),
    'fail',
    { reason: 'BatchCANCELLED' },
  ],
  ['SCORED → done (a scoring run has no report)', scoring('SCORED', { ...claimed, jobName: 'bpj/1' }), o(), 'done'],
  ['scoring REJECTED → done', scoring('REJECTED'), o(), 'done'],
  ['scoring FAILED → done', scoring('FAILED'), o(), 'done'],
];

describe('pipeline/plan', () => {
  for (const [what, record, observation, kind, fields] of ROWS) {
    it(what, () => {
      const action = plan(record, observation, config);
      assert.equal(action.kind, kind, JSON.stringify(action));
      for (const [k, v] of Object.entries(fields ?? {}))
        assert.deepEqual((action as Record<string, unknown>)[k] ?? false, v, `${k} of ${JSON.stringify(action)}`);
    });
  }

  it('a baseline from a run that no longer serves is not like for like: the recorded figure decides, and says why', () => {
    const scored = { file: { metrics: { accuracy: 0.8 }, baseline: { metrics: { accuracy: 0.9 } } }, policy };
    const obs = o({ training: trained('SUCCEEDED', { model }), metrics: scored, endpoint, serving: older });
    const fresh = plan(training({ name: 'tp/1', baselineRunId: older.runId }), obs, config);
    assert.equal(fresh.kind, 'hold', 'scored against the serving run: 0.8 < 0.9 - tolerance');
    const stale = plan(training({ name: 'tp/1', baselineRunId: 'rolled-back-run' }), obs, config);
    assert.equal(stale.kind, 'claimDeploy', JSON.stringify(stale));
    const gate = (stale as { gate: GateDecision }).gate;
    assert.equal(gate.comparison, 'recorded');
    assert.equal(gate.serving, older.metrics.accuracy);
    assert.match(gate.rows ?? '', /the baseline the trainer scored \(run rolled-back-run\) no longer serves/);
  });

  it('every state has rows', () => {
    const states = new Set(ROWS.map(([, r]) => r.state));
    for (const s of ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED', 'HELD', 'FAILED', 'REJECTED'])
      assert.ok(states.has(s as RunRecord['state']), s);
    const scoringStates = new Set(ROWS.filter(([, r]) => r.kind === 'scoring').map(([, r]) => r.state));
    for (const s of ['RECEIVED', 'SCORING', 'SCORED', 'FAILED', 'REJECTED'])
      assert.ok(scoringStates.has(s as RunRecord['state']), `scoring ${s}`);
  });

  it('a scoring run reads its file and the endpoint, then only its batch job', () => {
    assert.deepEqual(needs(scoring('RECEIVED')), ['dataset', 'endpoint']);
    assert.deepEqual(needs(scoring('SCORING', claimed)), []);
    assert.deepEqual(needs(scoring('SCORING', { ...claimed, jobName: 'bpj/1' })), ['batch']);
    assert.deepEqual(needs(scoring('SCORED', { ...claimed, jobName: 'bpj/1' })), []);
  });

  it('a DEPLOYED run reads its pending undeploy operations, and needs the endpoint until they are finished', () => {
    const pending = run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [], undeployPending: ['op/u6'] } });
    const finished = run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [], undeploysFinishedAt: T0 } });
    assert.deepEqual(needs(pending), ['undeploys']);
    assert.deepEqual(needs(finished), []);
    assert.equal(needsEndpoint(run('DEPLOYING')), true, 'a deployment');
    assert.equal(needsEndpoint(run('DEPLOYED', { deploy: { deployedModelId: '7' } })), true, 'its clean-up');
    assert.equal(needsEndpoint(pending), true, 'its undeploys running');
    assert.equal(needsEndpoint(finished), false);
    assert.equal(needsEndpoint(run('DEPLOYED', { deploy: { deployedModelId: '7', undeployed: [] } })), false);
    assert.equal(needsEndpoint(run('DEPLOYED', { deploy: { deployedModelId: '7', undeployedAt: T0 } })), false);
    assert.equal(needsEndpoint(run('FAILED')), false);
  });

  it('newerDrop orders generations numerically beyond 2^53, the run id breaking a tie', () => {
    const at = (runId: string, generation: string) => ({ runId, dataset: { ...run('DEPLOYED').dataset!, generation } });
    assert.equal(newerDrop(at('a', '10000000000000001'), at('b', '9999999999999999')), true);
    assert.equal(newerDrop(at('a', '9999999999999999'), at('b', '10000000000000001')), false);
    assert.equal(newerDrop(at('b', '5'), at('a', '5')), true);
    assert.equal(newerDrop(at('a', '5'), undefined), true);
  });
});
