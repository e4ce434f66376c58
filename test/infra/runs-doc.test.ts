// docs/runs.md "Run events": the example line of run-events.jsonl and the example Pub/Sub message are what the code
// writes — the local reader takes the line as a run event, the builder rebuilds it byte for byte, its keys are those a
// real HELD run's event has, and the Pub/Sub adapter sends the documented attributes and body (PublishRequest
// proto-checked).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { parseConfig } from '../../functions/src/config';
import { runEventSource } from '../../functions/src/engine/run-events';
import { createPubSubRunEvents } from '../../functions/src/gcp/pubsub';
import { localLayout } from '../../functions/src/local/layout';
import { readRunEvents } from '../../functions/src/local/run-events';
import { parseGsUri, splitGeneration } from '../../functions/src/pipeline/gs-uri';
import { buildRunEvent, type RunCloudEvent, type RunEventData } from '../../functions/src/pipeline/run-event';
import { runIdForDataset } from '../../functions/src/pipeline/run-id';
import { RUN_STATES, type RunState } from '../../functions/src/pipeline/run-record';
import { liveRun, trainedRun } from '../functions/engine/acceptance-flow';
import { harness, registryModelExists } from '../support/functions-harness';
import { fakeGrpc, offlineClientOptions } from '../support/gcp-grpc';
import { protoOptions } from '../support/gcp-proto-roots';
import { assertMatchesProto } from '../support/proto-schema';

/** The fenced blocks of docs/runs.md by their tag (```json <tag>). */
function examples(): Record<string, string> {
  const text = readFileSync(join(__dirname, '../../docs/runs.md'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^```json ([\w.-]+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1], m[2]]));
}

/** The event rebuilt by the real builder from what the example says. */
function rebuilt(e: RunCloudEvent): RunCloudEvent {
  const { runId, from, to, reason, modelVersion, ...details } = e.data;
  return buildRunEvent(e.source, {
    runId,
    ...(from !== null ? { from } : {}),
    to,
    at: e.time,
    ...(reason !== undefined ? { reason } : {}),
    ...(modelVersion !== undefined ? { modelVersion } : {}),
    details,
  });
}

/** The run id the event's dataset pin gives (pipeline/run-id.ts): the example's ids are real ones. */
function runIdOfPin(pin: unknown): string {
  const { bucket, name } = parseGsUri(String(pin));
  const split = splitGeneration(name);
  return runIdForDataset(bucket, split.name, split.generation as string);
}

describe('docs/runs.md: run events', () => {
  const blocks = examples();

  it('has the three examples', () => {
    assert.deepEqual(Object.keys(blocks).sort(), ['pubsub-attributes', 'pubsub-data', 'run-events.jsonl']);
  });

  describe('one line of run-events.jsonl', () => {
    const line = (blocks['run-events.jsonl'] ?? '').trimEnd();
    const event = JSON.parse(line) as RunCloudEvent;

    it('is one line, and the local reader takes it as a run event', async () => {
      assert.doesNotMatch(line, /\n/);
      const dir = await mkdtemp(join(tmpdir(), 'runs-doc-'));
      try {
        const layout = localLayout(dir);
        await writeFile(layout.runEvents, `${line}\n`);
        assert.deepEqual(await readRunEvents(layout, event.subject), [event]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('is what the builder writes for that transition, byte for byte, from local mode', () => {
      assert.equal(JSON.stringify(rebuilt(event)), line);
      assert.equal(event.source, runEventSource(parseConfig({})));
      assert.ok(RUN_STATES.includes(event.data.to));
      assert.equal(event.data.runId, runIdOfPin(event.data.dataset));
    });

    it('has the keys a real HELD run’s event has, in their order', async () => {
      const h = await harness({});
      try {
        await registryModelExists(h);
        await liveRun(h, 'datasets/train.csv', 0.9);
        await trainedRun(h, 'datasets/train-2.csv', 0.8);
        const held = h.runEvents.events.find((e) => e.data.to === ('HELD' satisfies RunState));
        assert.ok(held);
        assert.deepEqual(Object.keys(event), Object.keys(held));
        assert.deepEqual(Object.keys(event.data), Object.keys(held.data));
        assert.deepEqual(Object.keys(event.data.gate as object), Object.keys(held.data.gate as object));
        assert.equal(event.data.reason, held.data.reason);
      } finally {
        await h.close();
      }
    });
  });

  describe('the Pub/Sub message', () => {
    const attributes = JSON.parse(blocks['pubsub-attributes'] ?? '') as Record<string, string>;
    const body = (blocks['pubsub-data'] ?? '').trimEnd();
    const data = JSON.parse(body) as RunEventData;
    const event: RunCloudEvent = {
      specversion: attributes['ce-specversion'] as '1.0',
      type: attributes['ce-type'] as RunCloudEvent['type'],
      source: attributes['ce-source'] as string,
      id: attributes['ce-id'] as string,
      time: attributes['ce-time'] as string,
      subject: attributes['ce-subject'] as string,
      datacontenttype: attributes['content-type'] as 'application/json',
      data,
    };

    it('is one event the builder writes, with a real run id', () => {
      assert.deepEqual(rebuilt(event), event);
      assert.equal(JSON.stringify(rebuilt(event).data), body);
      assert.equal(data.runId, runIdOfPin(data.dataset));
    });

    it('is what the run-events adapter publishes for it: these attributes, this body', async () => {
      const pubsub = new PubSub(offlineClientOptions());
      try {
        const gapic = await (
          pubsub as unknown as { getClientAsync_(c: { client: string }): Promise<{ initialize(): Promise<unknown> }> }
        ).getClientAsync_({ client: 'PublisherClient' });
        const calls = await fakeGrpc(gapic.initialize(), 'publish', () => ({ messageIds: ['m1'] }));
        await createPubSubRunEvents({ pubsub: () => pubsub }, 'vr-run-events').publish(event);
        assert.equal(calls.length, 1);
        const { request, wire } = calls[0]!;
        assertMatchesProto('google.pubsub.v1.PublishRequest', request, protoOptions('pubsub'));
        const [message] = (wire as { messages: { data: Buffer; attributes: Record<string, string> }[] }).messages;
        assert.deepEqual(message!.attributes, attributes);
        assert.equal(Buffer.from(message!.data).toString('utf8'), body);
      } finally {
        await pubsub.close();
      }
    });
  });
});
