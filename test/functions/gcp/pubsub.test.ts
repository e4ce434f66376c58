import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import { createPubSubPublisher } from '../../../functions/src/gcp/pubsub';
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
