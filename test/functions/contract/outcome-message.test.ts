import assert from 'node:assert/strict';
import { ContractError } from '../../../functions/src/contract/ajv';
import { MAX_OUTCOME_TEXT, outcomeMessage, parseOutcomeMessage } from '../../../functions/src/contract/outcome-message';

describe('contract/outcome-message', () => {
  it('builds the message and its runId attribute, and parses it back from the wire', () => {
    const { json, attributes } = outcomeMessage({
      runId: 'r-1',
      status: 'REJECTED',
      endpointVersion: 3,
      message: 'dataset rejected',
    });
    assert.deepEqual(json, {
      contract: 'vertex-retrain.outcome/v1',
      runId: 'r-1',
      status: 'REJECTED',
      endpointVersion: 3,
      message: 'dataset rejected',
    });
    assert.deepEqual(attributes, { runId: 'r-1' });
    assert.deepEqual(parseOutcomeMessage(Buffer.from(JSON.stringify(json))), json);
    assert.deepEqual(parseOutcomeMessage(JSON.stringify(json)), json);
  });

  it('leaves optional fields out rather than sending undefined', () => {
    assert.deepEqual(Object.keys(outcomeMessage({ runId: 'r', status: 'SUCCEEDED' }).json), [
      'contract',
      'runId',
      'status',
    ]);
  });

  it('cuts a long reason to MAX_OUTCOME_TEXT', () => {
    const { json } = outcomeMessage({ runId: 'r', status: 'FAILED', message: 'x'.repeat(5000) });
    assert.equal(json.message?.length, MAX_OUTCOME_TEXT);
    assert.ok(json.message?.endsWith('...'));
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', 'nope', /not valid JSON/],
    [
      'an unknown status',
      { contract: 'vertex-retrain.outcome/v1', runId: 'r', status: 'DONE' },
      /status: must be one of "SUCCEEDED", "REJECTED", "FAILED"/,
    ],
    ['no runId', { contract: 'vertex-retrain.outcome/v1', status: 'FAILED' }, /runId: is required/],
    ['the old unversioned shape', { runId: 'r', status: 'FAILED' }, /contract: is required/],
    [
      'a fractional endpointVersion',
      { contract: 'vertex-retrain.outcome/v1', runId: 'r', status: 'FAILED', endpointVersion: 1.5 },
      /endpointVersion: must be integer/,
    ],
  ];
  for (const [what, value, expected] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => parseOutcomeMessage(value),
        (e: unknown) => e instanceof ContractError && expected.test(e.message),
      );
    });
  }

  it('refuses to build an invalid message', () => {
    assert.throws(
      () => outcomeMessage({ runId: '', status: 'FAILED' }),
      /runId: must NOT have fewer than 1 characters/,
    );
  });
});
