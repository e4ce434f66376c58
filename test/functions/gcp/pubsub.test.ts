import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import { buildRunEvent, RUN_EVENT_TYPE } from '../../../functions/src/pipeline/run-event';
import {
  createPubSubPublisher,
  createPubSubRunEvents,
  pullDeadLetters,
  replayDeadLetters,
  type PublisherApi,
  type SubscriberApi,
} from '../../../functions/src/gcp/pubsub';
import { fakeGrpc, offlineClientOptions } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { assertMatchesProto } from '../../support/proto-schema';

describe('gcp/pubsub', () => {
  it('publishes JSON with attributes (PublishRequest proto-checked) and returns the message id', async () => {
    const pubsub = new PubSub(offlineClientOptions());
    // The PubSub wrapper creates its generated PublisherClient on demand; fake that client's gRPC stub.
    const gapic = await (
      pubsub as unknown as { getClientAsync_(c: { client: string }): Promise<{ initialize(): Promise<unknown> }> }
    ).getClientAsync_({ client: 'PublisherClient' });
    const calls = await fakeGrpc(gapic.initialize(), 'publish', () => ({ messageIds: ['msg-1'] }));

    const id = await createPubSubPublisher({ pubsub: () => pubsub }).publish(
      'training-events',
      { runId: 'r7', state: 'SUCCEEDED' },
      { runId: 'r7' },
    );

    assert.equal(id, 'msg-1');
    const { request } = calls[0]!;
    assertMatchesProto('google.pubsub.v1.PublishRequest', request, protoOptions('pubsub'));
    assert.equal(request.topic, 'projects/test-project/topics/training-events');
    const [message] = request.messages as { data: Buffer; attributes: Record<string, string> }[];
    assert.deepEqual(JSON.parse(message!.data.toString('utf8')), { runId: 'r7', state: 'SUCCEEDED' });
    assert.deepEqual(message!.attributes, { runId: 'r7' });
    await pubsub.close();
  });
});

describe('gcp/pubsub run events', () => {
  async function fakePubSub(respond: (req: Record<string, unknown>) => unknown) {
    const pubsub = new PubSub(offlineClientOptions());
    const gapic = await (
      pubsub as unknown as { getClientAsync_(c: { client: string }): Promise<{ initialize(): Promise<unknown> }> }
    ).getClientAsync_({ client: 'PublisherClient' });
    return { pubsub, calls: await fakeGrpc(gapic.initialize(), 'publish', respond) };
  }

  it('publishes a transition in binary content mode: PublishRequest proto-checked, ce-* and filter attributes', async () => {
    const { pubsub, calls } = await fakePubSub(() => ({ messageIds: ['m1'] }));
    const event = buildRunEvent('//vertex-retrain/projects/test-project/locations/europe-west1', {
      runId: 'train-0123456789ab',
      from: 'TRAINING',
      to: 'HELD',
      at: '2026-12-02T10:00:00.000Z',
      reason: 'QualityGateHeld',
      modelVersion: '3',
      details: { gate: { metric: 'accuracy', candidate: 0.6 } },
    });

    await createPubSubRunEvents({ pubsub: () => pubsub }, 'vr-run-events').publish(event);

    assert.equal(calls.length, 1);
    const { request, wire } = calls[0]!;
    assertMatchesProto('google.pubsub.v1.PublishRequest', request, protoOptions('pubsub'));
    const sent = wire as {
      topic: string;
      messages: { data: Buffer; attributes: Record<string, string>; orderingKey?: string }[];
    };
    assert.equal(sent.topic, 'projects/test-project/topics/vr-run-events');
    assert.equal(sent.messages.length, 1);
    const [message] = sent.messages;
    assert.deepEqual(JSON.parse(Buffer.from(message!.data).toString('utf8')), {
      gate: { metric: 'accuracy', candidate: 0.6 },
      runId: 'train-0123456789ab',
      from: 'TRAINING',
      to: 'HELD',
      reason: 'QualityGateHeld',
      modelVersion: '3',
    });
    assert.deepEqual(message!.attributes, {
      'ce-specversion': '1.0',
      'ce-type': RUN_EVENT_TYPE,
      'ce-source': '//vertex-retrain/projects/test-project/locations/europe-west1',
      'ce-id': 'train-0123456789ab:TRAINING:HELD:2026-12-02T10:00:00.000Z',
      'ce-time': '2026-12-02T10:00:00.000Z',
      'ce-subject': 'train-0123456789ab',
      'content-type': 'application/json',
      runId: 'train-0123456789ab',
      from: 'TRAINING',
      to: 'HELD',
    });
    assert.ok(!message!.orderingKey, 'no ordering key');
    await pubsub.close();
  });

  it('a first transition carries no `from` attribute (null in the body)', async () => {
    const { pubsub, calls } = await fakePubSub(() => ({ messageIds: ['m1'] }));
    const event = buildRunEvent('//s', { runId: 'r-1', to: 'RECEIVED', at: '2026-12-02T10:00:00Z' });
    await createPubSubRunEvents({ pubsub: () => pubsub }, 'projects/other/topics/events').publish(event);
    const sent = calls[0]!.wire as { topic: string; messages: { data: Buffer; attributes: Record<string, string> }[] };
    assert.equal(sent.topic, 'projects/other/topics/events');
    assert.equal('from' in sent.messages[0]!.attributes, false);
    assert.equal(JSON.parse(Buffer.from(sent.messages[0]!.data).toString('utf8')).from, null);
    await pubsub.close();
  });

  it('a publish Pub/Sub refuses rejects (the engine logs it)', async () => {
    const { pubsub } = await fakePubSub(() => {
      throw Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7, details: 'denied' });
    });
    const event = buildRunEvent('//s', { runId: 'r-1', to: 'RECEIVED', at: '2026-12-02T10:00:00Z' });
    await assert.rejects(
      createPubSubRunEvents({ pubsub: () => pubsub }, 'vr-run-events').publish(event),
      /PERMISSION_DENIED|denied/,
    );
    await pubsub.close();
  });
});

