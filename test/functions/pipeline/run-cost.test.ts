import assert from 'node:assert/strict';
import { DEFAULT_PRICING, roundUsd } from '../../../functions/src/pipeline/cost';
import { BUILD_MACHINE_TYPE, runCost } from '../../../functions/src/pipeline/run-cost';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const machines = { trainingMachineType: 'n1-standard-4', servingMachineType: 'n1-standard-2' };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function run(state: RunRecord['state'], stages: RunRecord['stages']): RunRecord {
  return { ...newRunRecord('r', 'dataset-drop', at(0)), state, stages, deploy: { deployedModelId: '7' } };
}

describe('pipeline/run-cost', () => {
  it('durations come from the stage timestamps; prices from the table', () => {
    const r = run('DEPLOYED', {
      RECEIVED: at(0),
      BUILDING: at(10),
      TRAINING: at(190),
      DEPLOYING: at(1990),
      DEPLOYED: at(2000),
    });
    const c = runCost(r, machines);
    assert.deepEqual(c.basis, {
      buildSeconds: 180,
      buildMachineType: BUILD_MACHINE_TYPE,
      trainingSeconds: 1800,
      trainingMachineType: 'n1-standard-4',
      servingMachineType: 'n1-standard-2',
      deployedNodes: 1,
    });
    assert.equal(c.buildUsd, roundUsd(3 * (DEFAULT_PRICING.cloudBuildPerMinute[BUILD_MACHINE_TYPE] as number)));
    assert.equal(c.trainingUsd, roundUsd(0.5 * (DEFAULT_PRICING.trainingPerHour['n1-standard-4'] as number)));
    assert.equal(c.servingUsdPerDay, null, 'the n1-standard-2 node price is not confirmed in the table');
    assert.equal(c.retrieved, DEFAULT_PRICING.retrieved);
    assert.equal(c.source, DEFAULT_PRICING.source);
  });

  it('a HELD run trained until HELD and deploys no node', () => {
    const c = runCost(run('HELD', { BUILDING: at(0), TRAINING: at(60), HELD: at(420) }), machines);
    assert.equal(c.basis.trainingSeconds, 360);
    assert.equal(c.basis.deployedNodes, 0);
    assert.equal(c.servingUsdPerDay, 0);
  });

  it('a REJECTED run costs nothing', () => {
    const c = runCost(run('REJECTED', { RECEIVED: at(0), REJECTED: at(1) }), machines);
    assert.equal(c.totalOnceUsd, 0);
  });

  it('a build that failed is priced up to the failure', () => {
    const c = runCost(run('FAILED', { BUILDING: at(0), FAILED: at(120) }), machines);
    assert.equal(c.basis.buildSeconds, 120);
    assert.equal(c.basis.trainingSeconds, 0);
  });
});
