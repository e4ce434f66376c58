// terraform/monitoring.tf against what the functions write: the messages and fields the log-based metrics filter on
// are logged by the code, at the severity the filter expects, in the JSON shape Cloud Logging parses into jsonPayload.
// Statically (the log calls under functions/src) and by running the handlers: each final-state metric counts exactly
// the runs whose transition line says they reached that state, each once.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../functions/src/log';
import { harness, registryModelExists, type Harness } from '../support/functions-harness';
import { everyFinalState, type FinalRuns } from '../functions/handlers/every-final-state';
import { functionLogCalls, logCallsIn, type LogCall } from './log-calls';
import { TerraformConfig } from './terraform-config';

/**
 * The log calls whose message can match `jsonPayload.message=~"^<prefix>"`: the literal start of the message begins
 * with the prefix. (The run id is bound on the run's logger, engine/context.ts `forRun`, so it is not among the call's
 * own fields; the run below checks it is on the line.)
 */
function matchingCalls(calls: LogCall[], prefix: string): LogCall[] {
  return calls.filter((c) => c.messageStart !== '' && c.messageStart.startsWith(prefix));
}

describe('cross-check: monitoring (terraform/monitoring.tf) against the log lines', () => {
  let config: TerraformConfig;
  let calls: LogCall[];
  let finalStates: Record<string, string>;

  before(async () => {
    config = await TerraformConfig.load();
    calls = functionLogCalls();
    finalStates = config.local('run_final_state_messages') as Record<string, string>;
  });

  it('one runs metric per final state, DEPLOYED, REJECTED, HELD and FAILED', () => {
    assert.deepEqual(Object.keys(finalStates).sort(), ['deployed', 'failed', 'held', 'rejected']);
  });

  it('each final-state message is the literal start of a log call of the functions', () => {
    const missing = Object.entries(finalStates)
      .filter(([, prefix]) => matchingCalls(calls, prefix).length === 0)
      .map(([state, prefix]) => `${state}: no log call starts with "${prefix}"`);
    assert.deepEqual(missing, []);
  });

  it('the final-state messages are plain text (the filter puts them into a regular expression as they are)', () => {
    for (const prefix of Object.values(finalStates)) assert.doesNotMatch(prefix, /[\\^$.|?*+()[\]{}]/, prefix);
  });

  it('a FAILED run is logged at error (the function-errors metric counts it, the failed alert fires)', () => {
    const failed = matchingCalls(calls, finalStates.failed!);
    assert.ok(failed.length > 0);
    assert.ok(
      failed.every((c) => c.level === 'error'),
      JSON.stringify(failed),
    );
  });

  it('the metric filters use jsonPayload.message, jsonPayload.runId and the functions’ service names', () => {
    const filter = String(config.resource('google_logging_metric.runs_final').body.filter);
    assert.match(filter, /jsonPayload\.message=~"\^\$\{each\.value\}"/);
    assert.match(filter, /jsonPayload\.runId:\*/);
    const names = String(config.local('function_log_filter'));
    // The Cloud Run service of a 2nd-gen function carries the function's name.
    assert.equal(config.resource('google_cloudfunctions2_function.fn').body.name, '${var.name_prefix}-${each.key}');
    assert.match(names, /"\\"\$\{var\.name_prefix\}-\$\{k\}\\""/);
    assert.match(names, /for k in sort\(keys\(local\.functions\)\)/);
    assert.match(names, /resource\.type=\\"cloud_run_revision\\"/);
  });

  it('what the logger writes is what the filters read: message, runId at top level, severity ERROR for error', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ logLevel: 'info' }, sink).child({ function: 'f' });
    log.error({ runId: 'r-1', reason: 'X' }, `${finalStates.failed!}: boom`);
    log.info({ runId: 'r-2' }, finalStates.deployed!);
    const [failed, deployed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(failed!.severity, 'ERROR');
    assert.equal(failed!.runId, 'r-1');
    assert.match(String(failed!.message), new RegExp(`^${finalStates.failed!}`));
    assert.equal(deployed!.severity, 'INFO');
    assert.equal(deployed!.message, finalStates.deployed);
  });

  it('the dead-letter alert watches exactly the keeping subscriptions', () => {
    const filter = String(config.local('dead_letter_subscription_filter'));
    const re = /monitoring\.regex\.full_match\(\\"\$\{var\.name_prefix\}(.*)\\"\)/.exec(filter);
    assert.ok(re, filter);
    const keepName = String(config.resource('google_pubsub_subscription.dead_letter').body.name);
    assert.equal(keepName, '${var.name_prefix}-${each.key}-dead-letter-keep');
    const pattern = new RegExp(`^vr${re[1]!}$`);
    const functions = Object.keys(config.local('functions') as Record<string, unknown>);
    for (const k of functions) assert.match(`vr-${k}-dead-letter-keep`, pattern);
    assert.doesNotMatch('vr-run-events', pattern);
    assert.doesNotMatch(`vr-${functions[0]}-dead-letter`, pattern);
  });
});

