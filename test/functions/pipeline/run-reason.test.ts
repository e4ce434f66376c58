import assert from 'node:assert/strict';
import { decideGate } from '../../../functions/src/contract/gate-comparison';
import { runReason } from '../../../functions/src/pipeline/run-reason';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const AT = '2026-12-01T00:00:00.000Z';
const POLICY = { metric: 'accuracy', direction: 'higher', floor: 0.75, tolerance: 0.01 } as const;
/** The gate's decision for a candidate accuracy against the serving version's recorded one. */
const decide = (policy: typeof POLICY, candidate: number, serving: number | undefined) =>
  decideGate(policy, {
    candidate: { metrics: { accuracy: candidate } },
    servingRecorded: serving === undefined ? undefined : { accuracy: serving },
  });
const run = (over: Partial<RunRecord>): RunRecord => ({ ...newRunRecord('r', 'dataset-drop', AT), ...over });
const error = (reason: string, message: string) => ({ at: AT, stage: 'BUILDING' as const, reason, message });

describe('pipeline/run-reason', () => {
  const rows: [string, RunRecord, string][] = [
    [
      'rejected: first reason and how many more',
      run({ state: 'REJECTED', rejection: { reasons: ['no Survived column', 'row 4'], problemCount: 5 } }),
      'no Survived column (+4 more)',
    ],
    [
      'rejected with one problem',
      run({ state: 'REJECTED', rejection: { reasons: ['empty'], problemCount: 1 } }),
      'empty',
    ],
    [
      'rejected, count below the reasons listed: the reasons listed',
      run({ state: 'REJECTED', rejection: { reasons: ['a', 'b'], problemCount: 0 } }),
      'a (+1 more)',
    ],
    [
      'rejected with no reason text',
      run({ state: 'REJECTED', rejection: { reasons: [], problemCount: 0 } }),
      'invalid dataset',
    ],
    [
      'failed: the last error',
      run({ state: 'FAILED', errors: [error('X', 'first'), error('BUILD_FAILED', 'npm ci exited 1')] }),
      'BUILD_FAILED: npm ci exited 1',
    ],
    ['failed with no error recorded', run({ state: 'FAILED' }), ''],
    [
      'held: the gate reason',
      run({ state: 'HELD', gate: { ...decide(POLICY, 0.7, 0.8), reason: 'accuracy 0.7 < 0.8' } }),
      'accuracy 0.7 < 0.8',
    ],
    [
      'deployed despite the gate',
      run({ state: 'DEPLOYED', gate: decide(POLICY, 0.7, 0.8), override: { at: AT, by: 'ana' } }),
      'deployed despite the gate by ana',
    ],
    ['deployed normally: nothing to say', run({ state: 'DEPLOYED', gate: decide(POLICY, 0.8, undefined) }), ''],
    ['in progress with a retried error: nothing yet', run({ state: 'TRAINING', errors: [error('X', 'y')] }), ''],
  ];
  for (const [name, record, want] of rows) it(name, () => assert.equal(runReason(record), want));
});
