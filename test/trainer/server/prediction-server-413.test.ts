// The prediction server's answer to a too-large body: 413 at once, then a staged close (the rest of the body is read
// and discarded, for a bounded time) so the client is not reset before it reads the 413.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import {
  createPredictionServer,
  MAX_BODY_BYTES,
  type PredictionServer,
} from '../../../trainer/src/server/prediction-server';
import { FakePredictor } from './fake-predictor';

/** Collects what the server sends on a raw socket; `until` resolves once the text matches. */
function reader(socket: Socket) {
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters.filter((x) => x.re.test(text))) w.resolve();
  });
  return {
    text: () => text,
    until: (re: RegExp) => new Promise<void>((resolve) => (re.test(text) ? resolve() : waiters.push({ re, resolve }))),
  };
}

describe('prediction server: 413 with a staged close', () => {
  let server: PredictionServer;
  let port = 0;
  const start = async (lingerMs?: number) => {
    server = createPredictionServer({ loadPredictor: async () => new FakePredictor(), lingerMs });
    port = Number(new URL(await server.listen({ port: 0, host: '127.0.0.1' })).port);
    await server.loaded;
  };
  afterEach(() => server.close());

  it('answers 413 before the body is sent, reads the rest, and keeps the connection usable', async () => {
    await start();
    const size = 5 * 1024 * 1024;
    const socket = connect(port, '127.0.0.1');
    const got = reader(socket);
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
    );
    await got.until(/HTTP\/1\.1 413[^]*larger than/);
    // Only now does the client send the 5 MB: the server must still be reading, not have closed (which resets).
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < size; sent += chunk.length) socket.write(chunk);
    socket.write('GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await got.until(/HTTP\/1\.1 200[^]*"status":"ready"/);
    assert.equal(got.text().match(/HTTP\/1\.1 413/g)?.length, 1);
    socket.destroy();
  });

  it('cuts a connection whose too-large body has not ended after lingerMs', async () => {
    await start(200);
    const socket = connect(port, '127.0.0.1');
    const got = reader(socket);
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    socket.on('error', () => {});
    const started = Date.now();
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY_BYTES * 4}\r\n\r\n${' '.repeat(1000)}`,
    );
    await got.until(/HTTP\/1\.1 413/);
    const ms = (await closed) - started; // the client sends nothing more
    assert.ok(ms >= 150 && ms < 3000, `closed after ${ms} ms`);
  });
});
