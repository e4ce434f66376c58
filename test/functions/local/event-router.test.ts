import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBSUB_PUBLISHED, STORAGE_FINALIZED, storageFinalizedEvent } from '../../../functions/src/local/cloud-events';
import { EventRouter } from '../../../functions/src/local/event-router';
import { listDeadLetters, replayDeadLetters } from '../../../functions/src/local/queue-files';
import { localLayout } from '../../../functions/src/local/layout';
import type { LocalLayout } from '../../../functions/src/local/layout';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A push endpoint that answers with the statuses given, in order (then 204), recording each request. */
async function endpoint(statuses: number[] = [], delayMs = 0) {
  const received: Received[] = [];
  let active = 0;
  let maxActive = 0;
  const server: Server = createServer((req, res) => {
    active++;
    maxActive = Math.max(maxActive, active);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      setTimeout(() => {
        active--;
        res.statusCode = statuses.shift() ?? 204;
        res.end(res.statusCode >= 400 ? 'boom' : '');
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, received, server, maxActive: () => maxActive };
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local/event-router', () => {
  let root: string;
  let layout: LocalLayout;
  const routers: EventRouter[] = [];
  const servers: Server[] = [];
  const fast = { minBackoffMs: 10, maxBackoffMs: 40, scanIntervalMs: 50 };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'router-'));
    layout = localLayout(root);
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.stop()));
    servers.splice(0).forEach((s) => s.close());
    await rm(root, { recursive: true, force: true });
  });

  function router(opts = {}) {
    const r = new EventRouter(layout, { ...fast, ...opts });
    routers.push(r);
    return r;
  }

  it('delivers a Pub/Sub message as a binary-mode messagePublished CloudEvent with base64 data', async () => {
    const ep = await endpoint();
    servers.push(ep.server);
    const r = router();
    r.addTrigger({ name: 'on-build', eventType: PUBSUB_PUBLISHED, topic: 'cloud-builds', destination: () => ep.url });
    await r.start();
    const id = await r.publish('cloud-builds', JSON.stringify({ id: 'b1' }), { buildId: 'b1', status: 'SUCCESS' });
    await until(() => ep.received.length === 1 && r.backlog === 0);
    const [got] = ep.received;
    assert.equal(got?.headers['ce-specversion'], '1.0');
    assert.equal(got?.headers['ce-type'], PUBSUB_PUBLISHED);
    assert.equal(got?.headers['ce-id'], id);
    assert.equal(got?.headers['ce-source'], '//pubsub.googleapis.com/projects/local/topics/cloud-builds');
    assert.equal(got?.headers['content-type'], 'application/json');
    const data = got?.body as {
      subscription: string;
      message: { data: string; attributes: object; messageId: string };
    };
    assert.equal(data.subscription, 'projects/local/subscriptions/on-build');
    assert.deepEqual(JSON.parse(Buffer.from(data.message.data, 'base64').toString()), { id: 'b1' });
    assert.deepEqual(data.message.attributes, { buildId: 'b1', status: 'SUCCESS' });
    assert.equal(data.message.messageId, id);
    assert.deepEqual(await readdir(join(root, 'queue', 'on-build')), []);
  });

  it('routes storage events by type and bucket only', async () => {
    const ep = await endpoint();
    servers.push(ep.server);
    const r = router();
    r.addTrigger({ name: 'on-data', eventType: STORAGE_FINALIZED, bucket: 'data', destination: () => ep.url });
    await r.start();
    const info = {
      bucket: 'data',
      name: 'datasets/a.csv',
      generation: '17',
      size: 3,
      updated: new Date().toISOString(),
    };
    assert.equal(await r.dispatch(storageFinalizedEvent(info), 'data'), 1);
    assert.equal(await r.dispatch(storageFinalizedEvent({ ...info, bucket: 'other' }), 'other'), 0);
    await until(() => ep.received.length === 1);
    assert.equal(ep.received[0]?.headers['ce-subject'], 'objects/datasets/a.csv');
    assert.equal((ep.received[0]?.body as { generation: string }).generation, '17');
  });

  it('retries a 500 with backoff until the function acknowledges', async () => {
    const ep = await endpoint([500, 503]);
    servers.push(ep.server);
    const r = router();
    r.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => ep.url });
    await r.start();
    await r.publish('x', '{}');
    await until(() => ep.received.length === 3 && r.backlog === 0);
    assert.equal(new Set(ep.received.map((g) => g.headers['ce-id'])).size, 1, 'same event id on every attempt');
    assert.deepEqual(await listDeadLetters(layout), []);
  });

  it('dead-letters after maxAttempts with the event and the last error, and replays it', async () => {
    const ep = await endpoint([500, 500, 500]);
    servers.push(ep.server);
    const r = router({ maxAttempts: 3 });
    r.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => ep.url });
    await r.start();
    await r.publish('x', JSON.stringify({ n: 1 }));
    await until(async () => (await listDeadLetters(layout)).length === 1);
    const [letter] = await listDeadLetters(layout);
    assert.equal(letter?.attempts, 3);
    assert.match(letter?.lastError ?? '', /HTTP 500: boom/);
    assert.equal(ep.received.length, 3);
    assert.equal(await replayDeadLetters(layout), 1);
    await until(() => ep.received.length === 4 && r.backlog === 0);
    assert.deepEqual(await listDeadLetters(layout), []);
  });

  it('counts an unreachable function as a failed attempt', async () => {
    const r = router({ maxAttempts: 2 });
    r.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => 'http://127.0.0.1:9/' });
    await r.start();
    await r.publish('x', '{}');
    await until(async () => (await listDeadLetters(layout)).length === 1);
    assert.match((await listDeadLetters(layout))[0]?.lastError ?? '', /fetch failed/);
  });

  it('keeps undelivered events on disk across a restart and delivers them then', async () => {
    const first = router({ maxAttempts: 100 });
    first.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => undefined });
    await first.start();
    await first.publish('x', JSON.stringify({ n: 42 }));
    await first.stop();
    const ep = await endpoint();
    servers.push(ep.server);
    const second = router();
    second.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => ep.url });
    await second.start();
    await until(() => ep.received.length === 1 && second.backlog === 0);
    const message = (ep.received[0]?.body as { message: { data: string } }).message;
    assert.deepEqual(JSON.parse(Buffer.from(message.data, 'base64').toString()), { n: 42 });
  });

  it('bounds concurrent deliveries per trigger', async () => {
    const ep = await endpoint([], 30);
    servers.push(ep.server);
    const r = router({ concurrency: 2 });
    r.addTrigger({ name: 't', eventType: PUBSUB_PUBLISHED, topic: 'x', destination: () => ep.url });
    await r.start();
    await Promise.all(Array.from({ length: 6 }, (_, i) => r.publish('x', String(i))));
    await until(() => ep.received.length === 6 && r.backlog === 0);
    assert.equal(ep.maxActive(), 2);
  });
});
