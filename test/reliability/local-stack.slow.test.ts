// On the local stack (real processes, the router, the twins): 200 copies of the same finalize CloudEvent POSTed at
// once to the function server plus 200 dispatched through the router → one build, one training job, one model
// version, one deployed model, the run DEPLOYED once; the same for 200 + 200 copies of the build SUCCESS message and
// of the training outcome, sent the moment the twin publishes the original; and every listening socket of the stack's processes is on
// 127.0.0.1 (read from /proc: socket inodes of each pid's fds matched against /proc/net/tcp{,6} LISTEN entries).
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunReader } from '../../functions/src/cli/runs';
import { messagePublishedEvent, storageFinalizedEvent } from '../../functions/src/local/cloud-events';
import { isTerminal } from '../../functions/src/pipeline/run-state';
import type { LocalEndpoint } from '../../functions/src/local/endpoint-twin';
import type { LocalBuild } from '../../functions/src/local/build-twin';
import { listJson, readJson } from '../../functions/src/local/json-objects';
import type { LocalModel } from '../../functions/src/local/model-registry-twin';
import { CLOUD_BUILDS_TOPIC } from '../../functions/src/local/settings';
import { LocalStack } from '../../functions/src/local/stack';
import type { LocalTrainingJob } from '../../functions/src/local/training-twin';
import { postLikePush, serverErrorsIn } from './support/direct-post';
import { count, recordSuite } from './support/results';
import { descendants, effectsOf } from './support/stack-crash';

const REPO = join(__dirname, '../..');
const COPIES = 200;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Listening TCP sockets (address:port) owned by `pid`, from /proc. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9] as string)) continue; // 0A = LISTEN
      const [hex, port] = (f[1] as string).split(':') as [string, string];
      const addr =
        table === 'tcp'
          ? (hex.match(/../g) as string[])
              .reverse()
              .map((b) => parseInt(b, 16))
              .join('.')
          : hex === '00000000000000000000000001000000'
            ? '::1'
            : hex === '0'.repeat(32)
              ? '::'
              : `v6:${hex}`;
      out.push(`${addr}:${parseInt(port, 16)}`);
    }
  }
  return out;
}

