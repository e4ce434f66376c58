// The dashboard page: the view model (model.ts) → one self-contained HTML page, built like the run report (the
// report's stylesheet, badges and escaping `markup` tag; no script, no external resource). Pure.
import { DASH, markup, num, trusted, usd, type SafeHtml } from '../../report/html';
import { badge } from '../../report/parts';
import { STYLESHEET } from '../../report/styles';
import { gateMetricSvg } from './gate-chart';
import type { DashboardView, RunRow, TrafficEvent } from './model';

/** The page's policy: nothing but its own inline styles and data: images; no script, no fetch, no frame. */
export const DASHBOARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Slice colours of the traffic bar, in slice order (largest share first). */
const SLICE_COLOURS = ['#2563eb', '#0d9488', '#7c3aed', '#db2777', '#ea580c', '#475569'];

const EXTRA_CSS = `
main.dashboard { max-width: 1240px; }
.scroll { overflow-x: auto; }
table.runs th, table.runs td { padding: 7px 8px; }
table.runs td { font-size: 13px; }
table.runs td code { word-break: normal; overflow-wrap: anywhere; }
table.runs td.run code, table.runs td.created, table.runs td.dataset code { white-space: nowrap; }
table.runs td.n, table.versions td.n { white-space: nowrap; }
table.versions td.run code { word-break: normal; white-space: nowrap; }
table.runs td.reason { min-width: 180px; max-width: 300px; overflow-wrap: anywhere; }
table.runs tr.serving td:first-child { box-shadow: inset 3px 0 0 #16a34a; }
.split { display: flex; height: 30px; border-radius: 8px; overflow: hidden; background: #e2e8f0; margin: 4px 0 12px; }
.split .slice { color: #fff; font-size: 12px; font-weight: 600; line-height: 30px; padding: 0 10px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.split.empty { color: #475569; font-size: 13px; line-height: 30px; padding: 0 12px; }
.gate-cell .figures { white-space: nowrap; }
.gate-cell .ok { color: #166534; font-weight: 600; }
.gate-cell .held { color: #92400e; font-weight: 600; }
.gate-chart { color: #334155; }
`;

/** `2026-11-26 05:12:00Z`: the run table's timestamps, as the CLI prints them. */
const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function gateCell(g: RunRow['gate']): SafeHtml {
  if (!g) return DASH;
  const lower = g.direction === 'lower';
  const cmp = g.promote ? (lower ? '≤' : '≥') : lower ? '>' : '<';
  const verdict = g.promote ? markup`<span class="ok">pass</span>` : markup`<span class="held">held</span>`;
  const against = g.threshold === null ? '' : markup` ${cmp} ${num(g.threshold, 4)}`;
  const override = g.overriddenBy ? markup` <span class="muted">(overridden)</span>` : '';
  return markup`<span class="gate-cell" title="${g.reason}">${verdict} ${g.metric}${override}<br><span class="figures">${num(g.candidate, 4)}${against}</span></span>`;
}

/** The dataset's file name, the full URI in its tooltip, its row count (rows scored, for a scoring run) below. */
function datasetCell(r: RunRow): SafeHtml {
  if (!r.dataset) return DASH;
  const file = r.dataset.split('/').pop() || r.dataset;
  const scored = r.scoring?.rowsScored;
  const rows =
    scored !== undefined
      ? markup`<br><span class="muted rows-scored">${scored} rows scored</span>`
      : r.rows === undefined
        ? ''
        : markup`<br><span class="muted">${r.rows} rows</span>`;
  return markup`<code title="${r.dataset}">${file}</code>${rows}`;
}

/** A training run's version; for a scoring run, the version it scored with (the registry version in the tooltip). */
function versionCell(r: RunRow): SafeHtml | string {
  const s = r.scoring;
  if (!s) return r.version ?? DASH;
  if (!s.version && !s.modelVersion) return DASH;
  const shown = s.version ?? s.modelVersion?.split('/').pop();
  const by = s.servingRunId ? ` (deployed by ${s.servingRunId})` : '';
  return markup`<span class="scored-with" title="${s.modelVersion ?? ''}${by}">${shown}</span><br><span class="muted">scored with</span>`;
}

