// A run record's cost estimate: durations from the record's stage timestamps, the training machine from the record
// (config's TRAINING_MACHINE_TYPE for records from before the machine bands), the others from config, prices from
// the pricing table (cost.ts). Pure. Build = BUILDING → TRAINING; training = TRAINING → the state that followed it
// (DEPLOYING, HELD or FAILED); serving = one node per day while the run's model is deployed with traffic.
import { DEFAULT_PRICING, estimateRunCost, type PricingTable } from './cost';
import { runTrainingMachine } from './machine-bands';
import type { RunCost, RunRecord, RunState } from './run-record';

/**
 * The Cloud Build machine of our builds: cloudbuild.yaml sets no `options.machineType`, so builds run on the default
 * pool's default machine.
 */
export const BUILD_MACHINE_TYPE = 'e2-standard-2';

const seconds = (from: string | undefined, to: string | undefined): number => {
  if (!from || !to) return 0;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) && s > 0 ? s : 0;
};

/** The earliest of the states the run reached (a promoted HELD run has both HELD and a later DEPLOYING). */
const firstOf = (r: RunRecord, states: RunState[]): string | undefined =>
  states
    .map((s) => r.stages[s])
    .filter((at): at is string => at !== undefined)
    .sort()[0];

/** Whether the run's deployed model carries traffic according to its own record. */
export function runServes(r: RunRecord): boolean {
  const id = r.deploy?.deployedModelId;
  return r.state === 'DEPLOYED' && id !== undefined && !r.deploy?.undeployedAt && (r.deploy?.traffic?.[id] ?? 0) > 0;
}

/** The cost estimate of a run as its record stands. */
export function runCost(
  r: RunRecord,
  /** `trainingMachineType`: only for a record with no `training.machineType` (from before the machine bands). */
  machines: { trainingMachineType: string; servingMachineType: string },
  table: PricingTable = DEFAULT_PRICING,
): RunCost {
  const basis = {
    buildSeconds: seconds(r.stages.BUILDING, firstOf(r, ['TRAINING', 'FAILED'])),
    buildMachineType: BUILD_MACHINE_TYPE,
    trainingSeconds: seconds(r.stages.TRAINING, firstOf(r, ['DEPLOYING', 'HELD', 'FAILED'])),
    trainingMachineType: runTrainingMachine(r, machines.trainingMachineType),
    servingMachineType: machines.servingMachineType,
    // A deployed model bills per node-hour with or without traffic; one replica per deployed model (min replicas 1).
    deployedNodes: r.state === 'DEPLOYED' && r.deploy?.deployedModelId && !r.deploy.undeployedAt ? 1 : 0,
  };
  return { ...estimateRunCost(basis, table), basis };
}