describe('reliability: the local stack', function () {
  this.timeout(300_000);
  let root: string;
  let stack: LocalStack;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rel-stack-'));
    stack = new LocalStack({
      root,
      port: 0,
      reconcileIntervalMs: 250,
      functionSource: join(REPO, 'functions/src/local/function-entry.ts'),
      functionExecArgv: ['--import', 'tsx'],
      router: { minBackoffMs: 100, maxBackoffMs: 1000 },
    });
    await stack.start();
  });
  afterEach(() => sinon.restore());
  after(async () => {
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it(`${COPIES} direct POSTs + ${COPIES} router copies of one finalize event → one build, training, version, deployment`, async () => {
    await copyFile(join(REPO, 'trainer/data/train.csv'), join(stack.dropFolder, 'dup.csv'));
    const info = await until('the dropped file', () => stack.store.stat('data', 'datasets/dup.csv'));
    const event = storageFinalizedEvent(info);
    const url = stack.functions.find((f) => f.opts.target === 'onDatasetFinalized')?.url as string;
    const statuses: Record<string, number> = {};
    const posts = Array.from({ length: COPIES }, () => postLikePush(url, event, statuses));
    const routed = Array.from({ length: COPIES }, () => stack.router.dispatch(event, 'data'));
    await Promise.all([...posts, ...routed]);
    const runs = new RunReader(stack.store, 'artifacts');
    const run = await until('the run to finish', async () => {
      const r = await runs.forDataset('data', 'datasets/dup.csv', info.generation);
      return r && isTerminal(r.state) ? r : undefined;
    });
    await until('the router to drain', async () =>
      stack.router.backlogFor('onDatasetFinalized') === 0 ? true : undefined,
    );
    const builds = (await listJson<LocalBuild>(stack.store, 'local-cloud', 'builds/')).filter((b) =>
      b.tags.includes(`run-${run.runId}`),
    );
    const jobs = (await listJson<LocalTrainingJob>(stack.store, 'local-cloud', 'trainings/')).filter(
      (j) => j.runId === run.runId,
    );
    const model = await readJson<LocalModel>(stack.store, 'local-cloud', 'models/local-model.json');
    const versions = model?.versions.filter((v) => v.runId === run.runId) ?? [];
    const endpoint = await readJson<LocalEndpoint>(stack.store, 'local-cloud', 'endpoints/local-endpoint.json');
    const deployed = endpoint?.deployedModels.filter((m) => m.displayName?.includes(run.runId)) ?? [];
    const duplicates = [builds, jobs, versions, deployed].reduce((n, xs) => n + Math.max(0, xs.length - 1), 0);
    const serverErrors = serverErrorsIn(statuses);
    recordSuite({
      suite: `duplicates: ${COPIES * 2 + 1} copies of a finalize (local stack)`,
      cases: COPIES * 2 + 1,
      outcomes: { ...statuses, [`run ${run.state}`]: 1 },
      serverErrors,
      crashes: stack.functions.reduce((n, f) => n + f.starts - 1, 0),
      duplicates,
      lost: run.state === 'DEPLOYED' ? 0 : 1,
      notes: `${builds.length} build, ${jobs.length} training job, ${versions.length} model version, ${deployed.length} deployed model for the run; ${COPIES} router copies acknowledged`,
    });
    assert.equal(run.state, 'DEPLOYED', JSON.stringify(run.errors));
    assert.deepEqual([builds.length, jobs.length, versions.length, deployed.length], [1, 1, 1, 1]);
    assert.equal(serverErrors, 0, JSON.stringify(statuses));
  });

  it(`${COPIES} direct POSTs + ${COPIES} router copies of the build SUCCESS and of the training message, racing the originals → one training, one deployment`, async () => {
    const publish = stack.router.publish.bind(stack.router);
    const statuses: Record<string, number> = {};
    const copies: Promise<unknown>[] = [];
    const copied = new Set<string>();
    const name = 'dup-messages.csv';
    // The moment the twin publishes the message, its copies go out too: they race the original, not trail it.
    const copy = (topic: string, trigger: string, data: string, attributes: Record<string, string>) => {
      copied.add(topic);
      const url = stack.functions.find((f) => f.opts.target === trigger)?.url as string;
      const event = messagePublishedEvent(
        topic,
        trigger,
        `copy-${topic}`,
        Buffer.from(data),
        attributes,
        new Date().toISOString(),
      );
      for (let i = 0; i < COPIES; i++) {
        copies.push(postLikePush(url, event, statuses), publish(topic, data, attributes));
      }
    };
    // Which messages to copy: the build of this file's run (its substitutions name the dataset), then that run's
    // training outcome message as the twin publishes it (attributes: the run id, per the outcome message contract).
    let runId = '';
    sinon.stub(stack.router, 'publish').callsFake(async (topic, data, attributes = {}) => {
      const text = data.toString();
      if (topic === CLOUD_BUILDS_TOPIC && attributes.status === 'SUCCESS' && !copied.has(topic)) {
        const build = JSON.parse(text) as { substitutions?: Record<string, string> };
        if (build.substitutions?._DATASET_URI === `gs://data/datasets/${name}`) {
          runId = build.substitutions._RUN_ID ?? '';
          copy(topic, 'onBuildStatus', text, attributes);
        }
      }
      if (topic === stack.names.trainingEventsTopic && attributes.runId === runId && runId)
        if (!copied.has(topic)) copy(topic, 'onTrainingStatus', text, attributes);
      return publish(topic, data, attributes);
    });
    await copyFile(join(REPO, 'trainer/data/train.csv'), join(stack.dropFolder, name));
    const runs = new RunReader(stack.store, 'artifacts');
    await until('the build to succeed', async () => (runId ? true : undefined));
    const run = await until('the run to finish', async () => {
      const r = await runs.get(runId);
      return r && isTerminal(r.state) ? r : undefined;
    });
    await Promise.all(copies);
    await until('the router to drain', async () =>
      stack.router.backlogFor('onBuildStatus') + stack.router.backlogFor('onTrainingStatus') === 0 ? true : undefined,
    );
    sinon.restore();
    const effects = await effectsOf(stack.store, runId);
    const duplicates = Object.values(effects).reduce((n, c) => n + Math.max(0, c - 1), 0);
    const serverErrors = serverErrorsIn(statuses);
    recordSuite({
      suite: `duplicates: ${COPIES * 2} copies each of the build and training messages (local stack)`,
      cases: COPIES * 4,
      outcomes: { ...statuses, [`run ${run.state}`]: 1 },
      serverErrors,
      crashes: stack.functions.reduce((n, f) => n + f.starts - 1, 0),
      duplicates,
      lost: run.state === 'DEPLOYED' ? 0 : 1,
      notes: `per message ${COPIES} direct POSTs (statuses above) + ${COPIES} router copies (all acknowledged: backlog drained), sent the moment the twin published the original; ${effects.builds} build, ${effects.trainings} training job, ${effects.versions} model version, ${effects.deployed} deployed model for the run`,
    });
    assert.deepEqual([...copied].sort(), [CLOUD_BUILDS_TOPIC, stack.names.trainingEventsTopic].sort());
    assert.equal(run.state, 'DEPLOYED', JSON.stringify(run.errors));
    assert.deepEqual(effects, { builds: 1, trainings: 1, versions: 1, deployed: 1 });
    assert.equal(serverErrors, 0, JSON.stringify(statuses));
  });

  it('every listening socket of the stack and its children is on 127.0.0.1', () => {
    const pids = [process.pid, ...descendants(process.pid)];
    const sockets = pids.flatMap((pid) => {
      try {
        return listeningSockets(pid).map((s) => ({ pid, s }));
      } catch {
        return [];
      }
    });
    const outcomes: Record<string, number> = {};
    for (const { s } of sockets) count(outcomes, s.startsWith('127.0.0.1:') ? 'on 127.0.0.1' : `on ${s}`);
    const bad = sockets.filter(({ s }) => !s.startsWith('127.0.0.1:'));
    recordSuite({
      suite: 'security: local stack listening sockets',
      cases: sockets.length,
      outcomes,
      crashes: 0,
      notes: `${pids.length} processes (this test process hosting the stack + its children: function servers, replicas)`,
    });
    assert.ok(sockets.length >= 5, `${sockets.length} listening sockets`); // control + 4 functions (+ replicas)
    assert.deepEqual(bad, []);
  });
});
