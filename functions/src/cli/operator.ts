// `vertex-retrain promote <run>`, `rollback` and `undeploy`: the operator actions (functions/src/engine/operator.ts)
// with the ports of the chosen environment — the running local stack's twins, or Google Cloud from the same
// variables the deployed functions get (the environment over `.env.vertex`, as for the read commands: vertex.ts
// `withEnvFile`). After promoting a HELD run, waits until the reconciler has it DEPLOYED.
import { userInfo } from 'node:os';
import { parseConfig, type Config } from '../config';
import { readDeploymentSettings } from '../ledger/pointers';
import { localLayout } from '../local/layout';
import { createLocalPorts } from '../local/local-ports';
import { LOCAL_CONTROL_URL_ENV, LOCAL_DIR_ENV } from '../local/settings';
import { createLogger } from '../log';
import { isTerminal } from '../pipeline/run-state';
import { engineLedger, type StepContext, type StepResult } from '../engine/context';
import { validateTrainingDataset } from '../engine/dataset-check';
import { promote, rollback, undeploy, type OperatorOptions } from '../engine/operator';
import { runningStack } from './stack-file';
import { withEnvFile } from './vertex';

export interface OperatorTarget {
  env: Config['env'];
  dir: string;
}

/** Who is asking: `--by`, else the OS user name. */
export function operatorName(by?: string): string {
  if (by) return by;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The configuration of `--env vertex`: the environment, with what it lacks from the env file (`.env.vertex`, or the
 * file VERTEX_RETRAIN_ENV_FILE names) — the functions' own settings, as `terraform output -raw env_file` writes them.
 */
export function vertexOperatorConfig(
  env: NodeJS.ProcessEnv = process.env,
  read?: Parameters<typeof withEnvFile>[2],
): Config {
  return parseConfig({ ...withEnvFile(env, undefined, read), RETRAIN_ENV: 'vertex' });
}

/** The step context of the target environment; local mode needs the stack running on `dir`. */
export async function operatorContext(t: OperatorTarget, env = process.env): Promise<StepContext> {
  let config;
  let ports;
  if (t.env === 'vertex') {
    config = vertexOperatorConfig(env);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the cloud clients load only for vertex
    const { createPorts } = require('../backend') as typeof import('../backend');
    ports = createPorts(config);
  } else {
    const stack = await runningStack(localLayout(t.dir));
    if (!stack) throw new Error(`no local stack is running on ${t.dir}: start one with \`vertex-retrain up\``);
    config = parseConfig({ ...env, RETRAIN_ENV: 'local' });
    ports = createLocalPorts({ [LOCAL_DIR_ENV]: t.dir, [LOCAL_CONTROL_URL_ENV]: stack.url });
  }
  // promote and rollback follow the deployment's traffic policy (recorded by the functions), not this shell's.
  const deployed = await readDeploymentSettings(ports.store, config.artifactsBucket);
  if (deployed) config = { ...config, trafficPolicy: deployed.trafficPolicy };
  // The shell's LOG_LEVEL, not the file's: the functions' level (info) would bury the command's answer in lines.
  const log = createLogger({ logLevel: env.LOG_LEVEL ?? 'warn' }, process.stderr);
  return { config, ports, ledger: engineLedger(config, ports, log), log, validateDataset: validateTrainingDataset };
}

/** Waits until the run is final again (the reconciler finishing an override's deployment). */
async function untilFinal(ctx: StepContext, runId: string, timeoutMs: number, everyMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await ctx.ledger.get(runId);
    if (run && isTerminal(run.state)) return run.state;
    if (Date.now() > deadline) return run?.state ?? 'unknown';
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Promotes a run and says what happened, in one line. */
export async function promoteCommand(ctx: StepContext, runId: string, o: OperatorOptions): Promise<string> {
  const result: StepResult = await promote(ctx, runId, o);
  if (result.outcome === 'promote') return `run ${runId} now takes ${JSON.stringify(result.detail?.split)}`;
  if (!['deploy-started', 'deploy-in-progress', 'endpoint-busy', 'deployed'].includes(result.outcome))
    throw new Error(`run ${runId}: deployment did not start (${result.outcome}: ${JSON.stringify(result.detail)})`);
  const state = await untilFinal(ctx, runId, o.timeoutMs ?? 600_000, o.everyMs ?? 1000);
  return `run ${runId}: quality gate overridden by ${o.by}; deployment ${state === 'DEPLOYED' ? 'live' : `not finished (${state})`}`;
}

/** Rolls back and says which run serves now. */
export async function rollbackCommand(ctx: StepContext, o: OperatorOptions): Promise<string> {
  const result = await rollback(ctx, o);
  return `rolled back: run ${result.runId} serves again (from ${String(result.detail?.from ?? '?')}), split ${JSON.stringify(result.detail?.split)}`;
}

/** Undeploys (every version but the serving one, or with `all` everything) and says what went, one line each. */
export async function undeployCommand(
  ctx: StepContext,
  o: OperatorOptions & { all?: boolean },
): Promise<{ lines: string[]; ok: boolean }> {
  const result = await undeploy(ctx, o);
  const lines = result.undeployed.map(
    (u) => `undeployed deployed model ${u.deployedModelId}${u.runId ? ` (run ${u.runId})` : ' (no run in the ledger)'}`,
  );
  for (const f of result.failed) lines.push(`could not undeploy deployed model ${f.deployedModelId}: ${f.error}`);
  if (result.undeployed.length === 0 && result.failed.length === 0) lines.push('nothing to undeploy');
  lines.push(
    result.kept.length > 0
      ? `still deployed (serving): ${result.kept.join(', ')}, split ${JSON.stringify(result.split)}`
      : 'nothing is deployed on the endpoint now: it serves no predictions and bills no serving nodes',
  );
  return { lines, ok: result.failed.length === 0 };
}
