import assert from 'node:assert/strict';
import {
  renderLineage,
  renderRunTable,
  renderStages,
  runDuration,
  shortReason,
} from '../../../functions/src/cli/run-view';
import { decideGate } from '../../../functions/src/contract/gate-comparison';
import type { BatchSummary } from '../../../functions/src/pipeline/batch-results';
import { newRunRecord, newScoringRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const POLICY = { metric: 'accuracy', direction: 'higher', floor: 0.75, tolerance: 0.01 } as const;
/** The gate's decision for a candidate accuracy against the serving version's recorded one. */
const decide = (policy: typeof POLICY, candidate: number, serving: number | undefined) =>
  decideGate(policy, {
    candidate: { metrics: { accuracy: candidate } },
    servingRecorded: serving === undefined ? undefined : { accuracy: serving },
  });

const deployed: RunRecord = {
  ...newRunRecord('train-abc123', 'dataset-drop', t(0), {
    uri: 'gs://data/datasets/train.csv',
    bucket: 'data',
    name: 'datasets/train.csv',
    generation: '17',
    size: 100,
    md5Hash: 'abc==',
  }),
  state: 'DEPLOYED',
  updatedAt: t(9),
  stages: { RECEIVED: t(0), BUILDING: t(1), TRAINING: t(3), DEPLOYING: t(7), DEPLOYED: t(9) },
  build: { id: 'b-1', imageUri: 'local/vertex-retrain/trainer@sha256:ff' },
  training: {
    endpointVersion: 2,
    machineType: 'n1-highmem-16',
    name: 'projects/p/locations/l/trainingPipelines/9',
    model: { name: 'projects/p/locations/l/models/m', versionId: '2' },
  },
  metrics: { accuracy: 0.84269, rocAuc: 0.9 },
  gate: decide(POLICY, 0.84, undefined),
  deploy: { deployedModelId: '42', traffic: { '42': 100, '41': 0 } },
};

describe('cli/run-view', () => {
  it('shows every stage reached with how long it took', () => {
    const lines = renderStages(deployed, new Date(t(20)));
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /✔ RECEIVED .* 1\.0 s$/);
    assert.match(lines[2] ?? '', /✔ TRAINING .* 4\.0 s$/);
    assert.match(lines[4] ?? '', /✔ DEPLOYED\s+serving$/);
    assert.equal(runDuration(deployed, new Date(t(20))), 9000);
  });

  it('shows the current stage with its elapsed time while the run moves', () => {
    const moving: RunRecord = {
      ...deployed,
      state: 'TRAINING',
      stages: { RECEIVED: t(0), BUILDING: t(1), TRAINING: t(3) },
    };
    const lines = renderStages(moving, new Date(t(5)));
    assert.match(lines.at(-1) ?? '', /… TRAINING .* 2\.0 s so far$/);
    assert.equal(runDuration(moving, new Date(t(5))), 5000);
  });

  it('ends a rejected run with its reasons', () => {
    const rejected: RunRecord = {
      ...deployed,
      state: 'REJECTED',
      stages: { RECEIVED: t(0), REJECTED: t(1) },
      rejection: { reasons: ['missing column Sex'], problemCount: 1 },
    };
    const lines = renderStages(rejected, new Date(t(2)));
    assert.match(lines[0] ?? '', /✔ RECEIVED .* 1\.0 s$/);
    assert.match(lines[1] ?? '', /✘ REJECTED .*: missing column Sex$/);
  });

  it('prints the lineage from dataset generation to deployed model', () => {
    const text = renderLineage(deployed).join('\n');
    for (const part of [
      'gs://data/datasets/train.csv#17',
      'b-1',
      'sha256:ff',
      'trainingPipelines/9',
      'training machine n1-highmem-16',
      'models/m@2',
      'accuracy=0.8427',
      'promoted',
      '"42":100',
    ]) {
      assert.ok(text.includes(part), `lineage mentions ${part}:\n${text}`);
    }
  });

  it('says which gate comparison decided, with both figures and the rows they were measured on', () => {
    const likeForLike: RunRecord = {
      ...deployed,
      gate: decideGate(POLICY, {
        candidate: {
          metrics: { accuracy: 0.85 },
          baseline: { modelDir: 'gs://a/runs/r0/model/', metrics: { accuracy: 0.82 } },
          rows: { total: 891, holdout: 179 },
        },
        servingRecorded: { accuracy: 0.9 },
      }),
    };
    const line = renderLineage(likeForLike).find((l) => l.includes('gate comparison')) ?? '';
    assert.match(
      line,
      /like-for-like: candidate 0\.85, serving 0\.82; both scored on the candidate's 179 hold-out rows/,
    );
    const recorded = renderLineage(deployed).find((l) => l.includes('gate comparison')) ?? '';
    assert.match(recorded, /none: candidate 0\.84, no serving figure/);
  });

  it('lists runs newest first in aligned columns', () => {
    const older: RunRecord = { ...deployed, runId: 'old-1', createdAt: t(0) };
    const newer: RunRecord = { ...deployed, runId: 'new-2', createdAt: t(30), state: 'TRAINING' };
    const lines = renderRunTable([older, newer]);
    assert.match(lines[0] ?? '', /^RUN\s+KIND\s+STATE\s+CREATED\s+VERSION\s+TRAFFIC\s+COST\s+DATASET\s+REASON$/);
    assert.match(lines[1] ?? '', /^new-2\s+training\s+TRAINING/);
    assert.match(lines[2] ?? '', /^old-1\s+training\s+DEPLOYED/);
  });

  it('shows a scoring run as its own kind: the version it scored with, the job, the predictions and summary', () => {
    const scored: RunRecord = {
      ...newScoringRecord('test-9f', t(0), {
        uri: 'gs://data/score/test.csv',
        bucket: 'data',
        name: 'score/test.csv',
        generation: '5',
        size: 10,
      }),
      state: 'SCORED',
      stages: { RECEIVED: t(0), SCORING: t(1), SCORED: t(61) },
      scoring: {
        model: { name: 'projects/p/locations/r/models/m', versionId: '4' },
        deployedModelId: '111',
        servingRunId: 'train-ab',
        jobName: 'projects/p/locations/r/batchPredictionJobs/9',
        predictionsUri: 'gs://data/score/test.predictions.csv',
        summary: {
          rows: 418,
          modelVersion: 'projects/p/locations/r/models/m@4',
          durationSeconds: 60,
          cost: { usd: 0.0123, machineType: 'n1-standard-2' } as BatchSummary['cost'],
        },
      },
    };
    const table = renderRunTable([scored]);
    assert.match(
      table[1] ?? '',
      /^test-9f\s+scoring\s+SCORED\s+\S+ \S+\s+@4\s+\$0\.0123\s+gs:\/\/data\/score\/test\.csv/,
    );
    const lineage = renderLineage(scored).join('\n');
    assert.match(lineage, /^run test-9f \(scoring run, SCORED, scoring-drop\)/);
    assert.match(lineage, /scored with\s+projects\/p\/locations\/r\/models\/m@4 \(deployed model 111, run train-ab\)/);
    assert.match(lineage, /batch job\s+projects\/p\/locations\/r\/batchPredictionJobs\/9/);
    assert.match(lineage, /predictions\s+gs:\/\/data\/score\/test\.predictions\.csv/);
    assert.match(lineage, /summary\s+418 rows, 60 s, \$0\.0123 \(n1-standard-2\)/);
    const stages = renderStages(scored, new Date(t(70)));
    assert.equal(stages.length, 3);
    assert.match(stages[1] ?? '', /✔ SCORING .* 60\.0 s$/);
    assert.match(stages[2] ?? '', /✔ SCORED/);
  });

  it('says in the REASON column why a run was rejected, held or failed', () => {
    const rejected: RunRecord = {
      ...deployed,
      runId: 'rej-1',
      state: 'REJECTED',
      rejection: { reasons: ['missing column Survived', 'Age: 3 bad values'], problemCount: 4 },
    };
    const held: RunRecord = {
      ...deployed,
      runId: 'held-2',
      state: 'HELD',
      gate: { ...decide(POLICY, 0.7, 0.8), reason: 'below serving' },
    };
    const failed: RunRecord = {
      ...deployed,
      runId: 'fail-3',
      state: 'FAILED',
      errors: [{ at: t(1), stage: 'TRAINING', reason: 'TRAINING_FAILED', message: 'exit 1' }],
    };
    const text = renderRunTable([rejected, held, failed, deployed]).join('\n');
    assert.match(text, /rej-1 .*missing column Survived \(\+3 more\)$/m);
    assert.match(text, /held-2 .*below serving$/m);
    assert.match(text, /fail-3 .*TRAINING_FAILED: exit 1$/m);
    assert.match(text, /train-abc123 .*train\.csv$/m, 'a deployed run has no reason');
  });

  it('cuts a long reason to the width asked for', () => {
    const held: RunRecord = {
      ...deployed,
      state: 'HELD',
      gate: { ...decide(POLICY, 0.7, 0.8), reason: 'x'.repeat(100) },
    };
    const why = shortReason(held, 20);
    assert.equal(why.length, 20);
    assert.ok(why.endsWith('…'));
  });
});
