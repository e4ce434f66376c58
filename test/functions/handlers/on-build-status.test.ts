import assert from 'node:assert/strict';
import { runIdForBuild } from '../../../functions/src/pipeline/run-id';
import {
  GOOD_CSV,
  buildEvent,
  dropDataset,
  harness,
  pubsubEvent,
  successfulBuild,
  type Harness,
} from '../../support/functions-harness';

/** Drops a good dataset and returns its run id and build id (run in BUILDING). */
async function building(h: Harness, name = 'datasets/train.csv') {
  assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, name, GOOD_CSV)), 204);
  return h.builds.started.at(-1) as { runId: string; buildId: string };
}

describe('handlers/onBuildStatus', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());
  const at = () => h.clock.now.toISOString();

  it('SUCCESS with a run tag: claims TRAINING and submits the image pinned by digest', async () => {
    const { runId, buildId } = await building(h);
    assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, runId, buildId, at())), 204);
    assert.deepEqual(h.training.started, [
      {
        runId,
        imageUri: `local/vertex-retrain/trainer@sha256:${'ab'.repeat(32)}`,
        // Pinned to the generation that was validated: an overwrite since then is not what this run trains on.
        datasetUri: `gs://data/datasets/train.csv#${(await h.ledger.get(runId))?.dataset?.generation}`,
        endpointVersion: 1,
        baseOutputDir: `gs://artifacts/runs/${runId}/`,
        // No TRAINING_MACHINE_BANDS: today's single machine type.
        machineType: 'n1-standard-4',
        name: 'projects/p/locations/r/trainingPipelines/1',
      },
    ]);
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'TRAINING');
    assert.equal(run?.training?.name, 'projects/p/locations/r/trainingPipelines/1');
    assert.equal(run?.build?.imageDigest, `sha256:${'ab'.repeat(32)}`);
  });

  it('the same SUCCESS message delivered 20 times concurrently starts exactly one training', async () => {
    const { runId, buildId } = await building(h);
    const event = successfulBuild(h, runId, buildId, at());
    const statuses = await Promise.all(Array.from({ length: 20 }, () => h.deliver('onBuildStatus', event)));
    assert.deepEqual(new Set(statuses), new Set([204]));
    assert.equal(h.training.started.length, 1);
    assert.equal((await h.ledger.get(runId))?.training?.endpointVersion, 1);
  });

  const ignored: [string, Record<string, unknown>][] = [
    ['a build without our tag', { id: 'x', status: 'SUCCESS', tags: ['other'] }],
    ['QUEUED', { id: 'x', status: 'QUEUED', tags: ['vertex-retrain', 'run-abc'] }],
    ['WORKING', { id: 'x', status: 'WORKING', tags: ['vertex-retrain', 'run-abc'] }],
  ];
  for (const [what, build] of ignored) {
    it(`ignores ${what}`, async () => {
      assert.equal(await h.deliver('onBuildStatus', buildEvent(build as { id: string; status: string }, at())), 204);
      assert.equal(h.training.started.length, 0);
      assert.ok(h.logs.some((l) => l.outcome === 'ignored'));
    });
  }

  for (const status of ['FAILURE', 'TIMEOUT', 'CANCELLED', 'INTERNAL_ERROR', 'EXPIRED']) {
    it(`${status} fails the run with the build's log URL`, async () => {
      const { runId, buildId } = await building(h);
      const logUrl = `https://console.cloud.google.com/cloud-build/builds/${buildId}`;
      const event = buildEvent(
        {
          id: buildId,
          status,
          tags: ['vertex-retrain', `run-${runId}`],
          logUrl,
          failureInfo: { type: 'USER_BUILD_STEP', detail: 'step 2 exited 1' },
        },
        at(),
      );
      assert.equal(await h.deliver('onBuildStatus', event), 204);
      const run = await h.ledger.get(runId);
      assert.equal(run?.state, 'FAILED');
      assert.equal(run?.errors[0]?.reason, `Build${status}`);
      assert.ok(run?.errors[0]?.message.includes(logUrl));
      assert.equal(h.training.started.length, 0);
    });
  }

  it('SUCCESS without an image digest fails the run', async () => {
    const { runId, buildId } = await building(h);
    const event = buildEvent(
      { id: buildId, status: 'SUCCESS', tags: ['vertex-retrain', `run-${runId}`], results: { images: [] } },
      at(),
    );
    assert.equal(await h.deliver('onBuildStatus', event), 204);
    assert.equal((await h.ledger.get(runId))?.errors[0]?.reason, 'NoImageDigest');
  });

  it('a permanent ledger error claiming the training fails the run (BUILDING) with the reason instead of leaving it', async () => {
    const { runId, buildId } = await building(h);
    const write = h.store.write.bind(h.store);
    h.store.write = async (bucket, name, data, opts) => {
      if (name === `runs/${runId}.json` && String(data).includes('"state": "TRAINING"'))
        throw Object.assign(new Error('bucket retention policy forbids the write'), { code: 403 });
      return write(bucket, name, data, opts);
    };
    assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, runId, buildId, at())), 204);
    const run = await h.ledger.get(runId);
    assert.equal(run?.state, 'FAILED');
    assert.deepEqual([run?.errors[0]?.reason, run?.errors[0]?.stage], ['Error(403)', 'BUILDING']);
    assert.equal(h.training.started.length, 0);
  });

  it('a git-push build before any accepted dataset: ack with a log, no run', async () => {
    const event = buildEvent(
      {
        id: 'push-1',
        status: 'SUCCESS',
        tags: ['vertex-retrain'],
        results: { images: [{ name: 'local/vertex-retrain/trainer:latest', digest: 'sha256:1' }] },
      },
      at(),
    );
    assert.equal(await h.deliver('onBuildStatus', event), 204);
    assert.deepEqual(await h.ledger.list(), []);
    assert.ok(h.logs.some((l) => /no dataset was accepted yet/.test(l.message)));
  });

  it('a git-push build trains the latest accepted dataset as a git-push run (once, even if delivered twice)', async () => {
    await building(h, 'datasets/old.csv');
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    await building(h, 'datasets/new.csv');
    const event = buildEvent(
      {
        id: 'push-1',
        status: 'SUCCESS',
        tags: ['vertex-retrain'],
        results: { images: [{ name: 'local/vertex-retrain/trainer:abc', digest: 'sha256:1' }] },
      },
      at(),
    );
    await Promise.all([h.deliver('onBuildStatus', event), h.deliver('onBuildStatus', event)]);
    const run = await h.ledger.get(runIdForBuild('push-1'));
    assert.equal(run?.trigger, 'git-push');
    assert.equal(run?.state, 'TRAINING');
    assert.equal(run?.dataset?.uri, 'gs://data/datasets/new.csv');
    assert.equal(run?.build?.id, 'push-1');
    assert.deepEqual(
      h.training.started.map((t) => [t.runId, t.imageUri, t.datasetUri]),
      [[run?.runId, 'local/vertex-retrain/trainer@sha256:1', `gs://data/datasets/new.csv#${run?.dataset?.generation}`]],
    );
  });

  it('a transient training error → 500; the redelivery checks first and trains exactly once with the same version', async () => {
    const { runId, buildId } = await building(h);
    const event = successfulBuild(h, runId, buildId, at());
    h.training.failNext('startTraining', Object.assign(new Error('quota'), { code: 8 }));
    assert.equal(await h.deliver('onBuildStatus', event), 500);
    assert.equal(await h.deliver('onBuildStatus', event), 204);
    assert.equal(await h.deliver('onBuildStatus', event), 204);
    assert.equal(h.training.started.length, 1);
    assert.equal(h.training.started[0]?.endpointVersion, 1, 'the version allocated before the error is reused');
  });

  const malformed: [string, unknown][] = [
    ['no message', { subscription: 's' }],
    ['bad base64', { message: { data: '%%%not base64%%%', attributes: {} } }],
    ['base64 of non-JSON', { message: { data: Buffer.from('not json').toString('base64') } }],
    [
      'Build without id or status',
      { message: { data: Buffer.from('{"tags":["vertex-retrain"]}').toString('base64') } },
    ],
    [
      'tags of the wrong type',
      { message: { data: Buffer.from('{"id":"b","status":"SUCCESS","tags":"vertex-retrain"}').toString('base64') } },
    ],
  ];
  for (const [what, body] of malformed) {
    it(`malformed message (${what}) → ack with an error log`, async () => {
      const event = pubsubEvent('cloud-builds', {}, at());
      assert.equal(await h.deliver('onBuildStatus', { headers: event.headers, body }), 204);
      assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /malformed event/.test(l.message)));
    });
  }

  it('a message published more than MAX_EVENT_AGE_SECONDS ago is dropped', async () => {
    const { runId, buildId } = await building(h);
    const old = new Date(h.clock.now.getTime() - (h.config.maxEventAgeSeconds + 1) * 1000).toISOString();
    assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, runId, buildId, old)), 204);
    assert.equal(h.training.started.length, 0);
    assert.ok(h.logs.some((l) => l.message === 'stale event dropped'));
  });
});
