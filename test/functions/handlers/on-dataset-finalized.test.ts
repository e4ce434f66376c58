import assert from 'node:assert/strict';
import {
  BAD_CSV,
  GOOD_CSV,
  dropDataset,
  harness,
  storageEvent,
  type Harness,
  type TestEvent,
} from '../../support/functions-harness';

const unavailable = () => Object.assign(new Error('socket hang up'), { code: 14 });

describe('handlers/onDatasetFinalized', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ MAX_DATASET_BYTES: '1000' });
  });
  afterEach(() => h.close());

  const ignored: [string, string, string][] = [
    ['another bucket', 'other', 'datasets/train.csv'],
    ['outside the prefix', 'data', 'incoming/train.csv'],
    ['not a csv', 'data', 'datasets/train.json'],
    ['the pipeline’s own rejection report', 'data', 'rejected/train.csv.reasons.json'],
    ['a folder placeholder', 'data', 'datasets/'],
  ];
  for (const [what, bucket, name] of ignored) {
    it(`ignores ${what}: ack, no run, no build`, async () => {
      const info = await h.store.write(bucket, name, GOOD_CSV);
      assert.equal(await h.deliver('onDatasetFinalized', storageEvent(info, h.clock.now.toISOString())), 204);
      assert.equal(h.builds.started.length, 0);
      assert.deepEqual(await h.ledger.list(), []);
      assert.ok(h.logs.some((l) => /ignored/.test(l.message)));
    });
  }

  it('a bad dataset is REJECTED with every reason, reported outside the prefix, left untouched; no build', async () => {
    const event = await dropDataset(h, 'datasets/sub/train.csv', BAD_CSV);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    assert.equal(h.builds.started.length, 0);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'REJECTED');
    assert.deepEqual(run?.rejection?.reasons, ['row 1, column Age: not a number', 'row 3, column Age: not a number']);
    assert.equal(run?.rejection?.reportUri, 'gs://data/rejected/sub/train.csv.reasons.json');
    const report = JSON.parse(h.store.text('data', 'rejected/sub/train.csv.reasons.json') as string);
    assert.equal(report.problemCount, 2);
    assert.equal(report.runId, run?.runId);
    assert.equal(h.store.text('data', 'datasets/sub/train.csv'), BAD_CSV, 'dataset untouched');
    assert.ok(
      h.logs.some((l) => l.severity === 'WARNING' && l.message === 'dataset rejected' && l.runId === run?.runId),
    );
    // The report's own finalize event is ignored (no loop).
    const reportInfo = await h.store.stat('data', 'rejected/sub/train.csv.reasons.json');
    assert.equal(await h.deliver('onDatasetFinalized', storageEvent(reportInfo!, h.clock.now.toISOString())), 204);
    assert.equal((await h.ledger.list()).length, 1);
  });

  it('a rejection report the function may not write still leaves the run REJECTED (the record comes first)', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', BAD_CSV);
    const write = h.store.write.bind(h.store);
    h.store.write = async (bucket, name, data, opts) => {
      if (name.startsWith('rejected/')) throw Object.assign(new Error('403 Forbidden'), { code: 403 });
      return write(bucket, name, data, opts);
    };
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'REJECTED');
    assert.equal(run?.rejection?.reasons.length, 2);
    assert.equal(h.builds.started.length, 0);
    assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /rejection report not written/.test(String(l.message))));
  });

  it('a dataset over MAX_DATASET_BYTES is rejected before it is read', async () => {
    const event = await dropDataset(h, 'datasets/big.csv', GOOD_CSV + 'x'.repeat(1000));
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'REJECTED');
    assert.match(run?.rejection?.reasons[0] ?? '', /over the 1000-byte limit/);
    assert.equal(h.builds.started.length, 0);
  });

  it('a dataset overwritten since the event is superseded by the newer generation (which has its own event)', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    await h.store.write('data', 'datasets/train.csv', GOOD_CSV + '3,1,2\n');
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'FAILED');
    assert.equal(run?.errors[0]?.reason, 'Superseded');
    assert.match(run?.errors[0]?.message ?? '', /landed before generation/);
    assert.equal(h.builds.started.length, 0);
  });

  it('a dataset deleted since the event fails that run as DatasetGone', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const [read, stat] = [h.store.read.bind(h.store), h.store.stat.bind(h.store)];
    const gone = (bucket: string, name: string) => bucket === 'data' && name === 'datasets/train.csv';
    h.store.read = async (bucket, name, opts) => (gone(bucket, name) ? undefined : read(bucket, name, opts));
    h.store.stat = async (bucket, name) => (gone(bucket, name) ? undefined : stat(bucket, name));
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'FAILED');
    assert.equal(run?.errors[0]?.reason, 'DatasetGone');
    assert.equal(h.builds.started.length, 0);
  });

  it('the same finalize event delivered 20 times concurrently starts exactly one build', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => h.deliver('onDatasetFinalized', event)));
    assert.deepEqual(new Set(statuses), new Set([204]));
    assert.equal(h.builds.started.length, 1);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'BUILDING');
    assert.equal(run?.build?.id, 'build-1');
    assert.equal(h.logs.filter((l) => l.outcome === 'duplicate').length, 19);
  });

  it('a transient build error → 500, claim released; the redelivery checks first, then builds exactly once', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    h.builds.failNext('startBuild', unavailable());
    assert.equal(await h.deliver('onDatasetFinalized', event), 500);
    const [held] = await h.ledger.list();
    assert.equal(held?.state, 'BUILDING');
    assert.equal(held?.build?.claim?.released, true);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    assert.equal(h.builds.findCalls, 1, 'check-before-create on the retaken claim');
    assert.equal(h.builds.started.length, 1);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    assert.equal(h.builds.started.length, 1);
    assert.equal((await h.ledger.list())[0]?.build?.claim?.attempt, 2);
  });

  it('a crash after starting the build: after the lease, the redelivery finds the build instead of starting another', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    // The first delivery starts the build, then "crashes" before recording it: its result is lost.
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const runId = (await h.ledger.list())[0]?.runId as string;
    const rec = await h.ledger.get(runId);
    const gen = (await h.store.stat('artifacts', `runs/${runId}.json`))?.generation as string;
    await h.store.write(
      'artifacts',
      `runs/${runId}.json`,
      JSON.stringify({ ...rec, build: { claim: rec?.build?.claim } }),
      {
        ifGenerationMatch: gen,
      },
    );
    assert.equal(await h.deliver('onDatasetFinalized', event), 204, 'inside the lease: a duplicate');
    assert.equal(h.builds.findCalls, 0);
    h.clock.now = new Date(h.clock.now.getTime() + (h.config.claimLeaseSeconds + 1) * 1000);
    const late: TestEvent = { ...event, headers: { ...event.headers, 'ce-time': h.clock.now.toISOString() } };
    assert.equal(await h.deliver('onDatasetFinalized', late), 204);
    assert.equal(h.builds.findCalls, 1);
    assert.equal(h.builds.started.length, 1, 'no second build');
    assert.equal((await h.ledger.get(runId))?.build?.id, 'build-1');
  });

  it('a permanent build error fails the run with its reason and acknowledges', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    h.builds.failNext('startBuild', Object.assign(new Error('permission denied on the source archive'), { code: 7 }));
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'FAILED');
    assert.deepEqual([run?.errors[0]?.reason, run?.errors[0]?.stage], ['Error(7)', 'BUILDING']);
  });

  it('a transient ledger error before the claim → 500, and the redelivery completes', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const read = h.store.read.bind(h.store);
    let failed = false;
    h.store.read = async (bucket, name, opts) => {
      if (!failed && bucket === 'artifacts') {
        failed = true;
        throw Object.assign(new Error('backend error'), { code: 503 });
      }
      return read(bucket, name, opts);
    };
    assert.equal(await h.deliver('onDatasetFinalized', event), 500);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    assert.equal(h.builds.started.length, 1);
  });

  it('a permanent store error before the claim fails the run with the reason instead of leaving it RECEIVED', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const read = h.store.read.bind(h.store);
    h.store.read = async (bucket, name, opts) => {
      if (bucket === 'data') throw Object.assign(new Error('caller does not have storage.objects.get'), { code: 403 });
      return read(bucket, name, opts);
    };
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const [run] = await h.ledger.list();
    assert.equal(run?.state, 'FAILED');
    assert.deepEqual([run?.errors[0]?.reason, run?.errors[0]?.stage], ['Error(403)', 'RECEIVED']);
    assert.match(run?.errors[0]?.message ?? '', /storage\.objects\.get/);
    assert.equal(h.builds.started.length, 0);
    assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /run failed/.test(l.message)));
  });

  const malformed: [string, unknown][] = [
    ['no data', undefined],
    ['missing name', { bucket: 'data', generation: '1', size: '3' }],
    ['generation not an int64', { bucket: 'data', name: 'datasets/a.csv', generation: 'abc', size: '3' }],
    ['size of the wrong type', { bucket: 'data', name: 'datasets/a.csv', generation: '1', size: true }],
    ['data is an array', [1, 2]],
  ];
  for (const [what, body] of malformed) {
    it(`malformed event (${what}) → ack with an error log`, async () => {
      const event = storageEvent(
        { bucket: 'data', name: 'datasets/a.csv', generation: '1', size: 3 },
        h.clock.now.toISOString(),
      );
      assert.equal(await h.deliver('onDatasetFinalized', { headers: event.headers, body }), 204);
      assert.ok(h.logs.some((l) => l.severity === 'ERROR' && /malformed event/.test(l.message)));
      assert.equal(h.builds.started.length, 0);
    });
  }

  it('an event older than MAX_EVENT_AGE_SECONDS is dropped with a log line', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    h.clock.now = new Date(h.clock.now.getTime() + (h.config.maxEventAgeSeconds + 60) * 1000);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    assert.ok(h.logs.some((l) => l.severity === 'WARNING' && l.message === 'stale event dropped'));
    assert.deepEqual(await h.ledger.list(), []);
  });

  it('puts the trace of the incoming event on its log lines', async () => {
    const event = await dropDataset(h, 'datasets/train.csv', GOOD_CSV);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await h.deliver('onDatasetFinalized', { ...event, headers: { ...event.headers, traceparent } });
    const line = h.logs.find((l) => l.message === 'build started');
    assert.equal(
      line?.['logging.googleapis.com/trace'],
      'projects/test-project/traces/4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });
});
