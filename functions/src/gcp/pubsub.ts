// Publisher over Cloud Pub/Sub: JSON messages with string attributes.
import type { Topic } from '@google-cloud/pubsub';
import type { Publisher } from '../ports';
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