function runLinks(r: RunRow): SafeHtml | string {
  const report = r.reportHref ? markup`<br><a class="report" href="${r.reportHref}">report</a>` : '';
  const s = r.scoring;
  const predictions = s?.predictionsHref
    ? markup`<br><a class="predictions" href="${s.predictionsHref}" title="${s.predictionsFile ?? ''}">predictions</a>`
    : '';
  return markup`${report}${predictions}`;
}

function runRow(r: RunRow): SafeHtml {
  const serving = (r.trafficPercent ?? 0) > 0;
  const kind = r.kind === 'scoring' ? markup` <span class="kind muted">scoring</span>` : '';
  const [day, time] = when(r.createdAt).split(' ');
  return markup`<tr data-run="${r.runId}" data-state="${r.state}" data-kind="${r.kind}" class="${serving ? 'serving' : ''}">
      <td class="run"><code>${r.runId}</code>${kind}${runLinks(r)}</td>
      <td>${badge(r.state)}</td>
      <td class="created">${day}<br><span class="muted">${time}</span></td>
      <td class="dataset">${datasetCell(r)}</td>
      <td>${versionCell(r)}</td>
      <td class="n traffic">${r.trafficPercent === undefined ? DASH : `${r.trafficPercent} %`}</td>
      <td>${gateCell(r.gate)}</td>
      <td class="n" title="${typeof r.servingUsdPerDay === 'number' ? `serving $${r.servingUsdPerDay.toFixed(4)}/day` : ''}">${usd(r.costOnceUsd)}</td>
      <td class="reason">${r.reason ?? DASH}</td>
    </tr>`;
}

function runsSection(v: DashboardView): SafeHtml {
  const body =
    v.runs.length === 0
      ? markup`<p class="muted">No runs yet: drop a CSV into the stack's drop folder.</p>`
      : markup`<div class="scroll"><table class="runs">
          <thead><tr>
            <th>Run</th><th>State</th><th>Created</th><th>Dataset</th><th>Version</th><th class="n">Traffic</th>
            <th>Gate</th><th class="n">Cost</th><th>Reason</th>
          </tr></thead>
          <tbody>${v.runs.map(runRow)}</tbody>
        </table></div>`;
  return markup`<section id="runs">
    <h2>Runs <span class="muted">(newest first)</span></h2>
    ${body}
  </section>`;
}

/** A width for a style attribute: a number within 0–100, whatever the state held. */
const cssPercent = (v: number): number => (Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : 0);

function splitBar(v: DashboardView): SafeHtml {
  const slices = v.endpoint.split;
  if (slices.length === 0) return markup`<div class="split empty">No deployed model receives traffic</div>`;
  return markup`<div class="split" role="img" aria-label="${slices.map((s) => `${s.label} ${s.percent} %`).join(', ')}">
    ${slices.map(
      (s, i) =>
        markup`<div class="slice" data-deployed-model="${s.deployedModelId}" data-percent="${s.percent}"
          style="width:${cssPercent(s.percent)}%;background:${SLICE_COLOURS[i % SLICE_COLOURS.length]}" title="${s.label}: ${s.percent} %">${s.percent} % · ${s.label}</div>`,
    )}
  </div>`;
}

function changeLine(e: TrafficEvent): SafeHtml {
  return markup`<li data-action="${e.action}"><strong>${e.action}</strong> ${when(e.at)} by ${e.by}:
    ${e.from ? markup`<code>${e.from}</code>` : markup`<span class="muted">?</span>`} → <code>${e.to}</code>
    <span class="muted">${JSON.stringify(e.split)}</span></li>`;
}

