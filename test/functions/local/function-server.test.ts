import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STORAGE_FINALIZED, storageFinalizedEvent, toBinaryHttp } from '../../../functions/src/local/cloud-events';
import { FunctionServer, frameworkMain } from '../../../functions/src/local/function-server';
import { localLayout } from '../../../functions/src/local/layout';

describe('local/function-server', function () {
  this.timeout(30_000);
  let root: string;
  let server: FunctionServer;
  let echoFile: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fn-'));
    echoFile = join(root, 'echo.jsonl');
    server = new FunctionServer(localLayout(root), {
      target: 'echo',
      source: resolve(__dirname, 'support', 'echo-function.js'),
      frameworkMain: frameworkMain(),
      env: { ...process.env, ECHO_FILE: echoFile },
      cwd: resolve(__dirname, '../../..'),
      restartDelayMs: 50,
    });
    await server.start();
  });
  after(async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  const post = async (data: object) => {
    const event = storageFinalizedEvent({ bucket: 'data', name: 'datasets/a.csv', generation: '7', size: 1 });
    const { headers, body } = toBinaryHttp({ ...event, data: { ...(event.data as object), ...data } });
    return fetch(server.url as string, { method: 'POST', headers, body });
  };
  const received = async () =>
    (await readFile(echoFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; type: string; subject: string; data: { name: string }; pid: number });

  it('serves a registered CloudEvent function on 127.0.0.1 and acknowledges with 204', async () => {
    assert.match(server.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await post({});
    assert.equal(res.status, 204);
    const [got] = await received();
    assert.equal(got?.type, STORAGE_FINALIZED);
    assert.equal(got?.id, 'data/datasets/a.csv/7');
    assert.equal(got?.subject, 'objects/datasets/a.csv');
    assert.equal(got?.data.name, 'datasets/a.csv');
  });

  it('is probed for readiness without a request: its log has no stack trace after start', async () => {
    const log = await readFile(join(root, 'logs', 'functions', 'echo.log'), 'utf8');
    assert.match(log, /Function: echo/, 'the framework started');
    assert.doesNotMatch(log, /TypeError|Cannot use 'in' operator|\n\s+at /);
  });

  it('answers 500 when the function throws (the router then retries)', async () => {
    const res = await post({ fail: true });
    assert.equal(res.status, 500);
  });

  it('is started again after a crash, in a new process', async () => {
    const before = server.pid;
    await post({ crash: true }).catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (!(
      server.url &&
      server.pid !== before &&
      (await post({}).then(
        (r) => r.status === 204,
        () => false,
      ))
    )) {
      if (Date.now() > deadline) throw new Error('not restarted');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(server.starts, 2);
    const pids = new Set((await received()).map((r) => r.pid));
    assert.equal(pids.size, 2);
  });
});
