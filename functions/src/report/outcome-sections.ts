// The sections that say how the run ended: header, headline figures, rejection, errors, quality gate, metrics.
// Each returns '' when the run has no data for it.
import { duration, link, markup, num, usd, type SafeHtml } from './html';
import { badge, kv } from './parts';
import type { MetricDeclaration } from '../contract/manifest';
import { missingSections, type MetricsFile, type Section } from '../contract/metrics-file';
import type { ReportGate, ReportMetrics, RunReportInput } from './report-input';
import { confusionMatrixSvg, rocCurveSvg, scatterSvg } from './svg-charts';
import { stageTimings } from './timings';

/** The dark banner: run id, state badge, trigger and versions. The CSS puts a dot between the meta items. */
export function header(r: RunReportInput): SafeHtml {
  const t = r.training;
  const meta = [
    markup`<span>Trigger: ${r.trigger}</span>`,
    t?.endpointVersion !== undefined ? markup`<span>Endpoint version ${t.endpointVersion}</span>` : '',
    t?.model?.versionId ? markup`<span>Model version ${t.model.versionId}</span>` : '',
    r.generatedAt ? markup`<span>Generated ${r.generatedAt}</span>` : '',
  ];
  return markup`<header class="top">
    <div class="eyebrow">vertex-retrain · run report</div>
    <h1><span>${r.runId}</span>${badge(r.state)}</h1>
    <div class="meta">${meta}</div>
  </header>`;
}

/** How the report names the standard metrics of the trainer contract; any other metric shows by its own name. */
const METRIC_LABELS: Record<string, string> = {
  accuracy: 'Accuracy',
  rocAuc: 'ROC AUC',
  logLoss: 'Log loss',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²',
  mape: 'MAPE',
};
const metricLabel = (name: string): string => METRIC_LABELS[name] ?? name;

/** What each optional part of metrics.json is, for the line that says it is absent. */
const SECTION_NAMES: Record<Section, string> = {
  'rows.holdout': 'the hold-out row count',
  holdout: 'how the hold-out was chosen',
  cv: 'cross-validation figures',
  baseline: 'the serving version scored on the same rows',
  'charts.confusionMatrix': 'a confusion matrix',
  'charts.roc': 'ROC points',
  'charts.predictedVsActual': 'predicted-vs-actual points',
  'charts.residuals': 'residuals',
  'charts.featureImportance': 'feature importance',
};

/** The declared metrics present in the file's candidate figures, in the manifest's order. */
function shownMetrics(m: Extract<ReportMetrics, { file: unknown }>): MetricDeclaration[] {
  return m.declared.filter((d) => d.name in m.file.metrics);
}

const holdoutRows = (f: MetricsFile): string =>
  f.rows.holdout === undefined ? 'hold-out' : `hold-out, ${f.rows.holdout} rows`;

/** Headline figures: the candidate's hold-out metrics (at most four), wall time, once-off cost. */
export function tiles(r: RunReportInput): SafeHtml | string {
  const m = r.metrics && 'file' in r.metrics ? r.metrics : undefined;
  const totalMs = stageTimings(r.stages).totalMs;
  if (!m && !r.cost && totalMs === undefined) return '';
  const tile = (k: string, v: unknown, s: unknown): SafeHtml =>
    markup`<div class="tile">
      <div class="k">${k}</div>
      <div class="v">${v}</div>
      <div class="s">${s}</div>
    </div>`;
  const figures = m
    ? shownMetrics(m)
        .slice(0, 4)
        .map((d) =>
          tile(
            metricLabel(d.name),
            num(m.file.metrics[d.name] ?? undefined),
            `${holdoutRows(m.file)}${d.direction === 'lower' ? ', lower is better' : ''}`,
          ),
        )
    : [];
  return markup`<div class="tiles">
    ${figures}
    ${totalMs !== undefined ? tile('Wall time', duration(totalMs), 'received to outcome') : ''}
    ${r.cost ? tile('Cost, once', usd(r.cost.totalOnceUsd), 'build + training, list price') : ''}
  </div>`;
}

