// Publisher over Cloud Pub/Sub: JSON messages with string attributes; run events on the run-events topic; pull and
// replay of dead letters through the generated clients.
import type { Topic } from '@google-cloud/pubsub';
import { runEventMessage } from '../pipeline/run-event';
import type { Publisher, RunEvents } from '../ports';
import type { GcpClients } from './clients';

export function createPubSubPublisher(clients: Pick<GcpClients, 'pubsub'>): Publisher {
  // One Topic per name: each holds its own batching publisher, which is worth reusing across invocations.
  const topics = new Map<string, Topic>();
  return {
    async publish(topic, data, attributes) {
      let handle = topics.get(topic);
      if (!handle) {
        handle = clients.pubsub().topic(topic);
        topics.set(topic, handle);
      }
      return handle.publishMessage({ json: data, ...(attributes ? { attributes } : {}) });
    },
  };
}

/**
 * Run events on `topic` in the CloudEvents Pub/Sub binding's binary mode (runEventMessage). No ordering key: a failed
 * publish would pause the key until resumed, and subscribers order by `ce-time` (each event is one run's transition,
 * and the event id lets them drop a repeat).
 */
export function createPubSubRunEvents(clients: Pick<GcpClients, 'pubsub'>, topic: string): RunEvents {
  const publisher = createPubSubPublisher(clients);
  return {
    async publish(event) {
      const { data, attributes } = runEventMessage(event);
      await publisher.publish(topic, data, attributes);
    },
  };
}

/** The generated Pub/Sub clients' methods the dead-letter commands use (v1.SubscriberClient, v1.PublisherClient). */
export interface SubscriberApi {
  pull(request: { subscription: string; maxMessages: number }): Promise<
    [
      {
        receivedMessages?: {
          ackId?: string | null;
          deliveryAttempt?: number | null;
          message?: {
            data?: Uint8Array | string | null;
            attributes?: Record<string, string> | null;
            messageId?: string | null;
            publishTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null;
          } | null;
        }[];
      },
      ...unknown[],
    ]
  >;
  acknowledge(request: { subscription: string; ackIds: string[] }): Promise<unknown>;
}
export interface PublisherApi {
  publish(request: {
    topic: string;
    messages: { data: Buffer; attributes?: Record<string, string> }[];
  }): Promise<[{ messageIds?: string[] | null }, ...unknown[]]>;
}
type Long = { toString(): string };

/** One message on a dead-letter subscription. */
export interface DeadLetter {
  ackId: string;
  messageId: string;
  publishTime?: string;
  data: Buffer;
  attributes: Record<string, string>;
}

function timestampIso(t: { seconds?: number | string | Long | null; nanos?: number | null } | null | undefined) {
  if (!t || t.seconds == null) return undefined;
  return new Date(Number(String(t.seconds)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** Pulls up to `max` messages from a subscription without acknowledging them (they stay until acked). */
export async function pullDeadLetters(sub: SubscriberApi, subscription: string, max = 100): Promise<DeadLetter[]> {
  const [res] = await sub.pull({ subscription, maxMessages: max });
  return (res.receivedMessages ?? []).flatMap((r) => {
    if (!r.ackId || !r.message) return [];
    const data = r.message.data;
    return [
      {
        ackId: r.ackId,
        messageId: r.message.messageId ?? '',
        ...(timestampIso(r.message.publishTime) ? { publishTime: timestampIso(r.message.publishTime)! } : {}),
        data: typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data ?? new Uint8Array()),
        attributes: { ...(r.message.attributes ?? {}) },
      },
    ];
  });
}

/**
 * Replays dead letters onto the topic their function listens on (data and attributes as they were), then
 * acknowledges exactly the ones published, so a failure part-way leaves the rest on the subscription.
 */
export async function replayDeadLetters(
  sub: SubscriberApi,
  pub: PublisherApi,
  subscription: string,
  topic: string,
  letters: DeadLetter[],
): Promise<number> {
  if (letters.length === 0) return 0;
  const [res] = await pub.publish({
    topic,
    messages: letters.map((l) => ({
      data: l.data,
      ...(Object.keys(l.attributes).length > 0 ? { attributes: l.attributes } : {}),
    })),
  });
  const published = (res.messageIds ?? []).length;
  if (published !== letters.length)
    throw new Error(`replay to ${topic}: published ${published} of ${letters.length}; nothing acknowledged`);
  await sub.acknowledge({ subscription, ackIds: letters.map((l) => l.ackId) });
  return published;
}
