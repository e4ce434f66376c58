// The gate metric across runs as inline SVG, in the manner of the run report's charts (report/svg-charts.ts): no
// script, no external resource, every text through the escaping `markup` tag. One point per gated run, oldest left,
// coloured by the gate's decision (the report's DEPLOYED and HELD badge colours), the threshold it had to reach as a
// dash, a ring around the versions serving now. Greys are `currentColor`, so the page's text colour sets them.
import { markup, type SafeHtml } from '../../report/html';
import { NEUTRAL_COLOURS, STATE_COLOURS } from '../../report/styles';
import type { GateSeries } from './model';

const PROMOTED = (STATE_COLOURS.DEPLOYED ?? NEUTRAL_COLOURS)[1];
const HELD = (STATE_COLOURS.HELD ?? NEUTRAL_COLOURS)[1];

const [WIDTH, HEIGHT] = [900, 280];
const [LEFT, RIGHT, TOP, BOTTOM] = [60, 24, 40, 44];
/** Most x-axis labels drawn; with more points every k-th is labelled. */
const MAX_LABELS = 14;

const r2 = (v: number): string => (Math.round(v * 100) / 100).toString();

/** The y range: every value and threshold, padded so no point sits on the frame. */
function domain(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo;
  const pad = span > 0 ? span * 0.15 : Math.max(Math.abs(hi) * 0.05, 0.01);
  return [lo - pad, hi + pad];
}

export function gateMetricSvg(series: GateSeries | undefined): SafeHtml {
  const points = series?.points ?? [];
  const metric = series?.metric ?? 'gate metric';
  const label = `${metric} of ${points.length} gated run${points.length === 1 ? '' : 's'}, oldest first`;
  const open = (body: SafeHtml): SafeHtml =>
    markup`<svg class="chart gate-chart" role="img" aria-label="${label}" viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
    <title>${label}</title>
    ${body}
  </svg>`;
  if (!series || points.length === 0)
    return open(
      markup`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" font-size="14" fill="currentColor"
        fill-opacity="0.6">No run has reached the quality gate yet</text>`,
    );

  const values = points.flatMap((p) => (p.threshold === null ? [p.value] : [p.value, p.threshold]));
  const [lo, hi] = domain(values);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const inset = 28;
  const x = (i: number): number =>
    points.length === 1 ? LEFT + plotW / 2 : LEFT + inset + (i * (plotW - 2 * inset)) / (points.length - 1);
  const y = (v: number): number => TOP + (1 - (v - lo) / (hi - lo)) * plotH;
  const digits = hi - lo < 0.2 ? 3 : 2;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const v = lo + t * (hi - lo);
    return markup`<line x1="${LEFT}" y1="${r2(y(v))}" x2="${LEFT + plotW}" y2="${r2(y(v))}" stroke="currentColor" stroke-opacity="0.1"/>
      <text x="${LEFT - 8}" y="${r2(y(v) + 4)}" text-anchor="end" font-size="11" fill="currentColor" fill-opacity="0.6">${v.toFixed(digits)}</text>`;
  });
  const every = Math.ceil(points.length / MAX_LABELS);
  const xLabels = points.map((p, i) =>
    i % every === 0 || i === points.length - 1
      ? markup`<text class="gate-label" x="${r2(x(i))}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="11"
          fill="currentColor" fill-opacity="0.75">${p.label}</text>`
      : '',
  );
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r2(x(i))},${r2(y(p.value))}`).join(' ');
  const marks = points.map((p, i) => {
    const [cx, cy] = [r2(x(i)), r2(y(p.value))];
    const decision = p.promote ? 'promoted' : p.overridden ? 'held, deployed by an operator' : 'held';
    const tip =
      `${p.runId}: ${metric} ${p.value.toFixed(4)}` +
      `${p.threshold === null ? '' : ` (threshold ${p.threshold.toFixed(4)})`}, ${decision}` +
      `${p.serving ? ', serving now' : ''}`;
    const threshold =
      p.threshold === null
        ? ''
        : markup`<line class="gate-threshold" x1="${r2(x(i) - 12)}" y1="${r2(y(p.threshold))}" x2="${r2(x(i) + 12)}"
            y2="${r2(y(p.threshold))}" stroke="currentColor" stroke-opacity="0.55" stroke-width="2" stroke-dasharray="4 3"/>`;
    return markup`<g class="gate-point" data-run="${p.runId}" data-promote="${String(p.promote)}" data-serving="${String(p.serving)}">
      <title>${tip}</title>
      ${threshold}
      ${p.serving ? markup`<circle class="gate-serving" cx="${cx}" cy="${cy}" r="10.5" fill="none" stroke="${PROMOTED}" stroke-width="2"/>` : ''}
      <circle cx="${cx}" cy="${cy}" r="6" fill="${p.promote ? PROMOTED : HELD}" stroke="#ffffff" stroke-width="1.5"
        ${p.overridden ? markup`stroke-dasharray="2 2"` : ''}/>
    </g>`;
  });
  const better = series.direction === 'lower' ? 'lower is better' : 'higher is better';
  const legend = markup`<g class="legend" font-size="12" fill="currentColor">
      <circle cx="${LEFT + 6}" cy="16" r="6" fill="${PROMOTED}"/><text x="${LEFT + 18}" y="20">promoted</text>
      <circle cx="${LEFT + 96}" cy="16" r="6" fill="${HELD}"/><text x="${LEFT + 108}" y="20">held</text>
      <line x1="${LEFT + 160}" y1="16" x2="${LEFT + 184}" y2="16" stroke="currentColor" stroke-opacity="0.55" stroke-width="2"
        stroke-dasharray="4 3"/><text x="${LEFT + 190}" y="20">threshold to reach</text>
      <circle cx="${LEFT + 324}" cy="16" r="8" fill="none" stroke="${PROMOTED}" stroke-width="2"/>
      <text x="${LEFT + 338}" y="20">serving now</text>
      <text x="${LEFT + plotW}" y="20" text-anchor="end" fill-opacity="0.6">${metric} (${better})</text>
    </g>`;
  return open(markup`${legend}
    ${ticks}
    <rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="none" stroke="currentColor" stroke-opacity="0.2"/>
    <path class="gate-line" d="${line}" fill="none" stroke="currentColor" stroke-opacity="0.35" stroke-width="1.5"/>
    ${marks}
    ${xLabels}
    <text x="${LEFT + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="12" fill="currentColor">run (endpoint version), oldest first</text>`);
}
