// Bad input at every entry point of the functions (functions-framework test servers): malformed CloudEvents and
// Pub/Sub payloads to each of the four functions are acknowledged with an error log — never a 5xx (which would be
// retried forever), never a crash (the server answers a good event afterwards) — and a finalize event naming an
// object outside the watched prefix, with `..`, an absolute path or control characters starts nothing.
import assert from 'node:assert/strict';
import {
  GOOD_CSV,
  dropDataset,
  harness,
  pubsubEvent,
  storageEvent,
  type FunctionName,
  type Harness,
  type TestEvent,
} from '../support/functions-harness';
import { count, isFullRun, recordSuite } from './support/results';

const FUNCTIONS: FunctionName[] = ['onDatasetFinalized', 'onBuildStatus', 'onTrainingStatus', 'onReconcileTick'];
const ce = (type: string, extra: Record<string, string> = {}) => ({
  'ce-id': `bad-${Math.random()}`,
  'ce-specversion': '1.0',
  'ce-type': type,
  'ce-source': '//bad/source',
  'ce-time': new Date('2026-03-01T12:00:00.000Z').toISOString(),
  'content-type': 'application/json',
  ...extra,
});
const STORAGE = 'google.cloud.storage.object.v1.finalized';
const PUBSUB = 'google.cloud.pubsub.topic.v1.messagePublished';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Bad requests for one function; `name` says what is wrong. */
function badEvents(fn: FunctionName, hugeBytes: number): { name: string; event: TestEvent }[] {
  const type = fn === 'onDatasetFinalized' ? STORAGE : PUBSUB;
  const msg = (data: unknown) => ({ message: { data, messageId: '1', publishTime: '2026-03-01T12:00:00.000Z' } });
  return [
    { name: 'no data', event: { headers: ce(type), body: '' } },
    { name: 'JSON null', event: { headers: ce(type), body: 'null' } },
    { name: 'not JSON', event: { headers: ce(type), body: '{"bucket": "data", ' } },
    { name: 'an array', event: { headers: ce(type), body: '[1,2,3]' } },
    { name: 'a number', event: { headers: ce(type), body: '42' } },
    { name: 'missing ce-* headers', event: { headers: { 'content-type': 'application/json' }, body: '{}' } },
    { name: 'ce-type only', event: { headers: { 'content-type': 'application/json', 'ce-type': type }, body: '{}' } },
    {
      name: 'structured-mode garbage',
      event: { headers: { 'content-type': 'application/cloudevents+json' }, body: '{"specversion":7,"data":' },
    },
    {
      name: 'structured-mode, wrong types',
      event: {
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({ specversion: '1.0', id: 5, type: [], source: {}, data: 'x' }),
      },
    },
    {
      name: 'wrong types',
      event: {
        headers: ce(type),
        body: JSON.stringify({ bucket: 5, name: [], generation: {}, size: -1, message: 'x' }),
      },
    },
    { name: 'message without data', event: { headers: ce(type), body: JSON.stringify({ message: {} }) } },
    { name: 'bad base64', event: { headers: ce(type), body: JSON.stringify(msg('%%%not base64%%%')) } },
    { name: 'base64 of non-JSON', event: { headers: ce(type), body: JSON.stringify(msg(b64('{{{'))) } },
    {
      name: 'base64 of wrong types',
      event: { headers: ce(type), body: JSON.stringify(msg(b64(JSON.stringify({ runId: 42, id: null, status: [] })))) },
    },
    { name: 'data a number', event: { headers: ce(type), body: JSON.stringify(msg(12345)) } },
    {
      name: 'binary bytes',
      event: {
        headers: { ...ce(type), 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 255, 1, 254, 0x7b]).toString('latin1'),
      },
    },
    {
      name: `huge body (${(hugeBytes / 1e6).toFixed(0)} MB)`,
      event: { headers: ce(type), body: `{"pad":"${'x'.repeat(hugeBytes)}"}` },
    },
  ];
}

describe('reliability: malformed events at the four functions', function () {
  this.timeout(120_000);
  let h: Harness;
  const outcomes: Record<string, number> = {};
  let serverErrors = 0;
  let crashes = 0;
  let cases = 0;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  const hugeBytes = (isFullRun() ? 12 : 2) * 1024 * 1024;
  for (const fn of FUNCTIONS) {
    it(`${fn}: every malformed request is answered without a 5xx, and the server still works after`, async () => {
      const statuses: Record<string, number> = {};
      for (const { name, event } of badEvents(fn, hugeBytes)) {
        const status = await h.deliver(fn, event).catch(() => 0);
        cases++;
        count(outcomes, String(status));
        statuses[name] = status;
        if (status >= 500) serverErrors++;
        if (status === 0) crashes++;
      }
      assert.deepEqual(
        Object.entries(statuses).filter(([, s]) => s >= 500 || s === 0),
        [],
        JSON.stringify(statuses),
      );
      // Decodable-but-wrong events are the function's to judge: acknowledged (204) with an error log.
      for (const name of [
        'not JSON',
        'wrong types',
        'bad base64',
        'base64 of non-JSON',
        'base64 of wrong types',
        'message without data',
      ])
        if (fn !== 'onReconcileTick' || !['bad base64'].includes(name))
          assert.ok([204, 400].includes(statuses[name] as number), `${name}: ${statuses[name]}`);
      // Still up: a good event is handled.
      const good =
        fn === 'onDatasetFinalized'
          ? await dropDataset(h, `datasets/after-${fn}.csv`, GOOD_CSV)
          : pubsubEvent('reconcile', {}, h.clock.now.toISOString());
      const after = await h.deliver(fn === 'onDatasetFinalized' ? fn : 'onReconcileTick', good);
      if (after !== 204) crashes++;
      assert.equal(after, 204);
    });
  }

  it('malformed events are logged as errors (acknowledged, not silently dropped)', () => {
    const malformed = h.logs.filter((l) => l.severity === 'ERROR' && /malformed event acknowledged/.test(l.message));
    assert.ok(malformed.length >= FUNCTIONS.length, `${malformed.length} malformed-event error logs`);
  });

  it('finalize events naming escaping or odd objects start nothing', async () => {
    const builds = h.builds.started.length;
    for (const name of [
      '../etc/passwd.csv',
      'datasets/../../x.csv',
      '/etc/passwd.csv',
      'datasets/a\u0000b.csv',
      'datasets/\u001b[31m.csv',
      'rejected/x.csv',
      'datasets/x.txt',
    ]) {
      const event = storageEvent(
        { bucket: h.config.dataBucket, name, generation: '1', size: 10 },
        h.clock.now.toISOString(),
      );
      event.headers['ce-subject'] = encodeURIComponent(event.headers['ce-subject'] as string); // HTTP-safe
      const status = await h.deliver('onDatasetFinalized', event);
      cases++;
      count(outcomes, String(status));
      if (status >= 500) serverErrors++;
      assert.equal(status, 204, name);
    }
    assert.equal(h.builds.started.length, builds, 'no build');
  });

  after(() =>
    recordSuite({
      suite: 'bad input: malformed events (function level)',
      cases,
      outcomes,
      serverErrors,
      crashes,
      notes: `${FUNCTIONS.length} functions × 17 malformed bodies/headers (incl. a ${(hugeBytes / 1048576).toFixed(0)} MB body) + 7 odd object names`,
    }),
  );
});