function endpointSection(v: DashboardView): SafeHtml {
  const versions = v.endpoint.versions;
  const table =
    versions.length === 0
      ? markup`<p class="muted">Nothing is deployed on the endpoint.</p>`
      : markup`<table class="versions">
          <thead><tr><th>Deployed model</th><th>Version</th><th>Run</th><th>Model version</th><th class="n">Traffic</th></tr></thead>
          <tbody>${versions.map(
            (d) => markup`<tr data-deployed-model="${d.deployedModelId}">
                <td><code>${d.deployedModelId}</code>${d.displayName ? markup` <span class="muted">${d.displayName}</span>` : ''}</td>
                <td>${d.version ?? DASH}</td>
                <td class="run">${d.runId ? markup`<code>${d.runId}</code>` : DASH}</td>
                <td><code>${d.model}@${d.modelVersionId}</code></td>
                <td class="n">${d.percent} %</td>
              </tr>`,
          )}</tbody>
        </table>`;
  const changes =
    v.trafficEvents.length === 0
      ? ''
      : markup`<h3>Traffic changes by operators</h3><ul class="plain changes">${v.trafficEvents.map(changeLine)}</ul>`;
  return markup`<section id="endpoint">
    <h2>Endpoint <span class="muted"><code>${v.endpoint.name}</code></span></h2>
    <h3>Traffic split</h3>
    ${splitBar(v)}
    <h3>Deployed versions</h3>
    ${table}
    ${changes}
  </section>`;
}

function gateSection(v: DashboardView): SafeHtml {
  const other = v.gate?.otherMetricRuns ?? 0;
  return markup`<section id="gate-metric">
    <h2>Gate metric across runs</h2>
    <figure>${gateMetricSvg(v.gate)}
      <figcaption>Each gated run's hold-out ${v.gate?.metric ?? 'metric'} against the threshold it had to reach.${
        other > 0 ? ` ${other} run${other === 1 ? '' : 's'} judged on another metric not shown.` : ''
      }</figcaption>
    </figure>
  </section>`;
}

function tiles(v: DashboardView): SafeHtml {
  const serving = v.endpoint.split[0];
  const counts = (state: string) => v.runs.filter((r) => r.state === state).length;
  const tile = (k: string, val: unknown, s: unknown) =>
    markup`<div class="tile"><div class="k">${k}</div><div class="v">${val}</div><div class="s">${s}</div></div>`;
  return markup`<div class="tiles">
    ${tile('Runs', v.runs.length, `${counts('DEPLOYED')} deployed · ${counts('HELD')} held · ${counts('SCORED') > 0 ? `${counts('SCORED')} scored · ` : ''}${counts('REJECTED') + counts('FAILED')} rejected or failed`)}
    ${tile('Serving', serving ? `${serving.percent} %` : DASH, serving ? serving.label : 'no traffic')}
    ${tile('Deployed versions', v.endpoint.versions.length, 'each keeps a serving replica up (a billed node on Vertex)')}
    ${tile('Latest run', v.runs[0] ? badge(v.runs[0].state) : DASH, v.runs[0] ? when(v.runs[0].createdAt) : 'none yet')}
  </div>`;
}

export interface RenderOptions {
  /** Reload the page every this many seconds (a meta refresh: no script); 0 or absent = never. */
  refreshSeconds?: number;
}

/** The whole page. */
export function renderDashboard(v: DashboardView, opts: RenderOptions = {}): string {
  const refresh =
    opts.refreshSeconds && opts.refreshSeconds > 0
      ? markup`<meta http-equiv="refresh" content="${Math.round(opts.refreshSeconds)}">`
      : '';
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">
${refresh}
<title>vertex-retrain · dashboard</title>
<style>${trusted(STYLESHEET)}${trusted(EXTRA_CSS)}</style>
</head>
<body>
<main class="dashboard">
<header class="top">
  <div class="eyebrow">vertex-retrain · local dashboard</div>
  <h1>Runs and the endpoint</h1>
  <div class="meta"><span>${v.runs.length} run${v.runs.length === 1 ? '' : 's'}</span><span>as of ${when(v.generatedAt)}</span>${
    opts.refreshSeconds ? markup`<span>refreshes every ${opts.refreshSeconds} s</span>` : ''
  }</div>
</header>
${tiles(v)}
${endpointSection(v)}
${gateSection(v)}
${runsSection(v)}
<footer>Generated by vertex-retrain from the run ledger and the endpoint's state.</footer>
</main>
</body>
</html>
`.value;
}