const COMPARISON_TEXT: Record<NonNullable<ReportGate['comparison']>, string> = {
  'like-for-like': 'like-for-like: the serving version scored on the candidate’s hold-out rows',
  recorded: 'not like-for-like: the serving version’s figure from its own run, on other rows',
  none: 'no serving figure: the floor alone decided',
};

function gateBody(g: ReportGate): SafeHtml {
  const better = g.direction === 'lower' ? 'lower is better' : 'higher is better';
  return markup`<div class="callout ${g.promote ? 'ok' : 'warn'}">
      <strong>${g.promote ? 'Promoted' : 'Held'}</strong>${g.reason}
    </div>
    ${kv([
      ['Metric', markup`<code>${g.metric}</code> <span class="muted">(${better})</span>`],
      ['Candidate', num(g.candidate, 4)],
      [
        'Serving version',
        g.serving === null ? markup`<span class="muted">none to compare with</span>` : num(g.serving, 4),
      ],
      ['Comparison', g.comparison ? COMPARISON_TEXT[g.comparison] : undefined],
      ['Rows', g.rows],
      ['Floor', num(g.floor, 4)],
      ['Tolerance', num(g.tolerance, 4)],
      ['Threshold to reach', g.threshold === undefined ? undefined : num(g.threshold, 4)],
    ])}`;
}

/** The quality gate: promoted or held, why, and the figures it compared; and whether an operator overrode it. */
export function gate(r: RunReportInput): SafeHtml | string {
  if (!r.gate) return '';
  const reason = r.override
    ? `${r.gate.reason} — overridden: deployed by ${r.override.by} at ${r.override.at}`
    : r.gate.reason;
  return markup`<section id="gate">
        <h2>Quality gate</h2>
        ${gateBody({ ...r.gate, reason })}
      </section>`;
}

