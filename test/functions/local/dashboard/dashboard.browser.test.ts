// The dashboard in a real browser: headless Chromium loads it over HTTP from the handler, reading a real local stack
// folder (ledger records written through the ledger, report.html rendered by the report renderer), with two runs and
// a rollback. No console error, no page error, no request but the page itself; the runs and the split are shown and a
// report link opens the report. CI installs Chromium (.ci/run), so there a missing browser fails the suite; elsewhere
// the tests skip with a loud reason. DASHBOARD_SCREENSHOT=<file.png> keeps the screenshot of the busier page.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dashboardHandler } from '../../../../functions/src/local/dashboard/handler';
import { localDashboardDeps } from '../../../../functions/src/local/dashboard/local-deps';
import { localLayout } from '../../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../../functions/src/local/object-store';
import { RunLedger } from '../../../../functions/src/ledger/run-ledger';
import type { RunRecord } from '../../../../functions/src/pipeline/run-record';
import type { EndpointState } from '../../../../functions/src/ports';
import { reportInputFromRecord } from '../../../../functions/src/report/from-run-record';
import { renderRunReport } from '../../../../functions/src/report/render-run-report';
import { CHROMIUM_PATH, chromiumInstalled, startChromium, type HeadlessChromium } from '../../report/headless-chromium';
import { METRICS } from '../../report/sample-run';
import {
  ARTIFACTS,
  DM_A,
  DM_B,
  ENDPOINT,
  endpointAfterRollback,
  heldRun,
  rejectedRun,
  RUN_A,
  RUN_B,
  DATA,
  PREDICTIONS_CSV,
  SCORING_RUN,
  scoredRun,
  twoRunsAndARollback,
} from './sample-runs';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface Served {
  url: string;
  server: Server;
  dir: string;
}

/** A stack folder holding `records` (and each one's report.html), served by the dashboard handler. */
async function serveStack(records: RunRecord[], endpoint: EndpointState): Promise<Served> {
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-browser-'));
  const layout = localLayout(dir);
  const store = new LocalObjectStore(layout);
  const ledger = new RunLedger(store, ARTIFACTS);
  for (const r of records) {
    await ledger.create(r);
    if (r.scoring?.predictionsUri) await store.write(DATA, 'score/test.predictions.csv', PREDICTIONS_CSV);
    if (r.report) {
      const html = renderRunReport(reportInputFromRecord(r, { metrics: METRICS, endpoint: ENDPOINT }));
      await store.write(ARTIFACTS, `runs/${r.runId}/report.html`, html, { contentType: 'text/html' });
    }
  }
  const handler = dashboardHandler(
    localDashboardDeps(layout, {
      artifactsBucket: ARTIFACTS,
      dataBucket: DATA,
      endpoint: { getEndpoint: async () => endpoint },
    }),
  );
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server, dir };
}

async function stop(s: Served | undefined): Promise<void> {
  if (!s) return;
  s.server.closeAllConnections();
  await new Promise((done) => s.server.close(done));
  await rm(s.dir, { recursive: true, force: true });
}

