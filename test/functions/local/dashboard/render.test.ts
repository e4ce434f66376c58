import assert from 'node:assert/strict';
import { dashboardView } from '../../../../functions/src/local/dashboard/model';
import { DASHBOARD_CSP, renderDashboard } from '../../../../functions/src/local/dashboard/render';
import type { RunRecord } from '../../../../functions/src/pipeline/run-record';
import {
  DM_A,
  endpointAfterRollback,
  ENDPOINT,
  heldRun,
  rejectedRun,
  RUN_A,
  RUN_B,
  SCORING_RUN,
  scoredRun,
  twoRunsAndARollback,
} from './sample-runs';

const NOW = new Date('2026-12-05T00:00:00.000Z');
const page = (records: RunRecord[], endpoint = endpointAfterRollback(), opts = {}) =>
  renderDashboard(dashboardView(records, endpoint, NOW), opts);

/** The `<tr data-run=…>` rows of the runs table, in order. */
const rowRuns = (html: string): string[] => [...html.matchAll(/<tr data-run="([^"]+)"/g)].map((m) => m[1] as string);

describe('local/dashboard/render', () => {
  it('a row per run newest first, with state, version, traffic, gate, cost and a report link', () => {
    const html = page([...twoRunsAndARollback(), heldRun(), rejectedRun()]);
    assert.deepEqual(rowRuns(html), ['broken-9e8d7c6b5a41', 'train-small-0c1d2e3f4a5b', RUN_B, RUN_A]);
    const row = (id: string) => new RegExp(`<tr data-run="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    assert.match(row(RUN_A), /data-state="DEPLOYED"/);
    assert.match(row(RUN_A), /<td class="n traffic">100 %<\/td>/);
    assert.match(row(RUN_B), /<td class="n traffic">0 %<\/td>/);
    assert.match(row(RUN_A), />v1</);
    assert.match(row(RUN_A), /pass<\/span> accuracy<br><span class="figures">0\.8212 ≥ 0\.7500</);
    assert.match(row(RUN_A), /\$\d+\.\d{4}/);
    assert.match(row(RUN_A), new RegExp(`<a class="report" href="runs/${RUN_A}/report">report</a>`));
    assert.match(
      row('train-small-0c1d2e3f4a5b'),
      /held<\/span> accuracy<br><span class="figures">0\.7833 &lt; 0\.8112</,
    );
    assert.match(row('broken-9e8d7c6b5a41'), /missing required column &quot;Survived&quot; \(\+4 more\)/);
    assert.doesNotMatch(row('broken-9e8d7c6b5a41'), /class="report"/);
  });

  it('a scoring run: marked scoring, rows scored, the version it scored with, a predictions link, no gate', () => {
    const html = page([...twoRunsAndARollback(), scoredRun()]);
    const row = new RegExp(`<tr data-run="${SCORING_RUN}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    assert.match(row, /data-kind="scoring"/);
    assert.match(row, /data-state="SCORED"/);
    assert.match(row, /<span class="kind muted">scoring<\/span>/);
    assert.match(row, /418 rows scored/);
    assert.match(row, /<span class="scored-with" title="[^"]*titanic@1 \(deployed by train-3f9a0c1b2d4e\)">v1<\/span>/);
    assert.match(
      row,
      new RegExp(
        `<a class="predictions" href="runs/${SCORING_RUN}/predictions" title="test.predictions.csv">predictions</a>`,
      ),
    );
    assert.doesNotMatch(row, /class="report"/);
    assert.doesNotMatch(row, /gate-cell/);
    assert.match(html, /1 scored · /);
    const training = new RegExp(`<tr data-run="${RUN_A}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    assert.match(training, /data-kind="training"/);
    assert.doesNotMatch(training, /class="kind/);
  });

  it('the endpoint: split bar, deployed versions and the rollback', () => {
    const html = page(twoRunsAndARollback());
    assert.match(html, new RegExp(`<div class="slice" data-deployed-model="${DM_A}" data-percent="100"`));
    assert.match(html, /style="width:100%;background:#[0-9a-f]{6}"/);
    assert.equal((html.match(/<tr data-deployed-model=/g) ?? []).length, 2);
    assert.match(html, new RegExp(`<li data-action="rollback"><strong>rollback</strong> 2026-12-03 10:00:00Z by ana:`));
    assert.ok(html.includes(ENDPOINT));
  });

  it('is self-contained: the CSP meta tag, no script, no external URL', () => {
    const html = page([...twoRunsAndARollback(), heldRun()]);
    assert.ok(
      html.includes(`<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP.replace(/'/g, '&#39;')}">`),
    );
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
    // Only the SVG namespace, never fetched, and no absolute link.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"'\s<)]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
  });

  it('escapes what a record holds: a dataset name, a reason, a gate reason', () => {
    const payload = '<script>window.__x=1</script><img src=x onerror=alert(1)>';
    const [a] = twoRunsAndARollback() as [RunRecord];
    const evil: RunRecord = {
      ...a,
      dataset: { ...a.dataset!, uri: `gs://local-data/${payload}.csv` },
      gate: { ...a.gate!, reason: `"${payload}` },
    };
    const bad: RunRecord = { ...rejectedRun(), rejection: { reasons: [payload], problemCount: 1 } };
    const html = page([evil, bad]);
    assert.doesNotMatch(html, /<script|<img/);
    assert.ok(html.includes('&lt;script&gt;window.__x=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'));
    assert.match(html, /title="&quot;&lt;script&gt;/);
  });

  it('a split share outside 0–100 cannot break out of the style attribute', () => {
    const endpoint = { ...endpointAfterRollback(), trafficSplit: { [DM_A]: 250 } };
    assert.match(page(twoRunsAndARollback(), endpoint), /style="width:100%;/);
  });

  it('refreshes itself only when asked to', () => {
    assert.doesNotMatch(page([]), /http-equiv="refresh"/);
    assert.match(page([], undefined, { refreshSeconds: 10 }), /<meta http-equiv="refresh" content="10">/);
  });

  it('an empty stack: says there are no runs and nothing is deployed', () => {
    const html = page([], { name: ENDPOINT, deployedModels: [], trafficSplit: {} });
    assert.match(html, /No runs yet/);
    assert.match(html, /Nothing is deployed on the endpoint/);
    assert.match(html, /No deployed model receives traffic/);
    assert.match(html, /No run has reached the quality gate yet/);
    assert.deepEqual(rowRuns(html), []);
  });
});
