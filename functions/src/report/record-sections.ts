// The sections that document the run: lineage (dataset → build → training → deployment), timings and cost.
// Each returns '' when the run has no data for it.
import type { CostEstimate } from '../pipeline/cost';
import { bytes, DASH, duration, link, markup, usd, type SafeHtml } from './html';
import { badge, code, kv } from './parts';
import type { RunReportInput } from './report-input';
import { stageTimings } from './timings';

/** The run's model's traffic as the report shows it: none once keep-K undeployed it, else the go-live split. */
export function trafficShown(r: Pick<RunReportInput, 'deploy'>): Record<string, number> | undefined {
  const dep = r.deploy;
  if (!dep?.deployedModelId) return undefined;
  return dep.undeployedAt ? { [dep.deployedModelId]: 0 } : dep.traffic;
}

/** Dataset → build → training → deployment: every identifier needed to trace the model back. */
export function lineage(r: RunReportInput): SafeHtml | string {
  const { dataset: d, build: b, training: t } = r;
  const dep = r.deploy?.deployedModelId ? r.deploy : undefined;
  if (!d && !b && !t && !dep) return '';
  const split = trafficShown(r);
  const splitText = split
    ? Object.entries(split).map(([id, pct]) => markup`<div><code>${id}</code> → ${pct}%</div>`)
    : undefined;
  return markup`<section id="lineage">
    <h2>Lineage</h2>
    ${
      d
        ? markup`<h3>Dataset</h3>
            ${kv([
              ['URI', code(d.uri)],
              ['Generation', code(d.generation)],
              ['MD5 (base64)', code(d.md5Hash)],
              ['Size', d.size === undefined ? undefined : bytes(d.size)],
              ['Rows', d.rows],
            ])}`
        : ''
    }
    ${
      b
        ? markup`<h3>Build</h3>
            ${kv([
              ['Build id', code(b.id)],
              ['Log', b.logUrl ? link(b.logUrl, 'Cloud Build log') : undefined],
              ['Image', code(b.imageUri)],
              ['Image digest', code(b.imageDigest)],
            ])}`
        : ''
    }
    ${
      t
        ? markup`<h3>Training</h3>
            ${kv([
              ['Training pipeline', code(t.name)],
              ['Machine type', code(t.machineType)],
              ['Endpoint version', t.endpointVersion],
              ['Registry model', code(t.model?.name)],
              ['Model version id', code(t.model?.versionId)],
            ])}`
        : ''
    }
    ${
      dep
        ? markup`<h3>Deployment</h3>
            ${kv([
              ['Endpoint', code(r.endpoint)],
              ['Deployed model id', code(dep.deployedModelId)],
              ['Undeployed (keep-K)', dep.undeployedAt],
              ['Traffic split', splitText],
            ])}`
        : ''
    }
  </section>`;
}

/** When the run entered each stage and how long it stayed. */
export function timings(r: RunReportInput): SafeHtml | string {
  const t = stageTimings(r.stages);
  if (!t.rows.length) return '';
  return markup`<section id="timings">
    <h2>Timings</h2>
    <table>
      <thead>
        <tr>
          <th>Stage</th>
          <th>Entered</th>
          <th class="n">Time in stage</th>
        </tr>
      </thead>
      <tbody>
        ${t.rows.map(
          (row) =>
            markup`<tr>
              <td>${badge(row.stage)}</td>
              <td><code>${row.at}</code></td>
              <td class="n">${row.durationMs === undefined ? DASH : duration(row.durationMs)}</td>
            </tr>`,
        )}
        ${
          t.totalMs === undefined
            ? ''
            : markup`<tr>
                <th>Total</th>
                <td></td>
                <th class="n">${duration(t.totalMs)}</th>
              </tr>`
        }
      </tbody>
    </table>
  </section>`;
}

function costBody(c: CostEstimate): SafeHtml {
  return markup`<table>
      <thead>
        <tr>
          <th>Item</th>
          <th class="n">Estimate (${c.currency})</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>Image build (Cloud Build)</td>
          <td class="n">${usd(c.buildUsd)}</td>
        </tr>
        <tr>
          <td>Training (Vertex AI custom training)</td>
          <td class="n">${usd(c.trainingUsd)}</td>
        </tr>
        <tr>
          <th>Once-off total</th>
          <th class="n">${usd(c.totalOnceUsd)}</th>
        </tr>
        <tr>
          <td>Serving, per day while deployed</td>
          <td class="n">${usd(c.servingUsdPerDay)}</td>
        </tr>
      </tbody>
    </table>
    <ul class="notes">
      ${c.notes.map((n) => markup`<li>${n}</li>`)}
      <li>Prices for ${c.region}, read ${c.retrieved}: ${link(c.source)}, ${link(c.buildSource)}.</li>
    </ul>`;
}

/** The cost estimate with its notes and price sources. */
export function cost(r: RunReportInput): SafeHtml | string {
  return r.cost
    ? markup`<section id="cost">
        <h2>Cost estimate</h2>
        ${costBody(r.cost)}
      </section>`
    : '';
}