describe('cross-check: the log-call reader itself', () => {
  const src = `
    ctx.log.error({ runId, reason }, \`run failed: \${m}\`);
    log.info('plain');
    ctx.log.warn({ runId: r.runId, x: 1 }, 'dataset rejected');
    other.warn({ runId }, 'not a logger');
    log.info({ ...spread }, name);
    errLog.error({ reason }, 'named like a logger');
    catalog.info('not a logger either');
  `;
  it('finds level, fields and the literal start of each message', () => {
    assert.deepEqual(
      logCallsIn('x.ts', src).map(({ level, fields, messageStart }) => [level, fields, messageStart]),
      [
        ['error', ['runId', 'reason'], 'run failed: '],
        ['info', [], 'plain'],
        ['warn', ['runId', 'x'], 'dataset rejected'],
        ['info', [], ''],
        ['error', ['reason'], 'named like a logger'],
      ],
    );
  });
  it('a prefix matches the calls whose literal start begins with it', () => {
    const calls = logCallsIn('x.ts', src);
    assert.equal(matchingCalls(calls, 'run failed').length, 1);
    assert.equal(matchingCalls(calls, 'plain').length, 1);
    assert.equal(matchingCalls(calls, 'run failed: boom').length, 0, 'a template head shorter than the prefix');
    assert.equal(matchingCalls(calls, 'dataset accepted').length, 0);
  });
});

describe('cross-check: monitoring against the lines the handlers write for runs in every final state', () => {
  let h: Harness;
  let runs: FinalRuns;
  let finalStates: Record<string, string>;
  before(async () => {
    finalStates = (await TerraformConfig.load()).local('run_final_state_messages') as Record<string, string>;
    h = await harness({ KEEP_DEPLOYED_VERSIONS: '2' });
    await registryModelExists(h);
    runs = await everyFinalState(h);
  });
  after(() => h.close());

  /** The runs the transition lines say reached `state`, in order. */
  const reached = (state: string) =>
    h.logs.filter((l) => l.message.startsWith('run transition: ') && l.to === state).map((l) => l.runId);

  for (const state of ['deployed', 'rejected', 'held', 'failed']) {
    it(`runs_${state} counts each run that reached ${state.toUpperCase()} once, by its top-level runId`, () => {
      const counted = h.logs.filter((l) => l.message.startsWith(finalStates[state]!) && l.runId !== undefined);
      // A superseded run ends FAILED too, but is no failure: it is not counted (nor alerted on).
      const expected = reached(state.toUpperCase()).filter((runId) => runId !== runs.superseded);
      assert.deepEqual(
        counted.map((l) => l.runId),
        expected,
      );
      assert.deepEqual(expected, [runs[state as keyof FinalRuns]]);
      if (state === 'failed') assert.deepEqual([...new Set(counted.map((l) => l.severity))], ['ERROR']);
    });
  }

  it('the superseded run reached FAILED (and so is left out of runs_failed above on purpose)', () => {
    assert.ok(reached('FAILED').includes(runs.superseded));
    assert.ok(h.logs.some((l) => l.runId === runs.superseded && l.message.startsWith('run superseded: ')));
  });

  it('the transition line names the run, where it came from and where it went, at the top level', () => {
    const transitions = h.logs.filter((l) => l.message.startsWith('run transition: '));
    assert.ok(transitions.length >= 15, String(transitions.length));
    for (const l of transitions)
      assert.equal(l.message, `run transition: ${String(l.from ?? 'START')} → ${String(l.to)}`, JSON.stringify(l));
    assert.ok(transitions.every((l) => typeof l.runId === 'string'));
  });
});
