// The sections that say how the run ended: header, headline figures, rejection, errors, quality gate, metrics.
// Each returns '' when the run has no data for it.
import { duration, link, markup, num, usd, type SafeHtml } from './html';
import { badge, code, kv } from './parts';
import type { ReportError, ReportGate, ReportMetrics, RunReportInput } from './report-input';
import { confusionMatrixSvg, rocCurveSvg } from './svg-charts';
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

/** Headline figures: hold-out scores, wall time, once-off cost (whichever the run has). */
export function tiles(r: RunReportInput): SafeHtml | string {
  const h = r.metrics?.holdout;
  const totalMs = stageTimings(r.stages).totalMs;
  if (!h && !r.cost && totalMs === undefined) return '';
  const tile = (k: string, v: unknown, s: unknown): SafeHtml =>
    markup`<div class="tile">
      <div class="k">${k}</div>
      <div class="v">${v}</div>
      <div class="s">${s}</div>
    </div>`;
  return markup`<div class="tiles">
    ${h ? tile('Accuracy', num(h.accuracy), `hold-out, ${h.rows} passengers`) : ''}
    ${h ? tile('ROC AUC', num(h.rocAuc), 'hold-out') : ''}
    ${h ? tile('Log loss', num(h.logLoss), 'hold-out, lower is better') : ''}
    ${totalMs !== undefined ? tile('Wall time', duration(totalMs), 'received to outcome') : ''}
    ${r.cost ? tile('Cost, once', usd(r.cost.totalOnceUsd), 'build + training, list price') : ''}
  </div>`;
}

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
      ['Floor', num(g.floor, 4)],
      ['Tolerance', num(g.tolerance, 4)],
      ['Threshold to reach', g.threshold === undefined ? undefined : num(g.threshold, 4)],
    ])}`;
}

/** The quality gate: promoted or held, why, and the figures it compared. */
export function gate(r: RunReportInput): SafeHtml | string {
  return r.gate
    ? markup`<section id="gate">
        <h2>Quality gate</h2>
        ${gateBody(r.gate)}
      </section>`
    : '';
}

function metricsBody(m: ReportMetrics): SafeHtml {
  const h = m.holdout;
  const cv = m.crossValidation;
  const row = (name: string, a: number, b: number | undefined): SafeHtml =>
    markup`<tr>
      <td>${name}</td>
      <td class="n">${num(a, 4)}</td>
      <td class="n">${num(b, 4)}</td>
    </tr>`;
  return markup`<table>
      <thead>
        <tr>
          <th>Metric</th>
          <th class="n">Hold-out (${h.rows} rows)</th>
          <th class="n">${cv ? `${cv.folds?.length ?? 'k'}-fold CV mean` : 'CV mean'}</th>
        </tr>
      </thead>
      <tbody>
        ${row('Accuracy', h.accuracy, cv?.mean.accuracy)}${row('ROC AUC', h.rocAuc, cv?.mean.rocAuc)}${row('Log loss', h.logLoss, cv?.mean.logLoss)}
      </tbody>
    </table>
    <h3>Trained model</h3>
    ${kv([
      ['Model version', code(m.modelVersion)],
      [
        'Training rows',
        m.rows === undefined
          ? undefined
          : `${typeof m.rows === 'number' ? m.rows : m.rows.total} (${m.survivors ?? '?'} survivors); hold-out fit on ${h.trainRows ?? '?'}`,
      ],
      ['Regularisation λ', m.lambda],
      ['Training time', m.trainingMs === undefined ? undefined : duration(m.trainingMs)],
      ['Seed', m.seed],
    ])}
    <div class="charts">
      <figure>
        ${confusionMatrixSvg(h.confusion)}
        <figcaption>Hold-out confusion matrix at p ≥ 0.5</figcaption>
      </figure>
      <figure>
        ${rocCurveSvg(h.roc, h.rocAuc)}
        <figcaption>Hold-out ROC curve (${h.roc.length} thresholds)</figcaption>
      </figure>
    </div>`;
}

/** Hold-out and CV scores, the trained model, the confusion matrix and the ROC curve. */
export function metrics(r: RunReportInput): SafeHtml | string {
  if (!r.metrics) return '';
  return markup`<section id="metrics">
    <h2>Model metrics</h2>
    ${metricsBody(r.metrics)}
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
  if (!r.errors?.length) return '';
  const last = r.errors[r.errors.length - 1] as ReportError;
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
