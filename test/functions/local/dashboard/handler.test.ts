import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  dashboardHandler,
  isDashboardPath,
  type DashboardDeps,
} from '../../../../functions/src/local/dashboard/handler';
import { endpointAfterRollback, PREDICTIONS_CSV, RUN_A, RUN_B, SCORING_RUN, twoRunsAndARollback } from './sample-runs';

const REPORT = '<!doctype html><title>report of A</title>';

/** Serves a dashboardHandler over deps (the defaults: two runs and a rollback, A's report); returns its base URL. */
async function serve(over: Partial<DashboardDeps> = {}): Promise<{ url: string; server: Server; reads: string[] }> {
  const reads: string[] = [];
  const handler = dashboardHandler({
    listRuns: async () => twoRunsAndARollback(),
    endpointState: async () => endpointAfterRollback(),
    readReport: async (runId) => {
      reads.push(runId);
      return runId === RUN_A ? Buffer.from(REPORT) : undefined;
    },
    readPredictions: async (runId) =>
      runId === SCORING_RUN ? { data: Buffer.from(PREDICTIONS_CSV), fileName: 'test.predictions.csv' } : undefined,
    now: () => new Date('2026-12-05T00:00:00Z'),
    ...over,
  });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, reads };
}

describe('local/dashboard/handler', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  afterEach(async () => {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  });

  it('GET / is the dashboard, with the page policy in a header too, never cached', async () => {
    s = await serve();
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'none'; .*frame-ancestors 'none'$/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, new RegExp(`<tr data-run="${RUN_B}"[\\s\\S]*<tr data-run="${RUN_A}"`));
    assert.match(html, /<meta http-equiv="refresh" content="10">/);
    assert.match(html, /as of 2026-12-05 00:00:00Z/);
  });

  it('HEAD answers the same headers and no body', async () => {
    s = await serve();
    const get = await fetch(`${s.url}/`);
    const getLength = Number(get.headers.get('content-length'));
    await get.arrayBuffer();
    const head = await fetch(`${s.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), getLength);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it("GET /runs/<id>/report serves that run's report as it is stored", async () => {
    s = await serve();
    const res = await fetch(`${s.url}/runs/${RUN_A}/report`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), REPORT);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.deepEqual(s.reads, [RUN_A]);
  });

  it("GET /runs/<id>/predictions serves a scoring run's predictions as a CSV download", async () => {
    s = await serve();
    const res = await fetch(`${s.url}/runs/${SCORING_RUN}/predictions`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), PREDICTIONS_CSV);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="test.predictions.csv"');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const head = await fetch(`${s.url}/runs/${SCORING_RUN}/predictions`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(PREDICTIONS_CSV.length));
  });

  const notFound: [string, string][] = [
    ['a run without a report', `/runs/${RUN_B}/report`],
    ['a run without predictions', `/runs/${RUN_A}/predictions`],
    ['an unknown path', '/favicon.ico'],
    ['a path under a run that is not the report', `/runs/${RUN_A}/report/x`],
    ['a run id that is not one (traversal)', '/runs/..%2F..%2Fetc/report'],
    ['a run id with upper case', '/runs/TRAIN/report'],
    ['a malformed escape', '/runs/%E0%A4%A/report'],
  ];
  for (const [name, path] of notFound)
    it(`404 for ${name}`, async () => {
      s = await serve();
      const res = await fetch(`${s.url}${path}`);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      await res.text();
      // Only well-formed run ids reach the reader.
      assert.ok(
        s.reads.every((id) => /^[a-z0-9-]+$/.test(id)),
        JSON.stringify(s.reads),
      );
    });

  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS'])
    it(`405 for ${method}, naming GET and HEAD`, async () => {
      s = await serve();
      const res = await fetch(`${s.url}/`, { method });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await res.text();
    });

  it('a failing read is a 500 with the message, and the next request works', async () => {
    let fail = true;
    s = await serve({
      listRuns: async () => {
        if (fail) throw new Error('ledger unreadable');
        return [];
      },
    });
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /ledger unreadable/);
    fail = false;
    assert.equal((await fetch(`${s.url}/`)).status, 200);
  });

  it('isDashboardPath names exactly the routes to hand over', () => {
    assert.deepEqual(
      [
        '/',
        `/runs/${RUN_A}/report`,
        `/runs/${SCORING_RUN}/predictions`,
        '/healthz',
        '/rpc/endpoint/getEndpoint',
        '/runs/x/report/y',
        '',
      ].map(isDashboardPath),
      [true, true, true, false, false, false, false],
    );
  });
});
