// A burst on the local stack (real processes, the router, the twins), onto an endpoint already serving a first version:
// 20 distinct CSVs written within one second,
// every event redelivered — each finalize POSTed again to the function server and dispatched again through the router,
// each build and training notice copied the same two ways the moment the twin publishes it. Then: one build and one
// training per drop (none only for a run superseded before its training), exactly KEEP_DEPLOYED_VERSIONS deployed
// models, the newest passing drop (by generation) serving, no two endpoint changes overlapping (from the endpoint
// twin's own createTime/endTime of each operation), and `vertex-retrain rollback` restoring the version that served
// before the newest.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sinon from 'sinon';
import { writeStackInfo } from '../../functions/src/cli/stack-file';
import { parseConfig } from '../../functions/src/config';
import { messagePublishedEvent, storageFinalizedEvent } from '../../functions/src/local/cloud-events';
import type { LocalEndpoint, LocalOperation } from '../../functions/src/local/endpoint-twin';
import { listJson, readJson } from '../../functions/src/local/json-objects';
import { CLOUD_BUILDS_TOPIC, TWIN_STATE_BUCKET } from '../../functions/src/local/settings';
import { LocalStack } from '../../functions/src/local/stack';
import { RunLedger } from '../../functions/src/ledger/run-ledger';
import { newerDrop } from '../../functions/src/pipeline/plan';
import type { RunRecord } from '../../functions/src/pipeline/run-record';
import { servingModel } from '../../functions/src/pipeline/traffic-split';
import { postLikePush, serverErrorsIn } from './support/direct-post';
import { FINAL_STATES } from './support/flow-driver';
import { count, recordSuite } from './support/results';
import { effectsOf } from './support/stack-crash';

const REPO = join(__dirname, '../..');
const MAIN = join(REPO, 'functions/src/cli/main.ts');
const DROPS = 20;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 480_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** train.csv without data row `i`: 20 distinct files, each as trainable as the original. */
function variant(csv: string, i: number): string {
  const lines = csv.split('\n');
  lines.splice(i + 1, 1);
  return lines.join('\n');
}

/** Pairs of endpoint operations whose [createTime, endTime] intervals intersect (both ends from the twin). */
function overlapping(ops: readonly LocalOperation[]): string[] {
  const sorted = [...ops].sort((a, b) => a.createTime.localeCompare(b.createTime));
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) {
      const [a, b] = [sorted[i] as LocalOperation, sorted[j] as LocalOperation];
      if (b.createTime < (a.endTime ?? '9')) out.push(`${a.request.kind} ${a.id} and ${b.request.kind} ${b.id}`);
    }
  return out;
}

