// The registry model is created by the first training only (Vertex: `modelId` on the first upload, `parentModel`
// after). While it does not exist, one run at a time may train: the first to start is recorded in the ledger as the
// creator, and every other run waits (without a claim) until a run has a model in the registry or the creator ended.
import { casUpdate, readCasJson } from '../ledger/cas';
import { isTerminal } from '../pipeline/run-state';
import type { StepContext } from './context';

export const REGISTRY_OBJECT = 'runs/_registry-model.json';

interface RegistryDoc {
  /** Set once any run's training uploaded a model: from then on every training adds a version. */
  exists?: boolean;
  creator?: string;
}

async function read(ctx: StepContext): Promise<RegistryDoc> {
  return (await readCasJson<RegistryDoc>(ctx.ports.store, ctx.config.artifactsBucket, REGISTRY_OBJECT)) ?? {};
}

/** Whether the creator still trains without a model: then it is not the creator's turn of someone else. */
async function creatorActive(ctx: StepContext, creator: string): Promise<boolean> {
  const run = await ctx.ledger.get(creator);
  return run !== undefined && !isTerminal(run.state) && !run.training?.model;
}

/** Whether `runId` must wait for another run's first training before it may start its own. */
export async function registryBusy(ctx: StepContext, runId: string): Promise<boolean> {
  const doc = await read(ctx);
  if (doc.exists || !doc.creator || doc.creator === runId) return false;
  return creatorActive(ctx, doc.creator);
}

/** Makes `runId` the creator if the model does not exist and no active creator is recorded; true when it may train. */
export async function takeRegistryTurn(ctx: StepContext, runId: string): Promise<boolean> {
  const doc = await read(ctx);
  if (doc.exists || doc.creator === runId) return true;
  if (doc.creator && (await creatorActive(ctx, doc.creator))) return false;
  const { value } = await casUpdate<RegistryDoc>(
    ctx.ports.store,
    ctx.config.artifactsBucket,
    REGISTRY_OBJECT,
    (current) => {
      if (current?.exists || current?.creator === runId) return { value: current, changed: false };
      if (current?.creator && current.creator !== doc.creator) return { value: current, changed: false };
      return { value: { ...current, creator: runId }, changed: true };
    },
  );
  return value.exists === true || value.creator === runId;
}

/** Notes that the registry model exists (a training uploaded a version): no run waits from now on. */
export async function registryModelExists(ctx: StepContext): Promise<void> {
  await casUpdate<RegistryDoc>(ctx.ports.store, ctx.config.artifactsBucket, REGISTRY_OBJECT, (current) =>
    current?.exists ? { value: current, changed: false } : { value: { ...current, exists: true }, changed: true },
  );
}
