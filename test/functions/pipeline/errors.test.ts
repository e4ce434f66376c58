import assert from 'node:assert/strict';
import { CasExhaustedError, RetryableError, classifyError, errorReason } from '../../../functions/src/pipeline/errors';
import { PreconditionFailedError } from '../../../functions/src/ports';

const withProps = (props: Record<string, unknown>, message = 'boom'): Error => Object.assign(new Error(message), props);

describe('pipeline/errors', () => {
  const table: [string, unknown, 'transient' | 'permanent'][] = [
    ['gRPC UNAVAILABLE (14)', withProps({ code: 14 }), 'transient'],
    ['gRPC DEADLINE_EXCEEDED (4)', withProps({ code: 4 }), 'transient'],
    ['gRPC RESOURCE_EXHAUSTED (8)', withProps({ code: 8 }), 'transient'],
    ['gRPC ABORTED (10)', withProps({ code: 10 }), 'transient'],
    ['gRPC INTERNAL (13)', withProps({ code: 13 }), 'transient'],
    ['gRPC code by name', withProps({ code: 'UNAVAILABLE' }), 'transient'],
    ['gRPC INVALID_ARGUMENT (3)', withProps({ code: 3 }), 'permanent'],
    ['gRPC NOT_FOUND (5)', withProps({ code: 5 }), 'permanent'],
    ['gRPC PERMISSION_DENIED (7)', withProps({ code: 7 }), 'permanent'],
    ['gRPC FAILED_PRECONDITION (9)', withProps({ code: 9 }), 'permanent'],
    ['gRPC UNAUTHENTICATED (16)', withProps({ code: 16 }), 'permanent'],
    ['HTTP 429 in code', withProps({ code: 429 }), 'transient'],
    ['HTTP 503 in code', withProps({ code: 503 }), 'transient'],
    ['HTTP 500 in status', withProps({ status: 500 }), 'transient'],
    ['HTTP 502 in statusCode', withProps({ statusCode: 502 }), 'transient'],
    ['HTTP 504 in response.status', withProps({ response: { status: 504 } }), 'transient'],
    ['HTTP 400', withProps({ code: 400 }), 'permanent'],
    ['HTTP 403', withProps({ status: 403 }), 'permanent'],
    ['HTTP 404', withProps({ code: 404 }), 'permanent'],
    ['ECONNRESET', withProps({ code: 'ECONNRESET' }), 'transient'],
    ['ETIMEDOUT', withProps({ code: 'ETIMEDOUT' }), 'transient'],
    ['EAI_AGAIN', withProps({ code: 'EAI_AGAIN' }), 'transient'],
    ['ENOENT', withProps({ code: 'ENOENT' }), 'permanent'],
    ['PreconditionFailedError (lost a CAS race)', new PreconditionFailedError('412'), 'transient'],
    ['CasExhaustedError', new CasExhaustedError('contention'), 'transient'],
    ['RetryableError (not finished yet)', new RetryableError('still running'), 'transient'],
    ['plain Error', new Error('bad'), 'permanent'],
    ['TypeError (our bug)', new TypeError('x is undefined'), 'permanent'],
    ['a thrown string', 'nope', 'permanent'],
    ['null', null, 'permanent'],
  ];
  for (const [what, err, expected] of table) {
    it(`${what} → ${expected}`, () => assert.equal(classifyError(err), expected));
  }

  it('errorReason names the error and its code', () => {
    assert.equal(errorReason(withProps({ code: 3 })), 'Error(3)');
    assert.equal(errorReason(new RetryableError('x')), 'RetryableError');
    assert.equal(errorReason('x'), 'Error');
  });
});