describe('reliability: a burst of distinct drops on the local stack', function () {
  this.timeout(600_000);
  let root: string;
  let stack: LocalStack;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rel-burst-'));
    stack = new LocalStack({
      root,
      port: 0,
      reconcileIntervalMs: 250,
      functionSource: join(REPO, 'functions/src/local/function-entry.ts'),
      functionExecArgv: ['--import', 'tsx'],
      router: { minBackoffMs: 100, maxBackoffMs: 1000 },
    });
    await stack.start();
    // What `vertex-retrain up` writes, so the CLI's rollback finds this stack.
    await writeStackInfo(stack.layout, {
      pid: process.pid,
      url: stack.url,
      predictUrl: stack.predictUrl,
      dropFolder: stack.dropFolder,
      startedAt: new Date().toISOString(),
    });
  });
  afterEach(() => sinon.restore());
  after(async function () {
    await stack?.stop();
    // A failed burst keeps its stack folder (runs, twins, logs) to look into; a passing one leaves nothing.
    if (this.test?.parent?.tests.some((t) => t.state === 'failed')) console.log(`burst stack kept at ${root}`);
    else await rm(root, { recursive: true, force: true });
  });

  it(`${DROPS} distinct drops within a second, every event redelivered → newest serves, keep-K, no overlap, rollback`, async () => {
    const started = Date.now();
    const keep = parseConfig({ RETRAIN_ENV: 'local' }).keepDeployedVersions;
    const statuses: Record<string, number> = {};
    const copies: Promise<unknown>[] = [];
    const urlOf = (target: string) => stack.functions.find((f) => f.opts.target === target)?.url as string;
    // Every build and training notice the twins publish is copied at once: a direct POST and a second router copy.
    const publish = stack.router.publish.bind(stack.router);
    let noticeCopies = 0;
    sinon.stub(stack.router, 'publish').callsFake(async (topic, data, attributes = {}) => {
      const trigger =
        topic === CLOUD_BUILDS_TOPIC
          ? 'onBuildStatus'
          : topic === stack.names.trainingEventsTopic
            ? 'onTrainingStatus'
            : undefined;
      if (trigger) {
        noticeCopies++;
        const text = data.toString();
        const event = messagePublishedEvent(
          topic,
          trigger,
          `copy-${noticeCopies}`,
          Buffer.from(text),
          attributes,
          new Date().toISOString(),
        );
        copies.push(postLikePush(urlOf(trigger), event, statuses), publish(topic, text, attributes));
      }
      return publish(topic, data, attributes);
    });

    const csv = await readFile(join(REPO, 'trainer/data/train.csv'), 'utf8');
    const ledger = new RunLedger(stack.store, 'artifacts');
    // The burst lands on a serving endpoint, as in production: without a version serving first, the newest drop may
    // go live before any other and supersede them all, leaving no previous version to keep or roll back to.
    const first = await stack.store.write('data', 'datasets/serving.csv', csv, { contentType: 'text/csv' });
    copies.push(stack.router.dispatch(storageFinalizedEvent(first), 'data'));
    await until('the first version to serve', async () => {
      const rs = await ledger.list();
      return rs.some((r) => r.dataset?.name === 'datasets/serving.csv' && r.state === 'DEPLOYED') ? true : undefined;
    });
    const writeStart = Date.now();
    const infos = await Promise.all(
      Array.from({ length: DROPS }, (_, i) =>
        stack.store.write('data', `datasets/burst-${String(i).padStart(2, '0')}.csv`, variant(csv, i), {
          contentType: 'text/csv',
        }),
      ),
    );
    const writeMs = Date.now() - writeStart;
    for (const info of infos) {
      const event = storageFinalizedEvent(info);
      copies.push(postLikePush(urlOf('onDatasetFinalized'), event, statuses), stack.router.dispatch(event, 'data'));
    }

    const settled = (r: RunRecord) =>
      FINAL_STATES.has(r.state) &&
      (r.state !== 'DEPLOYED' || r.deploy?.undeployed !== undefined || !!r.deploy?.undeployedAt);
    const runs = await until('every run final, its clean-up recorded, every endpoint operation done', async () => {
      const rs = await ledger.list();
      if (rs.length < DROPS + 1 || !rs.every(settled)) return undefined;
      const ops = await listJson<LocalOperation>(stack.store, TWIN_STATE_BUCKET, 'operations/');
      return ops.every((o) => o.done) ? rs : undefined;
    });
    await Promise.all(copies);
    const settledMs = Date.now() - started;
    sinon.restore();

    // One build and one training per drop; none only for a run superseded before it trained.
    const outcomes: Record<string, number> = {};
    const problems: string[] = [];
    let duplicates = 0;
    const burst = runs.filter((r) => r.dataset?.name?.startsWith('datasets/burst-'));
    for (const r of burst) {
      const superseded = r.state === 'FAILED' && r.errors[0]?.reason === 'Superseded';
      count(outcomes, superseded ? 'FAILED Superseded' : r.state);
      if (r.state === 'FAILED' && !superseded) problems.push(`${r.runId} FAILED: ${JSON.stringify(r.errors)}`);
      const e = await effectsOf(stack.store, r.runId);
      duplicates += Math.max(0, e.builds - 1) + Math.max(0, e.trainings - 1) + Math.max(0, e.versions - 1);
      const trainedExpected = superseded && !r.training?.name ? 0 : 1;
      if (e.builds !== 1 || e.trainings !== trainedExpected || e.versions > 1)
        problems.push(`${r.runId} (${r.state}): ${JSON.stringify(e)}`);
    }
    // The endpoint: exactly K deployed, the newest passing drop serving.
    const endpoint = (await readJson<LocalEndpoint>(stack.store, TWIN_STATE_BUCKET, 'endpoints/local-endpoint.json'))!;
    const passing = burst.filter((r) => r.gate?.promote);
    // The engine's order of drops: generation, the run id breaking a tie (distinct objects written in the same
    // millisecond share a generation, here as on Cloud Storage, where generations are per object).
    const newest = passing.reduce((a, b) => (newerDrop(b, a) ? b : a));
    const serving = servingModel(endpoint)?.id;
    // What served before the newest: the deployment that went live just before it (the twin's end times).
    const ops = await listJson<LocalOperation>(stack.store, TWIN_STATE_BUCKET, 'operations/');
    const wentLive = ops
      .filter((o) => o.request.kind === 'deploy' && !o.error)
      .sort((a, b) => (a.endTime ?? '').localeCompare(b.endTime ?? ''))
      .map((o) => o.deployedModelId);
    const previous = wentLive.at(-2);
    const overlapsBefore = overlapping(ops);

    const rollbackStart = Date.now();
    const cli = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', MAIN, '--dir', root, 'rollback', '--by', 'reliability'],
      { cwd: REPO },
    ).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    const rollbackMs = Date.now() - rollbackStart;
    const afterRollback = (await readJson<LocalEndpoint>(
      stack.store,
      TWIN_STATE_BUCKET,
      'endpoints/local-endpoint.json',
    ))!;
    const opsAfter = await listJson<LocalOperation>(stack.store, TWIN_STATE_BUCKET, 'operations/');
    const overlaps = overlapping(opsAfter);
    const serverErrors = serverErrorsIn(statuses);
    recordSuite({
      suite: `burst: ${DROPS} distinct drops + redelivered events (local stack)`,
      cases: DROPS,
      outcomes: { ...outcomes, ...Object.fromEntries(Object.entries(statuses).map(([k, v]) => [`copy ${k}`, v])) },
      serverErrors,
      crashes: stack.functions.reduce((n, f) => n + f.starts - 1, 0),
      duplicates,
      lost: burst.filter((r) => !FINAL_STATES.has(r.state)).length,
      notes:
        `a first version serving, then ${DROPS} files written in ${writeMs} ms; every finalize and ${noticeCopies} build/training notices copied ` +
        `(a direct POST + a router copy each); settled in ${(settledMs / 1000).toFixed(1)} s; ` +
        `${endpoint.deployedModels.length} deployed (keep ${keep}); ${opsAfter.length} endpoint operations, ` +
        `${overlaps.length} overlapping (twin createTime/endTime); rollback (CLI) exit ${cli.code} in ` +
        `${(rollbackMs / 1000).toFixed(1)} s; FAILED Superseded = an older drop passing its gate once a newer one served`,
    });
    assert.deepEqual(problems, []);
    assert.equal(runs.length, DROPS + 1);
    assert.equal(burst.length, DROPS);
    assert.equal(endpoint.deployedModels.length, keep, JSON.stringify(endpoint.deployedModels.map((m) => m.id)));
    assert.equal(serving, newest.deploy?.deployedModelId, `the newest passing drop ${newest.runId} serves`);
    assert.equal(wentLive.at(-1), serving, 'the last deployment to go live is the one serving');
    assert.deepEqual(overlapsBefore, []);
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    assert.ok(previous, 'a version served before the newest');
    assert.equal(servingModel(afterRollback)?.id, previous, 'rollback restores the previously serving version');
    assert.deepEqual(overlaps, []);
    assert.equal(serverErrors, 0, JSON.stringify(statuses));
  });
});