describe('local/dashboard in headless Chromium', function () {
  this.timeout(30_000);
  let browser: HeadlessChromium | undefined;
  let served: Served | undefined;

  before(async function () {
    if (!chromiumInstalled()) {
      const why = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
      if (process.env.CI) throw new Error(`${why}: CI must install it (.ci/run does)`);
      console.warn(`\n  !!! SKIPPING the headless-Chromium dashboard tests: ${why}\n`);
      this.skip();
    }
    browser = await startChromium();
  });
  afterEach(() => stop(served));
  after(() => browser?.close());

  it('two runs and a rollback: the runs, the split and the rollback shown; no error, no outside request', async () => {
    served = await serveStack(twoRunsAndARollback(), endpointAfterRollback());
    const { page, problems, requests } = await browser!.load('<!doctype html><title>blank</title>');
    const res = await page.goto(served.url, { waitUntil: 'load' });
    assert.equal(res?.status(), 200);
    // No named functions inside: tsx would wrap them in a `__name` helper the page does not have.
    const dom = await page.evaluate(() => {
      return {
        title: document.title,
        runs: Array.from(document.querySelectorAll('table.runs tbody tr'), (tr) => [
          tr.getAttribute('data-run'),
          tr.querySelector('.badge')?.textContent,
          tr.querySelector('td.traffic')?.textContent,
        ]),
        slices: Array.from(document.querySelectorAll('.split .slice'), (s) => [
          s.getAttribute('data-deployed-model'),
          Math.round(s.getBoundingClientRect().width),
          s.textContent?.trim(),
        ]),
        barWidth: Math.round(document.querySelector('.split')?.getBoundingClientRect().width ?? 0),
        versions: Array.from(document.querySelectorAll('table.versions tbody tr td:last-child'), (e) => e.textContent),
        changes: Array.from(document.querySelectorAll('ul.changes li'), (e) => e.textContent?.replace(/\s+/g, ' ')),
        points: Array.from(document.querySelectorAll('svg.gate-chart g.gate-point'), (g) => [
          g.getAttribute('data-run'),
          g.getAttribute('data-serving'),
        ]),
        scripts: document.querySelectorAll('script').length,
        width: document.documentElement.scrollWidth,
      };
    });
    assert.equal(dom.title, 'vertex-retrain · dashboard');
    assert.deepEqual(dom.runs, [
      [RUN_B, 'DEPLOYED', '0 %'],
      [RUN_A, 'DEPLOYED', '100 %'],
    ]);
    assert.equal(dom.slices.length, 1);
    assert.equal(dom.slices[0]?.[0], DM_A);
    assert.equal(dom.slices[0]?.[1], dom.barWidth, 'the 100 % slice fills the bar');
    assert.match(String(dom.slices[0]?.[2]), new RegExp(`^100 % · v1 · ${RUN_A}$`));
    assert.deepEqual(dom.versions, ['100 %', '0 %']);
    assert.equal(dom.changes.length, 1);
    assert.match(dom.changes[0] ?? '', new RegExp(`^rollback 2026-12-03 10:00:00Z by ana:\\s+${RUN_B} → ${RUN_A}`));
    assert.deepEqual(dom.points, [
      [RUN_A, 'true'],
      [RUN_B, 'false'],
    ]);
    assert.equal(dom.scripts, 0);
    assert.ok(dom.width <= 1100, `no horizontal overflow (${dom.width}px)`);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [served.url]);

    // The report link opens that run's report, served by the dashboard.
    await Promise.all([
      page.waitForURL(`${served.url}runs/${RUN_A}/report`),
      page.click(`tr[data-run="${RUN_A}"] a.report`),
    ]);
    assert.equal(await page.locator('header .badge').textContent(), 'DEPLOYED');
    assert.equal(await page.locator('header h1 span').first().textContent(), RUN_A);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [served.url, `${served.url}runs/${RUN_A}/report`]);
    await page.close();
  });

  it('a busier stack (held, rejected, scored, rollback) renders without errors; screenshot', async () => {
    const records = [...twoRunsAndARollback(), heldRun(), rejectedRun(), scoredRun()];
    const endpoint: EndpointState = {
      ...endpointAfterRollback(),
      trafficSplit: { [DM_A]: 90, [DM_B]: 10 },
    };
    served = await serveStack(records, endpoint);
    const { page, problems, requests } = await browser!.load('<!doctype html><title>blank</title>');
    await page.goto(served.url, { waitUntil: 'load' });
    assert.equal(await page.locator('table.runs tbody tr').count(), 5);
    const scoring = page.locator(`tr[data-run="${SCORING_RUN}"]`);
    assert.equal(await scoring.getAttribute('data-kind'), 'scoring');
    assert.match((await scoring.locator('td.dataset').textContent()) ?? '', /418 rows scored/);
    assert.equal(await scoring.locator('.scored-with').textContent(), 'v1');
    const href = await scoring.locator('a.predictions').getAttribute('href');
    assert.equal(href, `runs/${SCORING_RUN}/predictions`);
    // The link's target, fetched outside the page (a download, not a page to load).
    assert.equal(await (await fetch(`${served.url}${href}`)).text(), PREDICTIONS_CSV);
    assert.equal(await page.locator('.split .slice').count(), 2);
    assert.equal(await page.locator('svg.gate-chart g.gate-point').count(), 3);
    const file = process.env.DASHBOARD_SCREENSHOT
      ? resolve(process.env.DASHBOARD_SCREENSHOT)
      : join(served.dir, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    const { width, height } = pngSize(png);
    assert.equal(width, 1100);
    assert.ok(height > 900, `a full page (${height}px)`);
    assert.ok(png.length > 40_000, `a screenshot with content (${png.length} bytes)`);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [served.url]);
    await page.close();
  });
});
