import assert from 'node:assert/strict';
import { RPC_METHODS } from '../../functions/src/local/rpc';
import { PORT_METHODS, deployedModelDisplayName, runIdOfDeployedModel } from '../../functions/src/ports';

describe('ports', () => {
  it('a deployed model’s display name leads back to its run, whatever the run id holds', () => {
    for (const runId of ['20260301-120000-ab12', 'train-abc123', 'v2-x', 'r7'])
      for (const version of [1, 12])
        assert.equal(runIdOfDeployedModel({ displayName: deployedModelDisplayName(runId, version) }), runId);
    assert.equal(deployedModelDisplayName('r7', 4), 'v4-r7');
  });

  it('a display name this pipeline did not give names no run', () => {
    for (const displayName of [undefined, '', 'r7-v4', 'run-r7', 'v-r7', 'vx-r7', 'v4-'])
      assert.equal(runIdOfDeployedModel(displayName === undefined ? {} : { displayName }), undefined, displayName);
  });

  it('the RPC exposes every port’s methods but the object store’s and the run events’, from the one list', () => {
    // A function process writes the local buckets and appends its run events itself; the twins serve the rest.
    const { store: _store, runEvents: _runEvents, ...rest } = PORT_METHODS;
    assert.deepEqual(RPC_METHODS, rest);
  });
});
