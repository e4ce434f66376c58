// Drives the registered functions over HTTP the way Eventarc does: binary-mode CloudEvents (ce-* headers, JSON body)
// into functions-framework test servers, with every port faked in memory and the logs captured as JSON lines.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Readable } from 'node:stream';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import '../../functions/src/index';
import { setPortsForTesting } from '../../functions/src/backend';
import { parseConfig, type Config } from '../../functions/src/config';
import { RunLedger } from '../../functions/src/ledger/run-ledger';
import { createLogger } from '../../functions/src/log';
import type { DatasetValidation } from '../../functions/src/engine/dataset-check';
import { fakePorts, type Fakes } from './fake-ports';

export type FunctionName = 'onDatasetFinalized' | 'onBuildStatus' | 'onTrainingStatus' | 'onReconcileTick';
export interface LogLine {
  severity: string;
  message: string;
  [key: string]: unknown;
}
export interface TestEvent {
  headers: Record<string, string>;
  body: unknown;
}

/**
 * A stand-in for the trainer's dataset schema: a header with `Survived` and at least one row; any row containing "BAD"
 * is a problem in column Age. Enough to drive accept and reject paths. Reads the stream as the real check does.
 */
export async function fakeValidator(input: Readable): Promise<DatasetValidation> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Uint8Array));
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).filter(Boolean);
  const problems: DatasetValidation['problems'] = [];
  if (!(lines[0] ?? '').split(',').includes('Survived'))
    problems.push({ column: 'Survived', message: 'missing column' });
  lines.slice(1).forEach((line, i) => {
    if (line.includes('BAD')) problems.push({ row: i + 1, column: 'Age', message: 'not a number' });
  });
  if (lines.length < 2) problems.push({ message: 'the file has a header but no data rows' });
  return { rowCount: Math.max(lines.length - 1, 0), problems, problemCount: problems.length };
}

export const GOOD_CSV = 'PassengerId,Survived,Pclass\n1,0,3\n2,1,1\n';
export const BAD_CSV = 'PassengerId,Survived,Pclass\n1,0,BAD\n2,1,1\n3,1,BAD\n';

export interface Harness extends Fakes {
  config: Config;
  ledger: RunLedger;
  logs: LogLine[];
  /** The same lines as written (JSON text), for what parsing hides (a key written twice). */
  rawLogs: string[];
  /** Delivers one event; resolves to the HTTP status (204 = ack, 500 = retry). */
  deliver(fn: FunctionName, event: TestEvent): Promise<number>;
  close(): Promise<void>;
}

/** Fresh fakes, config (local defaults + `env`) and listening test servers for the four functions. */
export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const fakes = fakePorts();
  const config = parseConfig({ PROJECT_ID: 'test-project', ...env });
  const logs: LogLine[] = [];
  const rawLogs: string[] = [];
  const log = createLogger(config, {
    write: (line: string) => {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as LogLine);
    },
  });
  setPortsForTesting(fakes.ports, { config, log, validateDataset: fakeValidator });
  // The promise is memoised, not the server: concurrent first deliveries must share one server, not each start one.
  const servers = new Map<FunctionName, Promise<{ server: Server; url: string }>>();
  const urlOf = async (fn: FunctionName): Promise<string> => {
    let entry = servers.get(fn);
    if (!entry) {
      const server = getTestServer(fn);
      entry = new Promise((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
        ),
      );
      servers.set(fn, entry);
    }
    return (await entry).url;
  };
  return {
    ...fakes,
    config,
    ledger: new RunLedger(fakes.store, config.artifactsBucket),
    logs,
    rawLogs,
    async deliver(fn, event) {
      const res = await request(await urlOf(fn))
        .post('/')
        .set(event.headers)
        .send(event.body as object);
      return res.status;
    },
    async close() {
      for (const entry of servers.values()) {
        const { server } = await entry;
        await new Promise((resolve) => server.close(resolve));
      }
      setPortsForTesting(undefined);
    },
  };
}

let nextId = 1;
function ceHeaders(type: string, source: string, time: string, extra: Record<string, string> = {}) {
  return {
    'ce-id': `evt-${nextId++}`,
    'ce-specversion': '1.0',
    'ce-type': type,
    'ce-source': source,
    'ce-time': time,
    'content-type': 'application/json',
    ...extra,
  };
}

