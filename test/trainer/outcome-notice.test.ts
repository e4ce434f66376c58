import assert from 'node:assert/strict';
import sinon from 'sinon';
import {
  MAX_MESSAGE,
  outcomeMessage,
  sendOutcome,
  type OutcomeMessage,
  type Publish,
} from '../../trainer/src/outcome-notice';
import { schemaFile, schemaProblems } from './support/contract-schemas';

describe('trainer/outcome-notice', () => {
  const vars = { TRAINING_EVENTS_TOPIC: 'training-events' };
  const stub = () => sinon.stub<Parameters<Publish>, ReturnType<Publish>>().resolves();

  it('publishes the outcome message v1 to TRAINING_EVENTS_TOPIC on Vertex', async () => {
    const publish = stub();
    const result = await sendOutcome(
      { runId: 'r1', status: 'REJECTED', endpointVersion: 3, message: 'dataset rejected: row 3, column Age' },
      'vertex',
      vars,
      publish,
    );
    assert.equal(result, 'sent');
    sinon.assert.calledOnceWithExactly(publish, 'training-events', {
      contract: 'vertex-retrain.outcome/v1',
      runId: 'r1',
      status: 'REJECTED',
      endpointVersion: 3,
      message: 'dataset rejected: row 3, column Age',
    });
  });

  it(`builds messages valid against the outcome schema (${schemaFile('outcome').contract ? "the contract's" : 'the draft reading'})`, () => {
    const messages: OutcomeMessage[] = [
      outcomeMessage({ runId: 'r1', status: 'SUCCEEDED' }),
      outcomeMessage({ runId: 'r2', status: 'FAILED', endpointVersion: 1, message: 'x'.repeat(5000) }),
      outcomeMessage({ runId: 'r3', status: 'REJECTED', endpointVersion: 2, message: '   ' }),
    ];
    for (const m of messages) assert.deepEqual(schemaProblems('outcome', m), [], JSON.stringify(m));
    assert.deepEqual(messages[0], { contract: 'vertex-retrain.outcome/v1', runId: 'r1', status: 'SUCCEEDED' });
    assert.equal(messages[1]?.message?.length, MAX_MESSAGE);
    assert.ok(messages[1]?.message?.endsWith('...'));
    assert.equal('message' in (messages[2] as object), false, 'a blank reason is left out');
    // And the schema is not a rubber stamp: the former shape (no contract) fails it.
    assert.notDeepEqual(schemaProblems('outcome', { runId: 'r1', status: 'SUCCEEDED' }), []);
  });

  const skips: [string, Parameters<typeof sendOutcome>[0], 'local' | 'vertex', NodeJS.ProcessEnv][] = [
    ['in local mode', { runId: 'r1', status: 'SUCCEEDED' }, 'local', vars],
    ['without a topic', { runId: 'r1', status: 'SUCCEEDED' }, 'vertex', {}],
    ['without a run id', { status: 'FAILED' }, 'vertex', vars],
  ];
  for (const [when, outcome, env, given] of skips) {
    it(`does nothing ${when}`, async () => {
      const publish = stub();
      assert.equal(await sendOutcome(outcome, env, given, publish), 'skipped');
      sinon.assert.notCalled(publish);
    });
  }

  it('a failed publish is reported, not thrown: the reconciler catches up', async () => {
    const publish = sinon.stub<Parameters<Publish>, ReturnType<Publish>>().rejects(new Error('UNAVAILABLE'));
    const error = sinon.stub(console, 'error');
    try {
      assert.equal(await sendOutcome({ runId: 'r1', status: 'FAILED' }, 'vertex', vars, publish), 'failed');
      sinon.assert.calledWithMatch(error, /UNAVAILABLE/);
    } finally {
      error.restore();
    }
  });
});
