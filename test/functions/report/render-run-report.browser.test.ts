// The run report in a real browser: headless Chromium renders it, takes a screenshot, and sees no console error, no
// page error and no network request. CI installs Chromium (.ci/run), so there a missing browser fails the suite;
// elsewhere the tests skip with a loud reason.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunReport } from '../../../functions/src/report/render-run-report';
import { CHROMIUM_PATH, chromiumInstalled, startChromium, type HeadlessChromium } from './headless-chromium';
import { deployedRun, failedRun, FILE, regressionRun, rejectedRun } from './sample-run';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('report/render-run-report in headless Chromium', function () {
  this.timeout(30_000);
  let browser: HeadlessChromium | undefined;
  let outDir = '';

  before(async function () {
    if (!chromiumInstalled()) {
      const why = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
      if (process.env.CI) throw new Error(`${why}: CI must install it (.ci/run does)`);
      console.warn(`\n  !!! SKIPPING the headless-Chromium report tests: ${why}\n`);
      this.skip();
    }
    // REPORT_SCREENSHOT_DIR keeps the screenshots for a human to look at; by default they go to a temp dir.
    outDir = process.env.REPORT_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'run-report-')));
    await mkdir(outDir, { recursive: true });
    browser = await startChromium();
  });

  after(async () => {
    await browser?.close();
    if (outDir && !process.env.REPORT_SCREENSHOT_DIR) await rm(outDir, { recursive: true, force: true });
  });

  it('renders a regression run with its scatter plots and logs no error or request', async () => {
    const { page, problems, requests } = await browser!.load(renderRunReport(regressionRun()));
    const dom = await page.evaluate(() => ({
      points: document.querySelectorAll('circle.scatter-point').length,
      guides: document.querySelectorAll('line.scatter-guide').length,
      tiles: Array.from(document.querySelectorAll('.tile .k'), (k) => k.textContent),
      width: document.documentElement.scrollWidth,
    }));
    assert.ok(dom.points > 100, `scatter points drawn: ${dom.points}`);
    assert.equal(dom.guides, 2, 'the y = x line and the zero line');
    assert.deepEqual(dom.tiles.slice(0, 3), ['MAE', 'RMSE', 'R²']);
    assert.ok(dom.width <= 1100, `no horizontal overflow (${dom.width}px)`);
    await page.screenshot({ path: join(outDir, 'report-regression.png'), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  it('renders a deployed run with its charts, screenshots it, and logs no error or request', async () => {
    const { page, problems, requests } = await browser!.load(renderRunReport(deployedRun()));
    const dom = await page.evaluate(() => ({
      svgs: document.querySelectorAll('svg').length,
      rocPoints: (document.querySelector('path.roc-curve')?.getAttribute('d')?.match(/[ML]/g) ?? []).length,
      rocLength: (document.querySelector('path.roc-curve') as SVGPathElement | null)?.getTotalLength() ?? 0,
      cells: document.querySelectorAll('g.cm-cell').length,
      sections: Array.from(document.querySelectorAll('section'), (s) => s.id),
      badge: document.querySelector('header .badge')?.textContent,
      width: document.documentElement.scrollWidth,
    }));
    assert.ok(dom.svgs >= 2, `svg elements: ${dom.svgs}`);
    assert.equal(dom.rocPoints, FILE.charts!.roc!.length);
    assert.ok(dom.rocLength > 260, `the ROC path has a visible length (${dom.rocLength})`);
    assert.equal(dom.cells, 4);
    assert.deepEqual(dom.sections, ['gate', 'metrics', 'lineage', 'timings', 'cost']);
    assert.equal(dom.badge, 'DEPLOYED');
    assert.ok(dom.width <= 1100, `no horizontal overflow (${dom.width}px)`);

    const file = join(outDir, 'report-deployed.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    const { width, height } = pngSize(png);
    assert.equal(width, 1100);
    assert.ok(height > 1500, `a full page, not a blank viewport (${height}px)`);
    assert.ok(png.length > 50_000, `a screenshot with content (${png.length} bytes)`);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  for (const [name, run] of [
    ['rejected', rejectedRun()],
    ['failed', failedRun()],
  ] as const)
    it(`renders a ${name} run without errors`, async () => {
      const { page, problems, requests } = await browser!.load(renderRunReport(run));
      assert.equal(await page.locator('header .badge').textContent(), run.state);
      await page.screenshot({ path: join(outDir, `report-${name}.png`), fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, []);
      await page.close();
    });

  it('shows a script-laden dataset name as text and runs nothing', async () => {
    const run = deployedRun();
    const payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">.csv';
    const { page, problems } = await browser!.load(
      renderRunReport({ ...run, dataset: { ...run.dataset!, uri: payload } }),
    );
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      scripts: document.querySelectorAll('script').length,
      imgs: document.querySelectorAll('img').length,
      text: document.querySelector('#lineage code')?.textContent,
    }));
    assert.deepEqual(seen, { pwned: undefined, scripts: 0, imgs: 0, text: payload });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('would notice an external resource (the page policy blocks it and the console reports it)', async () => {
    const page = renderRunReport(deployedRun()).replace('</main>', '<img src="https://example.invalid/x.png"></main>');
    const loaded = await browser!.load(page);
    assert.ok(
      loaded.problems.some((p) => /Content Security Policy|example\.invalid/.test(p)),
      `expected a CSP console error, got ${JSON.stringify(loaded.problems)}`,
    );
    await loaded.page.close();
  });
});
