import assert from 'node:assert/strict';
import { renderRunReport } from '../../../functions/src/report/render-run-report';
import type { RunReportInput } from '../../../functions/src/report/report-input';
import { deployedRun, failedRun, FILE, rejectedRun, regressionRun, DIABETES_FILE } from './sample-run';

const XSS = '<script>alert(1)</script>';
const sectionIds = (page: string): string[] => [...page.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1] as string);

/** A deployed run with a script payload in every free-text field the report shows. */
function hostileRun(): RunReportInput {
  const run = deployedRun();
  return {
    ...run,
    runId: `run-${XSS}`,
    trigger: XSS,
    state: `<img src=x onerror=alert(1)>`,
    dataset: { ...run.dataset!, uri: `gs://bucket/${XSS}.csv`, md5Hash: XSS, generation: XSS },
    build: { ...run.build!, id: XSS, logUrl: 'javascript:alert(1)', imageDigest: `sha256:${XSS}` },
    training: { ...run.training!, name: XSS, model: { name: XSS, versionId: XSS } },
    endpoint: XSS,
    deploy: { deployedModelId: XSS, traffic: { [XSS]: 100 } },
    gate: { ...run.gate!, metric: XSS, reason: XSS },
    rejection: { problemCount: 1, reasons: [XSS], reportUri: `https://example.test/"><script>alert(1)</script>` },
    errors: [{ at: XSS, stage: 'BUILDING', reason: XSS, message: XSS }],
    cost: { ...run.cost!, notes: [XSS], source: 'javascript:alert(1)' },
    metrics: { error: XSS },
  };
}

