// `vertex-retrain --env vertex dead-letters [--replay] --env-file <f>` through the command line's own parsing, with the
// generated Pub/Sub clients over a faked gRPC transport (every request proto-checked).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { buildProgram } from '../../../functions/src/cli/main';
import type { DeadLetterClients } from '../../../functions/src/cli/dead-letters';
import type { PublisherApi, SubscriberApi } from '../../../functions/src/gcp/pubsub';
import { fakeGrpc, offlineClientOptions, type GrpcCall } from '../../support/gcp-grpc';
import { protoOptions } from '../../support/gcp-proto-roots';
import { assertMatchesProto } from '../../support/proto-schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { v1 } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');

const SUB_BUILD = 'projects/my-project/subscriptions/vr-build-status-dead-letter-keep';
const SUB_DROP = 'projects/my-project/subscriptions/vr-dataset-finalized-dead-letter-keep';
const TOPIC_BUILD = 'projects/my-project/topics/cloud-builds';

describe('cli/main: dead-letters --env vertex (Pub/Sub transport faked)', () => {
  let dir: string;
  let envFile: string;
  let printed: string[];
  let calls: { pulls: GrpcCall[]; acks: GrpcCall[]; publishes: GrpcCall[] };
  let projects: string[];
  const saved = { PROJECT_ID: process.env.PROJECT_ID, DEAD_LETTER_ROUTES: process.env.DEAD_LETTER_ROUTES };

  async function fakedClients(): Promise<DeadLetterClients> {
    const subscriber = new v1.SubscriberClient(offlineClientOptions());
    const publisher = new v1.PublisherClient(offlineClientOptions());
    const pulls = await fakeGrpc(subscriber.initialize(), 'pull', (req) => ({
      receivedMessages:
        req.subscription === SUB_BUILD
          ? [
              {
                ackId: 'ack-1',
                deliveryAttempt: 10,
                message: {
                  data: Buffer.from('{"id":"b1","status":"SUCCESS"}'),
                  attributes: { buildId: 'b1', status: 'SUCCESS' },
                  messageId: '111',
                  publishTime: { seconds: 1764669600, nanos: 0 },
                },
              },
            ]
          : [],
    }));
    const acks = await fakeGrpc(subscriber.initialize(), 'acknowledge', () => ({}));
    const publishes = await fakeGrpc(publisher.initialize(), 'publish', (req) => ({
      messageIds: (req.messages as unknown[]).map((_, i) => `m${i}`),
    }));
    calls = { pulls, acks, publishes };
    return {
      subscriber: subscriber as unknown as SubscriberApi,
      publisher: publisher as unknown as PublisherApi,
      close: async () => void (await Promise.all([subscriber.close(), publisher.close()])),
    };
  }

  async function run(...args: string[]): Promise<void> {
    // The clients are built before the command runs (initialize() is async); the factory hands them over.
    const ready = await fakedClients();
    const program = buildProgram({
      deadLetterClients: (projectId) => {
        projects.push(projectId);
        return ready;
      },
    });
    await program.parseAsync(['node', 'vertex-retrain', ...args]);
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl-cli-'));
    envFile = join(dir, 'vertex.env');
    await writeFile(envFile, `PROJECT_ID=my-project\nDEAD_LETTER_ROUTES=${SUB_BUILD}=${TOPIC_BUILD},${SUB_DROP}=\n`);
    delete process.env.PROJECT_ID;
    delete process.env.DEAD_LETTER_ROUTES;
    printed = [];
    projects = [];
    sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  });
  afterEach(async () => {
    sinon.restore();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the letters of every route from the --env-file, acknowledging nothing', async () => {
    await run('--env', 'vertex', 'dead-letters', '--env-file', envFile);
    assert.deepEqual(projects, ['my-project']);
    assert.deepEqual(
      calls.pulls.map((c) => c.wire.subscription),
      [SUB_BUILD, SUB_DROP],
    );
    for (const c of calls.pulls) assertMatchesProto('google.pubsub.v1.PullRequest', c.request, protoOptions('pubsub'));
    assert.equal(calls.acks.length + calls.publishes.length, 0);
    const out = printed.join('');
    assert.match(
      out,
      /2025-12-02T10:00:00.000Z {2}.*vr-build-status-dead-letter-keep {2}id=111 {2}buildId=b1 status=SUCCESS/,
    );
    assert.match(out, /no dead letters on .*vr-dataset-finalized-dead-letter-keep/);
  });

  it('--replay publishes each letter to its function topic, then acknowledges it', async () => {
    await run('--env', 'vertex', 'dead-letters', '--replay', '--env-file', envFile);
    assert.equal(calls.publishes.length, 1);
    assertMatchesProto('google.pubsub.v1.PublishRequest', calls.publishes[0]!.request, protoOptions('pubsub'));
    const wire = calls.publishes[0]!.wire as { topic: string; messages: { data: Buffer; attributes: object }[] };
    assert.equal(wire.topic, TOPIC_BUILD);
    assert.equal(Buffer.from(wire.messages[0]!.data).toString(), '{"id":"b1","status":"SUCCESS"}');
    assert.deepEqual(wire.messages[0]!.attributes, { buildId: 'b1', status: 'SUCCESS' });
    assertMatchesProto('google.pubsub.v1.AcknowledgeRequest', calls.acks[0]!.request, protoOptions('pubsub'));
    assert.deepEqual(calls.acks[0]!.wire, { subscription: SUB_BUILD, ackIds: ['ack-1'] });
    assert.match(printed.join(''), new RegExp(`replayed 1 event\\(s\\) onto ${TOPIC_BUILD}`));
  });

  it('the environment wins over the file; a missing named file or missing routes are errors', async () => {
    process.env.PROJECT_ID = 'other-project';
    await run('--env', 'vertex', 'dead-letters', '--env-file', envFile);
    assert.deepEqual(projects, ['other-project']);
    await assert.rejects(
      run('--env', 'vertex', 'dead-letters', '--env-file', join(dir, 'missing.env')),
      /cannot read the env file/,
    );
    await writeFile(envFile, 'PROJECT_ID=my-project\n');
    await assert.rejects(run('--env', 'vertex', 'dead-letters', '--env-file', envFile), /DEAD_LETTER_ROUTES/);
  });
});
