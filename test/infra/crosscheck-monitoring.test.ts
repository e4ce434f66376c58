// terraform/monitoring.tf against what the functions write: the messages and fields the log-based metrics filter on
// are logged by the code, at the severity the filter expects, in the JSON shape Cloud Logging parses into jsonPayload.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../functions/src/log';
import { functionLogCalls, logCallsIn, type LogCall } from './log-calls';
import { TerraformConfig } from './terraform-config';

/** The log calls that can produce an entry matched by `jsonPayload.message=~"^<prefix>"` with `jsonPayload.runId`. */
function matchingCalls(calls: LogCall[], prefix: string): LogCall[] {
  return calls.filter(
    (c) =>
      c.fields.includes('runId') &&
      c.messageStart !== '' &&
      (c.messageStart.startsWith(prefix) || prefix.startsWith(c.messageStart)),
  );
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

  it('each final-state message is logged, with the run id, by the functions', () => {
    const missing = Object.entries(finalStates)
      .filter(([, prefix]) => matchingCalls(calls, prefix).length === 0)
      .map(([state, prefix]) => `${state}: no log call starts with "${prefix}" and passes runId`);
    assert.deepEqual(missing, []);
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
  `;
  it('finds level, fields and the literal start of each message', () => {
    assert.deepEqual(
      logCallsIn('x.ts', src).map(({ level, fields, messageStart }) => [level, fields, messageStart]),
      [
        ['error', ['runId', 'reason'], 'run failed: '],
        ['info', [], 'plain'],
        ['warn', ['runId', 'x'], 'dataset rejected'],
        ['info', [], ''],
      ],
    );
  });
  it('a prefix matches only calls that pass runId', () => {
    const calls = logCallsIn('x.ts', src);
    assert.equal(matchingCalls(calls, 'run failed').length, 1);
    assert.equal(matchingCalls(calls, 'plain').length, 0);
  });
});
