import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { deadLettersVertex, parseDeadLetterRoutes } from '../../../functions/src/cli/dead-letters';
import type { PublisherApi, SubscriberApi } from '../../../functions/src/gcp/pubsub';

const SUB_A = 'projects/p/subscriptions/vr-build-status-dead-letter-keep';
const SUB_B = 'projects/p/subscriptions/vr-dataset-finalized-dead-letter-keep';
const TOPIC_A = 'projects/p/topics/cloud-builds';

function fakes(bySubscription: Record<string, string[]>) {
  const calls: string[] = [];
  const subscriber: SubscriberApi = {
    pull: async ({ subscription }) => {
      calls.push(`pull ${subscription}`);
      return [
        {
          receivedMessages: (bySubscription[subscription] ?? []).map((id) => ({
            ackId: `ack-${id}`,
            message: { data: Buffer.from('{}'), messageId: id, attributes: { k: 'v' } },
          })),
        },
      ];
    },
    acknowledge: async ({ subscription, ackIds }) => {
      calls.push(`ack ${subscription} ${ackIds.join(',')}`);
      return [{}];
    },
  };
  const publisher: PublisherApi = {
    publish: async ({ topic, messages }) => {
      calls.push(`publish ${topic} ${messages.length}`);
      return [{ messageIds: messages.map((_, i) => String(i)) }];
    },
  };
  return { calls, subscriber, publisher };
}

const text = (s: PassThrough) => String(s.read() ?? '');

describe('cli/dead-letters --env vertex', () => {
  it('parses the routes Terraform writes, and names a bad one', () => {
    assert.deepEqual(parseDeadLetterRoutes(`${SUB_A}=${TOPIC_A},${SUB_B}=`), [
      { subscription: SUB_A, topic: TOPIC_A },
      { subscription: SUB_B },
    ]);
    assert.throws(() => parseDeadLetterRoutes(undefined), /DEAD_LETTER_ROUTES/);
    assert.throws(() => parseDeadLetterRoutes('vr-sub=projects/p/topics/t'), /"vr-sub=projects\/p\/topics\/t"/);
    assert.throws(() => parseDeadLetterRoutes(`${SUB_A}=cloud-builds`), /is not/);
  });

  it('lists without acknowledging anything', async () => {
    const f = fakes({ [SUB_A]: ['1', '2'] });
    const out = new PassThrough();
    const n = await deadLettersVertex(
      [{ subscription: SUB_A, topic: TOPIC_A }, { subscription: SUB_B }],
      false,
      out,
      f,
    );
    assert.equal(n, 2);
    assert.deepEqual(f.calls, [`pull ${SUB_A}`, `pull ${SUB_B}`]);
    const printed = text(out);
    assert.match(printed, /id=1 {2}k=v/);
    assert.match(printed, new RegExp(`no dead letters on ${SUB_B}`));
  });

  it('replays onto the route topic then acknowledges; a route without a topic is listed, not replayed', async () => {
    const f = fakes({ [SUB_A]: ['1', '2'], [SUB_B]: ['3'] });
    const out = new PassThrough();
    const n = await deadLettersVertex([{ subscription: SUB_A, topic: TOPIC_A }, { subscription: SUB_B }], true, out, f);
    assert.equal(n, 3);
    assert.deepEqual(f.calls, [`pull ${SUB_A}`, `publish ${TOPIC_A} 2`, `ack ${SUB_A} ack-1,ack-2`, `pull ${SUB_B}`]);
    assert.match(text(out), /not replayed: .*dataset-finalized/);
  });
});
