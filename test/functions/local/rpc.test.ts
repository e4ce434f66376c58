import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../functions/src/local/child-process';
import { RemoteError, rpcClient, StackUnreachableError } from '../../../functions/src/local/rpc';
import { classifyError } from '../../../functions/src/pipeline/errors';
import type { BuildService } from '../../../functions/src/ports';

describe('local/rpc client: errors keep what the retry policy needs', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; body: unknown };
  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  const startBuild = () =>
    rpcClient<BuildService>(url, 'builds', 'test-token').startBuild({ runId: 'r', datasetUri: 'gs://d/x' });

  it('a twin error answered 500 keeps its name and status and is transient (redelivered)', async () => {
    reply = { status: 500, body: { error: { name: 'Error', message: 'build service down' } } };
    const err = (await startBuild().catch((e: unknown) => e)) as RemoteError;
    assert.ok(err instanceof RemoteError);
    assert.equal(err.name, 'Error');
    assert.equal(err.message, 'build service down');
    assert.equal(err.status, 500);
    assert.equal(classifyError(err), 'transient');
  });

  it('a bad request answered 400 keeps its class and is permanent', async () => {
    reply = { status: 400, body: { error: { name: 'InvalidRequestError', message: 'no such model' } } };
    const err = await startBuild().catch((e: unknown) => e);
    assert.equal((err as Error).name, 'InvalidRequestError');
    assert.equal(classifyError(err), 'permanent');
  });

  it('a stack that is not listening is a transient, named error with the socket code', async () => {
    const port = await freePort();
    const err = (await rpcClient<BuildService>(`http://127.0.0.1:${port}`, 'builds', 'test-token')
      .findBuildForRun('r')
      .catch((e: unknown) => e)) as StackUnreachableError;
    assert.ok(err instanceof StackUnreachableError);
    assert.equal(err.code, 'ECONNREFUSED');
    assert.match(err.message, /local stack unreachable .*builds\.findBuildForRun/);
    assert.equal(classifyError(err), 'transient');
  });
});