describe('report/render-run-report', () => {
  it('renders a deployed run with every section, the charts and the figures from metrics.json', () => {
    const page = renderRunReport(deployedRun());
    assert.match(page, /^<!doctype html>/);
    assert.deepEqual(sectionIds(page), ['gate', 'metrics', 'lineage', 'timings', 'cost']);
    assert.equal((page.match(/<svg\b/g) ?? []).length, 2);
    assert.ok(page.includes(FILE.metrics.accuracy!.toFixed(4)));
    assert.ok(page.includes(FILE.cv!.metrics.rocAuc!.toFixed(4)));
    assert.ok(page.includes(`data-points="${FILE.charts!.roc!.length}"`));
    assert.match(page, /data-state="DEPLOYED"/);
    assert.match(page, /19 min 00 s/, 'total wall time RECEIVED → DEPLOYED');
    assert.ok(page.includes('891 labelled; 713 to train, 178 held out'));
    // The machine the dataset size picked, in the lineage next to the training pipeline.
    assert.match(page, /Machine type<\/th>\s*<td><code>n1-standard-4<\/code>/);
    // The label names come from metrics.json, the tiles and rows from the manifest's declared metrics.
    assert.match(page, />died</);
    assert.match(page, /ROC AUC/);
    assert.match(page, /the serving version was not scored on these rows/);
    assert.match(
      page,
      /Not in this run's metrics\.json, so not shown: the serving version scored on the same rows \(baseline\)/,
    );
    assert.match(page, /not like-for-like: the serving version’s figure from its own run/);
    assert.ok(!page.includes('[object Object]'));
  });

  it('renders a regression run: MAE/RMSE/R² tiles, both figures on the same rows, predicted-vs-actual and residuals', () => {
    const page = renderRunReport(regressionRun());
    assert.deepEqual(sectionIds(page), ['gate', 'metrics', 'lineage', 'timings', 'cost']);
    for (const tile of ['MAE', 'RMSE', 'R²']) assert.match(page, new RegExp(`<div class="k">${tile}</div>`));
    assert.ok(page.includes(DIABETES_FILE.metrics.rmse!.toFixed(4)));
    assert.ok(page.includes('57.9000'), 'the serving version on the same rows');
    assert.match(page, /Serving version, same rows/);
    assert.match(page, /Candidate and serving version both scored on the candidate’s 92 hold-out rows/);
    assert.equal((page.match(/class="scatter-point"/g) ?? []).length, 2 * DIABETES_FILE.charts!.residuals!.length);
    assert.match(page, /Predicted vs actual/);
    assert.doesNotMatch(page, /cm-cell|roc-curve/, 'no classification chart');
    assert.match(page, /like-for-like: the serving version scored on the candidate’s hold-out rows/);
  });

  it('a missing optional part hides its section and says so; an unreadable metrics.json says why', () => {
    const run = regressionRun();
    const { charts: _charts, cv: _cv, ...bare } = DIABETES_FILE;
    const page = renderRunReport({ ...run, metrics: { file: bare, declared: [] } });
    assert.doesNotMatch(page, /scatter-point/);
    assert.match(page, /predicted-vs-actual points \(charts\.predictedVsActual\); residuals \(charts\.residuals\)/);
    assert.match(page, /cross-validation figures \(cv\)/);
    const broken = renderRunReport({ ...run, metrics: { error: 'metrics.json: rows.total: is required' } });
    assert.match(broken, /metrics\.json could not be shown.*rows\.total: is required/s);
  });

  it('escapes every string: a script payload in any field renders as text and never as markup', () => {
    const page = renderRunReport(hostileRun());
    assert.doesNotMatch(page, /<script/i);
    assert.doesNotMatch(page, /<img/i);
    assert.doesNotMatch(page, /href="javascript:/i);
    assert.ok(
      page.includes('gs://bucket/&lt;script&gt;alert(1)&lt;/script&gt;.csv'),
      'the dataset name is shown, escaped',
    );
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the state is shown, escaped');
  });

  it('is self-contained: no script, stylesheet link, external source or CSS url()', () => {
    const page = renderRunReport(deployedRun());
    for (const banned of [/<script/i, /<link/i, /<iframe/i, /<img/i, /\ssrc=/i, /url\(/i, /@import/i])
      assert.doesNotMatch(page, banned);
    // The only absolute URLs are links the reader may follow (build log, price sources) and SVG's namespace.
    const urls = [...page.matchAll(/https?:\/\/[^"'\s<)]+/g)].map((m) => m[0]);
    for (const url of urls) assert.ok(url === 'http://www.w3.org/2000/svg' || page.includes(`href="${url}`), url);
    assert.match(page, /http-equiv="Content-Security-Policy"\s+content="default-src 'none';/);
  });

  it('shows a rejected run its reasons and no metrics, gate or cost', () => {
    const page = renderRunReport(rejectedRun());
    assert.deepEqual(sectionIds(page), ['rejection', 'lineage', 'timings']);
    assert.match(page, /2 problems found; no model was trained/);
    assert.ok(page.includes('missing required column &quot;Survived&quot;'));
    assert.doesNotMatch(page, /<svg\b/);
  });

  it('shows a failed run its error', () => {
    const page = renderRunReport(failedRun());
    assert.deepEqual(sectionIds(page), ['errors', 'lineage', 'timings']);
    assert.match(page, /Failed during BUILDING<\/strong>\s*step 2 \(npm ci\) exited with 1/);
    assert.match(page, /BUILD_FAILED/);
  });

  it('shows a held run as held, with the gate reason and the serving figure', () => {
    const run = deployedRun();
    const page = renderRunReport({
      ...run,
      state: 'HELD',
      stages: { ...run.stages, DEPLOYING: undefined, DEPLOYED: undefined, HELD: run.stages.DEPLOYING },
      deploy: undefined,
      gate: { ...run.gate!, promote: false, reason: 'accuracy 0.8 is worse than serving 0.84 - tolerance 0.01 = 0.83' },
    });
    assert.match(page, /data-state="HELD"/);
    assert.match(page, /class="callout warn">\s*<strong>Held<\/strong>accuracy 0.8 is worse than serving/);
    assert.doesNotMatch(page, /<h3>Deployment<\/h3>/);
  });

  it('renders a run that has only just been received (header and one timing row)', () => {
    const page = renderRunReport({
      runId: 'r1',
      state: 'RECEIVED',
      trigger: 'dataset-drop',
      stages: { RECEIVED: '2026-01-01T00:00:00Z' },
      errors: [],
    });
    assert.deepEqual(sectionIds(page), ['timings']);
    assert.match(page, /data-state="RECEIVED"/);
    assert.doesNotMatch(page, /class="tiles"/);
  });

  it('is deterministic', () => assert.equal(renderRunReport(deployedRun()), renderRunReport(deployedRun())));
});