describe('gcp/pubsub dead letters (v1 clients, gRPC faked, requests proto-checked)', () => {
  // The generated clients, as `dead-letters --env vertex` uses them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { v1 } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const SUB = 'projects/test-project/subscriptions/vr-build-status-dead-letter-keep';
  const TOPIC = 'projects/test-project/topics/cloud-builds';

  async function clients(pulled: unknown[]) {
    const subscriber = new v1.SubscriberClient(offlineClientOptions());
    const publisher = new v1.PublisherClient(offlineClientOptions());
    const pulls = await fakeGrpc(subscriber.initialize(), 'pull', () => ({ receivedMessages: pulled }));
    const acks = await fakeGrpc(subscriber.initialize(), 'acknowledge', () => ({}));
    const publishes = await fakeGrpc(publisher.initialize(), 'publish', (req) => ({
      messageIds: (req.messages as unknown[]).map((_, i) => `m${i}`),
    }));
    return { subscriber, publisher, pulls, acks, publishes };
  }

  const RECEIVED = [
    {
      ackId: 'ack-1',
      deliveryAttempt: 10,
      message: {
        data: Buffer.from(JSON.stringify({ id: 'b1', status: 'SUCCESS' })),
        attributes: { buildId: 'b1', status: 'SUCCESS' },
        messageId: '111',
        publishTime: { seconds: 1764669600, nanos: 500000000 },
      },
    },
    { ackId: 'ack-2', message: { data: Buffer.from('{}'), messageId: '222' } },
  ];

  it('pull: PullRequest proto-checked; data, attributes and publish time come back; nothing is acknowledged', async () => {
    const c = await clients(RECEIVED);
    const letters = await pullDeadLetters(c.subscriber as unknown as SubscriberApi, SUB, 50);
    assert.equal(c.pulls.length, 1);
    assertMatchesProto('google.pubsub.v1.PullRequest', c.pulls[0]!.request, protoOptions('pubsub'));
    assert.deepEqual(c.pulls[0]!.request, { subscription: SUB, maxMessages: 50 });
    assert.equal(c.acks.length, 0);
    assert.deepEqual(
      letters.map((l) => [l.ackId, l.messageId, l.publishTime, l.data.toString(), l.attributes]),
      [
        [
          'ack-1',
          '111',
          '2025-12-02T10:00:00.500Z',
          '{"id":"b1","status":"SUCCESS"}',
          { buildId: 'b1', status: 'SUCCESS' },
        ],
        ['ack-2', '222', undefined, '{}', {}],
      ],
    );
    await Promise.all([c.subscriber.close(), c.publisher.close()]);
  });

  it('replay: PublishRequest to the function topic with the same data and attributes, then AcknowledgeRequest', async () => {
    const c = await clients(RECEIVED);
    const letters = await pullDeadLetters(c.subscriber as unknown as SubscriberApi, SUB);
    const n = await replayDeadLetters(
      c.subscriber as unknown as SubscriberApi,
      c.publisher as unknown as PublisherApi,
      SUB,
      TOPIC,
      letters,
    );
    assert.equal(n, 2);
    assertMatchesProto('google.pubsub.v1.PublishRequest', c.publishes[0]!.request, protoOptions('pubsub'));
    const wire = c.publishes[0]!.wire as { topic: string; messages: { data: Buffer; attributes?: object }[] };
    assert.equal(wire.topic, TOPIC);
    assert.deepEqual(
      wire.messages.map((m) => [Buffer.from(m.data).toString(), m.attributes ?? {}]),
      [
        ['{"id":"b1","status":"SUCCESS"}', { buildId: 'b1', status: 'SUCCESS' }],
        ['{}', {}],
      ],
    );
    assertMatchesProto('google.pubsub.v1.AcknowledgeRequest', c.acks[0]!.request, protoOptions('pubsub'));
    assert.deepEqual(c.acks[0]!.wire, { subscription: SUB, ackIds: ['ack-1', 'ack-2'] });
    await Promise.all([c.subscriber.close(), c.publisher.close()]);
  });

  it('replay acknowledges nothing when the publish fails', async () => {
    const c = await clients(RECEIVED);
    const letters = await pullDeadLetters(c.subscriber as unknown as SubscriberApi, SUB);
    const failing: PublisherApi = { publish: () => Promise.reject(new Error('PERMISSION_DENIED')) };
    await assert.rejects(
      replayDeadLetters(c.subscriber as unknown as SubscriberApi, failing, SUB, TOPIC, letters),
      /PERMISSION_DENIED/,
    );
    assert.equal(c.acks.length, 0);
    await Promise.all([c.subscriber.close(), c.publisher.close()]);
  });
});