/** A storage finalize event for an object as the store reports it (int64s as strings). */
export function storageEvent(
  obj: { bucket: string; name: string; generation: string; size: number; md5Hash?: string },
  time: string,
): TestEvent {
  return {
    headers: ceHeaders(
      'google.cloud.storage.object.v1.finalized',
      `//storage.googleapis.com/projects/_/buckets/${obj.bucket}`,
      time,
      {
        'ce-subject': `objects/${obj.name}`,
      },
    ),
    body: {
      kind: 'storage#object',
      id: `${obj.bucket}/${obj.name}/${obj.generation}`,
      bucket: obj.bucket,
      name: obj.name,
      generation: obj.generation,
      metageneration: '1',
      size: String(obj.size),
      contentType: 'text/csv',
      md5Hash: obj.md5Hash,
      timeCreated: time,
      updated: time,
    },
  };
}

/** A Pub/Sub messagePublished event whose message data is base64 JSON (or raw `data` when given as a string). */
export function pubsubEvent(
  topic: string,
  payload: unknown,
  publishTime: string,
  attributes: Record<string, string> = {},
): TestEvent {
  const data = typeof payload === 'string' ? payload : Buffer.from(JSON.stringify(payload)).toString('base64');
  const messageId = String(nextId++);
  return {
    headers: ceHeaders(
      'google.cloud.pubsub.topic.v1.messagePublished',
      `//pubsub.googleapis.com/projects/test-project/topics/${topic}`,
      publishTime,
    ),
    body: {
      message: { data, attributes, messageId, publishTime },
      subscription: `projects/test-project/subscriptions/eventarc-${topic}`,
    },
  };
}

/** A Cloud Build notification as published on `cloud-builds` (Build JSON, string enums; attributes buildId, status). */
export function buildEvent(
  build: Record<string, unknown> & { id: string; status: string },
  publishTime: string,
): TestEvent {
  return pubsubEvent('cloud-builds', build, publishTime, { buildId: build.id, status: build.status });
}

/** Writes a dataset into the fake data bucket and returns its finalize event. */
export async function dropDataset(h: Harness, name: string, content: string): Promise<TestEvent> {
  const info = await h.store.write(h.config.dataBucket, name, content, { contentType: 'text/csv' });
  return storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString());
}

/** The successful build notification for a run's build, with the pushed image and its digest. */
export function successfulBuild(h: Harness, runId: string, buildId: string, publishTime: string): TestEvent {
  const image = `${h.config.imageRepository}/${h.config.imageName}`;
  return buildEvent(
    {
      id: buildId,
      status: 'SUCCESS',
      tags: ['vertex-retrain', `run-${runId}`],
      substitutions: { _RUN_ID: runId },
      logUrl: `https://console.cloud.google.com/cloud-build/builds/${buildId}`,
      results: { images: [{ name: `${image}:run-${runId}`, digest: `sha256:${'ab'.repeat(32)}` }] },
    },
    publishTime,
  );
}

/** Drops a good dataset and delivers its build's SUCCESS: a run in TRAINING. Returns its id and training name. */
export async function runInTraining(
  h: Harness,
  name = 'datasets/train.csv',
): Promise<{ runId: string; trainingName: string }> {
  await h.deliver('onDatasetFinalized', await dropDataset(h, name, GOOD_CSV));
  const build = h.builds.started.at(-1) as { runId: string; buildId: string };
  await h.deliver('onBuildStatus', successfulBuild(h, build.runId, build.buildId, h.clock.now.toISOString()));
  return { runId: build.runId, trainingName: (h.training.started.at(-1) as { name: string }).name };
}

/** Writes the trainer's metrics.json v1 for a run (the default trainer's task; `metrics` are the hold-out figures). */
export async function writeMetrics(
  h: Harness,
  runId: string,
  metrics: Record<string, number | null>,
  more: Record<string, unknown> = {},
): Promise<void> {
  const file = { contract: 'vertex-retrain.metrics/v1', task: 'binary-classification', rows: { total: 891 }, metrics };
  await h.store.write(
    h.config.artifactsBucket,
    `runs/${runId}/model/metrics.json`,
    JSON.stringify({ ...file, ...more }),
  );
}

/** The registry model exists already (an earlier training created it): trainings need not wait for a first one. */
export async function registryModelExists(h: Harness): Promise<void> {
  await h.store.write(h.config.artifactsBucket, 'runs/_registry-model.json', JSON.stringify({ exists: true }));
}
