// Dead letters on the real local stack (`npm run test:reliability`): one cloud service at a time is made to fail
// (a twin method answering 500, i.e. a transient error the function must have redelivered), so the event that needs
// it exhausts the router's attempts and lands in `dead-letters/<trigger>/`. With the service back, the CLI's code path
// of `vertex-retrain dead-letters --replay` puts it back in the queue and the run finishes exactly once. The
// reconcile tick is held off until the replay, so it is the replayed event, not the reconciler, that unblocks the run.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import sinon from 'sinon';
import { deadLetters } from '../../functions/src/cli/dead-letters';
import { isTerminal } from '../../functions/src/pipeline/run-state';
import { RunReader } from '../../functions/src/cli/runs';
import { listDeadLetters } from '../../functions/src/local/queue-files';
import { RECONCILE_TOPIC } from '../../functions/src/local/settings';
import { LocalStack } from '../../functions/src/local/stack';
import { count, recordSuite } from './support/results';
import { effectsOf, until } from './support/stack-crash';

const REPO = join(__dirname, '../..');
const MAX_ATTEMPTS = 3;

describe('reliability: dead letters and replay (local stack)', function () {
  this.timeout(300_000);
  let root: string;
  let stack: LocalStack;
  let ticker: NodeJS.Timeout | undefined;
  const tick = () => void stack.router.publish(RECONCILE_TOPIC, '{}', {}).catch(() => undefined);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rel-dead-letters-'));
    stack = new LocalStack({
      root,
      port: 0,
      reconcileIntervalMs: 0, // ticked by the test, only once the outage is over
      functionSource: join(REPO, 'functions/src/local/function-entry.ts'),
      functionExecArgv: ['--import', 'tsx'],
      router: { maxAttempts: MAX_ATTEMPTS, minBackoffMs: 100, maxBackoffMs: 300, scanIntervalMs: 200 },
    });
    await stack.start();
  });
  afterEach(() => {
    clearInterval(ticker);
    sinon.restore();
  });
  after(async () => {
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const outages = [
    { trigger: 'onDatasetFinalized', service: 'builds', method: 'startBuild', stuck: 'BUILDING' },
    { trigger: 'onBuildStatus', service: 'training', method: 'startTraining', stuck: 'TRAINING' },
    { trigger: 'onTrainingStatus', service: 'endpoint', method: 'deployModel', stuck: 'DEPLOYING' },
  ] as const;
  const outcomes: Record<string, number> = {};
  let duplicates = 0;
  let lost = 0;
  let lettered = 0;

  for (const outage of outages) {
    it(`${outage.service}.${outage.method} down: the ${outage.trigger} event is dead-lettered after ${MAX_ATTEMPTS} attempts; replayed, the run finishes once`, async () => {
      const service = stack[outage.service] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      const down = sinon.stub(service, outage.method).rejects(new Error(`${outage.method}: service unavailable`));
      const name = `dl-${outage.trigger}.csv`;
      await copyFile(join(REPO, 'trainer/data/train.csv'), join(stack.dropFolder, name));
      const info = await until('the dropped file', () => stack.store.stat('data', `datasets/${name}`));
      const letter = await until('the dead letter', async () =>
        (await listDeadLetters(stack.layout)).find((l) => l.trigger === outage.trigger),
      );
      lettered++;
      assert.equal(letter.attempts, MAX_ATTEMPTS);
      assert.match(letter.lastError ?? '', /HTTP 500/);
      assert.equal(down.callCount, MAX_ATTEMPTS, 'one call per delivery: each retry retook the released claim');
      const runs = new RunReader(stack.store, 'artifacts');
      const stuck = await runs.forDataset('data', `datasets/${name}`, info.generation);
      assert.equal(stuck?.state, outage.stuck, 'the run waits where the outage stopped it');
      count(outcomes, `${outage.trigger} dead-lettered`);

      down.restore();
      const out = new PassThrough();
      let printed = '';
      out.on('data', (c: Buffer) => (printed += c.toString()));
      assert.equal(await deadLetters(stack.layout, true, out), 1);
      assert.match(printed, new RegExp(`${outage.trigger}.*attempts=${MAX_ATTEMPTS}`));
      assert.match(printed, /last error: HTTP 500/);
      assert.match(printed, /replayed 1 event\(s\)/);
      assert.deepEqual(await listDeadLetters(stack.layout), []);
      ticker = setInterval(tick, 250);
      const run = await until('the replayed run to finish', async () => {
        const r = await runs.get(stuck?.runId as string);
        return r && isTerminal(r.state) ? r : undefined;
      });
      const effects = await effectsOf(stack.store, run.runId);
      duplicates += Object.values(effects).reduce((n, c) => n + Math.max(0, c - 1), 0);
      if (run.state !== 'DEPLOYED') lost++;
      count(outcomes, `replayed → ${run.state}`);
      assert.equal(run.state, 'DEPLOYED', JSON.stringify(run.errors));
      assert.deepEqual(effects, { builds: 1, trainings: 1, versions: 1, deployed: 1 });
    });
  }

  after(() => {
    recordSuite({
      suite: 'dead letters and replay (local stack)',
      cases: outages.length,
      outcomes,
      crashes: stack.functions.reduce((n, f) => n + f.starts - 1, 0),
      duplicates,
      lost,
      notes: `a twin method failing (500) per case: builds.startBuild, training.startTraining, endpoint.deployModel; ${lettered} events dead-lettered after ${MAX_ATTEMPTS} attempts, replayed with \`dead-letters --replay\`'s code path`,
    });
  });
});