/** Candidate, serving version on the same rows (when scored) and CV mean, one row per declared metric. */
function figuresTable(m: Extract<ReportMetrics, { file: unknown }>): SafeHtml {
  const f = m.file;
  const cell = (v: number | null | undefined): SafeHtml =>
    markup`<td class="n">${v === null ? markup`<span class="muted">n/a</span>` : num(v ?? undefined, 4)}</td>`;
  const rows = shownMetrics(m).map(
    (d) =>
      markup`<tr>
      <td>${metricLabel(d.name)} <span class="muted">(${d.direction} is better)</span></td>
      ${cell(f.metrics[d.name])}
      ${f.baseline ? cell(f.baseline.metrics[d.name]) : ''}
      ${f.cv ? cell(f.cv.metrics[d.name]) : ''}
    </tr>`,
  );
  const which = f.baseline
    ? `Candidate and serving version both scored on the candidate’s ${f.rows.holdout ?? ''} hold-out rows${f.holdout?.description ? ` (${f.holdout.description})` : ''}.`
    : `Candidate on its ${f.rows.holdout ?? ''} hold-out rows${f.holdout?.description ? ` (${f.holdout.description})` : ''}; the serving version was not scored on these rows.`;
  return markup`<p class="muted rows-note">${which.replace(/ {2}/g, ' ')}</p>
    <table>
      <thead>
        <tr>
          <th>Metric</th>
          <th class="n">Candidate, hold-out</th>
          ${f.baseline ? markup`<th class="n">Serving version, same rows</th>` : ''}
          ${f.cv ? markup`<th class="n">${f.cv.folds}-fold CV mean</th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

/** The charts metrics.json carries for the task. */
function charts(f: MetricsFile): SafeHtml | string {
  const ch = f.charts ?? {};
  const figures: SafeHtml[] = [];
  if (ch.confusionMatrix)
    figures.push(markup`<figure>
        ${confusionMatrixSvg(ch.confusionMatrix, f.labels?.names)}
        <figcaption>Hold-out confusion matrix (rows actual, columns predicted)</figcaption>
      </figure>`);
  if (f.task === 'binary-classification' && ch.roc?.length)
    figures.push(markup`<figure>
        ${rocCurveSvg(ch.roc, f.metrics.rocAuc ?? undefined)}
        <figcaption>Hold-out ROC curve (${ch.roc.length} thresholds)</figcaption>
      </figure>`);
  if (f.task === 'regression' && ch.predictedVsActual?.length)
    figures.push(markup`<figure>
        ${scatterSvg(
          ch.predictedVsActual.map((p) => ({ x: p.actual, y: p.predicted })),
          { title: 'Predicted vs actual', xLabel: 'Actual', yLabel: 'Predicted', diagonal: true },
        )}
        <figcaption>Hold-out predictions against the actual values (${ch.predictedVsActual.length} rows; on the dashed line is exact)</figcaption>
      </figure>`);
  if (f.task === 'regression' && ch.residuals?.length)
    figures.push(markup`<figure>
        ${scatterSvg(
          ch.residuals.map((p) => ({ x: p.predicted, y: p.residual })),
          { title: 'Residuals', xLabel: 'Predicted', yLabel: 'Residual', zeroLine: true },
        )}
        <figcaption>Hold-out residuals against the prediction (${ch.residuals.length} rows)</figcaption>
      </figure>`);
  const importance = ch.featureImportance?.length
    ? markup`<h3>Feature importance</h3>
      <table class="importance">
        <tbody>
          ${ch.featureImportance
            .slice(0, 15)
            .map((i) => markup`<tr><td><code>${i.feature}</code></td><td class="n">${num(i.importance, 3)}</td></tr>`)}
        </tbody>
      </table>`
    : '';
  return markup`${figures.length ? markup`<div class="charts">${figures}</div>` : ''}${importance}`;
}

/** The absent optional parts of metrics.json: each hidden section says so. */
function missing(f: MetricsFile): SafeHtml | string {
  const absent = missingSections(f);
  return absent.length
    ? markup`<p class="muted missing-sections">Not in this run's metrics.json, so not shown: ${absent
        .map((s) => `${SECTION_NAMES[s]} (${s})`)
        .join('; ')}.</p>`
    : '';
}

/** The candidate's figures (and the serving version's on the same rows), the rows, the charts for the task. */
export function metrics(r: RunReportInput): SafeHtml | string {
  const m = r.metrics;
  if (!m) return '';
  if ('error' in m)
    return markup`<section id="metrics">
    <h2>Model metrics</h2>
    <div class="callout bad"><strong>metrics.json could not be shown</strong>${m.error}</div>
  </section>`;
  const f = m.file;
  return markup`<section id="metrics">
    <h2>Model metrics</h2>
    ${figuresTable(m)}
    ${kv([
      [
        'Rows',
        `${f.rows.total} labelled${f.rows.train === undefined ? '' : `; ${f.rows.train} to train`}${f.rows.holdout === undefined ? '' : `, ${f.rows.holdout} held out`}`,
      ],
      ['Hold-out', f.holdout?.pinned ? 'a pinned evaluation set (the same rows every run)' : f.holdout?.description],
      ['Task', f.task],
    ])}
    ${charts(f)}
    ${missing(f)}
  </section>`;
}

/** Why the dataset was turned away (REJECTED runs). */
export function rejection(r: RunReportInput): SafeHtml | string {
  const rej = r.rejection;
  if (!rej) return '';
  return markup`<section id="rejection">
    <h2>Dataset rejected</h2>
    <div class="callout bad">
      <strong>${rej.problemCount} problem${rej.problemCount === 1 ? '' : 's'} found; no model was trained.</strong>
      <ul class="plain">
        ${rej.reasons.map((reason) => markup`<li>${reason}</li>`)}
      </ul>
    </div>
    ${rej.reportUri ? kv([['Full validation report', link(rej.reportUri)]]) : ''}
  </section>`;
}

/** The recorded errors, the last one called out when the run FAILED. */
export function errors(r: RunReportInput): SafeHtml | string {
  const last = r.errors.at(-1);
  if (!last) return '';
  const failed =
    r.state === 'FAILED'
      ? markup`<div class="callout bad"><strong>Failed during ${last.stage}</strong>${last.message}</div>`
      : '';
  return markup`<section id="errors">
    <h2>Errors</h2>
    ${failed}
    <table>
      <thead>
        <tr>
          <th>At</th>
          <th>Stage</th>
          <th>Reason</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        ${r.errors.map(
          (e) =>
            markup`<tr>
              <td><code>${e.at}</code></td>
              <td>${e.stage}</td>
              <td><code>${e.reason}</code></td>
              <td>${e.message}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
