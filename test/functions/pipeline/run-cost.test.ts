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

  it('prices the training machine the run recorded (its band), not the configured single type', () => {
    const held = run('HELD', { BUILDING: at(0), TRAINING: at(60), HELD: at(3660) });
    const hourOfN1 = roundUsd(DEFAULT_PRICING.trainingPerHour['n1-standard-4'] as number);
    const cases: [string, RunRecord['training'], string, number | null][] = [
      ['recorded n1-standard-4', { machineType: 'n1-standard-4' }, 'n1-standard-4', hourOfN1],
      ['recorded n1-highmem-16 (in the table, not confirmed)', { machineType: 'n1-highmem-16' }, 'n1-highmem-16', null],
      ['recorded a type the table lacks', { machineType: 'c3-standard-88' }, 'c3-standard-88', null],
      ['a record from before the bands: the configured type', {}, 'n1-standard-4', hourOfN1],
    ];
    for (const [what, training, machine, usd] of cases) {
      const c = runCost({ ...held, training }, { ...machines, trainingMachineType: 'n1-standard-4' });
      assert.equal(c.basis.trainingMachineType, machine, what);
      assert.equal(c.trainingUsd, usd, what);
      if (usd === null)
        assert.ok(
          c.notes.some((n) => n.startsWith(`training:`) && n.includes(`"${machine}"`)),
          what,
        );
    }
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
