// The control server's guard: RPCs need the right Host, JSON and the stack's token; predict needs the right Host.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ControlServer } from '../../../functions/src/local/control-server';
import type { LocalEndpointService } from '../../../functions/src/local/endpoint-twin';
import { CONTROL_TOKEN_HEADER, rpcClient } from '../../../functions/src/local/rpc';
import type { ServingReplicas } from '../../../functions/src/local/serving-replicas';
import type { TrainingService } from '../../../functions/src/ports';

const TOKEN = 'a'.repeat(64);
const PREDICT = '/v1/projects/p/locations/l/endpoints/ep:predict';
const START = '/rpc/training/startTraining';
const REQ = {
  runId: 'r',
  imageUri: 'i',
  datasetUri: 'gs://d/x.csv',
  endpointVersion: 1,
  baseOutputDir: 'gs://a/r/',
  machineType: 'n1-standard-4',
};

describe('local/control-server', () => {
  let server: ControlServer;
  let url: string;
  let port: string;
  let startTraining: sinon.SinonStub;

  beforeEach(async () => {
    startTraining = sinon.stub().resolves({ name: 'trainingPipelines/1' });
    server = new ControlServer({
      services: { builds: {}, training: { startTraining }, endpoint: {}, registry: {}, publisher: {}, batch: {} },
      endpoint: {
        describe: async () => ({ trafficSplit: {}, deployedModels: [] }),
      } as unknown as LocalEndpointService,
      replicas: {} as ServingReplicas,
      endpointId: 'ep',
      token: TOKEN,
    });
    url = await server.listen(0);
    port = new URL(url).port;
  });
  afterEach(() => server.close());

  /** A raw request, so the test controls every header (fetch forbids setting Host). */
  async function send(
    path: string,
    headers: Record<string, string>,
    body = JSON.stringify({ args: [REQ] }),
  ): Promise<{ status: number; body: { error?: { message: string }; result?: unknown } }> {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const good = () => ({
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    [CONTROL_TOKEN_HEADER]: TOKEN,
  });

  it('serves an RPC with the token, as JSON, to 127.0.0.1:<port> or localhost:<port>', async () => {
    assert.equal((await send(START, good())).status, 200);
    assert.equal((await send(START, { ...good(), host: `localhost:${port}` })).status, 200);
    assert.equal((await send(START, { ...good(), 'content-type': 'application/json; charset=utf-8' })).status, 200);
    const client = rpcClient<TrainingService>(url, 'training', TOKEN);
    assert.deepEqual(await client.startTraining(REQ), { name: 'trainingPipelines/1' });
    assert.equal(startTraining.callCount, 4);
    assert.deepEqual(startTraining.firstCall.args, [REQ]);
  });

  it('refuses a text/plain POST (what a web page can send without asking) without calling the twin', async () => {
    const res = await send(START, { ...good(), 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match(res.body.error?.message ?? '', /application\/json/);
    assert.equal((await send(START, { host: good().host, [CONTROL_TOKEN_HEADER]: TOKEN })).status, 415);
    assert.equal(startTraining.callCount, 0);
  });

  it('refuses an RPC with a missing or wrong token', async () => {
    const { [CONTROL_TOKEN_HEADER]: _, ...noToken } = good();
    const missing = await send(START, noToken);
    assert.equal(missing.status, 403);
    assert.match(missing.body.error?.message ?? '', new RegExp(CONTROL_TOKEN_HEADER));
    assert.equal((await send(START, { ...good(), [CONTROL_TOKEN_HEADER]: 'b'.repeat(64) })).status, 403);
    assert.equal((await send(START, { ...good(), [CONTROL_TOKEN_HEADER]: 'short' })).status, 403);
    await assert.rejects(rpcClient<TrainingService>(url, 'training', 'wrong').startTraining(REQ), /token/);
    assert.equal(startTraining.callCount, 0);
  });

  it('refuses a foreign Host (DNS rebinding) on RPCs and on the public predict route', async () => {
    for (const host of ['evil.example:' + port, `127.0.0.1:${Number(port) + 1}`, 'localhost', '127.0.0.1']) {
      const rpc = await send(START, { ...good(), host });
      assert.equal(rpc.status, 421, host);
      const predict = await send(PREDICT, { host, 'content-type': 'application/json' }, '{"instances":[]}');
      assert.equal(predict.status, 421, host);
    }
    // HTTP/1.0 allows leaving Host out: no Host is no answer either.
    const { connect } = await import('node:net');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end(
          `POST ${START} HTTP/1.0\r\ncontent-type: application/json\r\n${CONTROL_TOKEN_HEADER}: ${TOKEN}\r\ncontent-length: 2\r\n\r\n{}`,
        ),
      );
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.[01] 421 /);
    assert.equal(startTraining.callCount, 0);
  });

  it('keeps predict open without a token (it is the endpoint) and answers a bad RPC body with 400', async () => {
    const predict = await send(PREDICT, { host: good().host, 'content-type': 'application/json' }, '{"instances":[]}');
    assert.equal(predict.status, 503, 'reaches the route: no deployed model receives traffic');
    assert.equal((await send(START, good(), '{not json')).status, 400);
    assert.equal((await send(START, good(), '{"args":{"0":1}}')).status, 400);
    assert.equal(startTraining.callCount, 0);
  });

  it('serves the dashboard at / behind the same Host check, and only its own paths', async () => {
    const dashboard = sinon.fake(async (_req: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>runs</title>');
    });
    const withDashboard = new ControlServer({
      services: { builds: {}, training: { startTraining }, endpoint: {}, registry: {}, publisher: {}, batch: {} },
      endpoint: {} as LocalEndpointService,
      replicas: {} as ServingReplicas,
      endpointId: 'ep',
      token: TOKEN,
      dashboard,
    });
    const base = await withDashboard.listen(0);
    try {
      const { request } = await import('node:http');
      const get = (path: string, host: string) =>
        new Promise<number>((resolve, reject) => {
          request(`${base}${path}`, { headers: { host } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
            .on('error', reject)
            .end();
        });
      const host = new URL(base).host;
      assert.equal(await get('/', host), 200);
      assert.equal(await get('/runs/some-run-0123456789ab/report', host), 200);
      assert.equal(dashboard.callCount, 2);
      assert.equal(await get('/', 'evil.example:80'), 421, 'a foreign Host never reaches the dashboard');
      assert.equal(await get('/nothing-here', host), 404);
      assert.equal(dashboard.callCount, 2);
    } finally {
      await withDashboard.close();
    }
  });
});
