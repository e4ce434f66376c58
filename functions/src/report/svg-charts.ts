// The report's charts as inline SVG (no script, no external resource): the confusion matrix as a heat grid, the ROC
// curve with its axes, the chance diagonal and the AUC in the legend, and scatter plots (predicted vs actual,
// residuals) for regression. Numbers only come from the inputs;
// every text passes through the escaping `markup` tag.
import { markup, type SafeHtml } from './html';

/** One ROC point (metrics.json v1 `charts.roc`). */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold?: number;
}

const BLUE = '#2563eb';
const RED = '#dc2626';
const INK = '#0f172a';
const MUTED = '#64748b';
const GRID = '#e2e8f0';
const CHANCE = '#94a3b8';
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** Two decimals for coordinates: plenty for a 300-pixel plot, and short markup. */
const c = (v: number): string => (Math.round(v * 100) / 100).toString();
const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '—');

/** A confusion matrix as metrics.json v1 has it: rows are the actual label, columns the predicted one. */
export interface ConfusionMatrix {
  labels: readonly string[];
  matrix: readonly (readonly number[])[];
}

/**
 * The confusion matrix as a heat grid, one row and column per label (shown by its name when metrics.json `labels.names`
 * gives one). A cell's shade is its share of the actual label (so the diagonal reads as per-label recall); correct
 * cells blue, errors red.
 */
export function confusionMatrixSvg(m: ConfusionMatrix, names: Readonly<Record<string, string>> = {}): SafeHtml {
  const n = m.labels.length;
  const shown = m.labels.map((l) => names[l] ?? l);
  const size = Math.max(44, Math.min(116, Math.floor(360 / Math.max(n, 1))));
  const [x0, y0] = [110, 52];
  const cells = m.matrix.flatMap((row, i) => {
    const of = row.reduce((a, b) => a + b, 0);
    return row.map((count, j) => ({ i, j, count, of }));
  });
  const label = `Confusion matrix (rows actual, columns predicted; labels ${shown.join(', ')}): ${cells
    .map((c) => `${shown[c.i]} as ${shown[c.j]} ${c.count}`)
    .join(', ')}`;
  const big = size >= 80;
  const rects = cells.map((cell) => {
    const share = cell.of > 0 ? cell.count / cell.of : 0;
    const opacity = 0.08 + 0.8 * share;
    const [x, y] = [x0 + cell.j * size, y0 + cell.i * size];
    const mid = x + (size - 4) / 2;
    const fg = opacity > 0.5 ? '#ffffff' : INK;
    const ok = cell.i === cell.j;
    return markup`<g class="cm-cell" data-cell="${shown[cell.i]} as ${shown[cell.j]}">
      <rect x="${x}" y="${y}" width="${size - 4}" height="${size - 4}" rx="6" fill="${ok ? BLUE : RED}" fill-opacity="${c(opacity)}"/>
      <text x="${mid}" y="${y + (big ? 36 : size / 2)}" text-anchor="middle" font-size="${big ? 26 : 14}" font-weight="650" fill="${fg}">${cell.count}</text>
      <text x="${mid}" y="${y + (big ? 56 : size / 2 + 14)}" text-anchor="middle" font-size="${big ? 12 : 10}" fill="${fg}">${pct(cell.count, cell.of)}</text>
    </g>`;
  });
  const width = x0 + n * size + 20;
  const height = y0 + n * size + 20;
  const heads = shown.map(
    (name, k) =>
      markup`<text x="${x0 + k * size + (size - 4) / 2}" y="40" text-anchor="middle" font-size="12" fill="${INK}">${name}</text>
      <text x="${x0 - 10}" y="${y0 + k * size + size / 2}" text-anchor="end" font-size="12" fill="${INK}">${name}</text>`,
  );
  return markup`<svg class="chart" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"
      xmlns="http://www.w3.org/2000/svg" font-family="${FONT}">
    <title>${label}</title>
    <text x="${x0 + (n * size) / 2}" y="18" text-anchor="middle" font-size="12" font-weight="600" fill="${MUTED}">PREDICTED</text>
    <text transform="translate(18 ${y0 + (n * size) / 2}) rotate(-90)" text-anchor="middle" font-size="12" font-weight="600"
      fill="${MUTED}">ACTUAL</text>
    ${heads}
    ${rects}
  </svg>`;
}

export interface ScatterOptions {
  /** What the chart shows, for its title and screen readers. */
  title: string;
  xLabel: string;
  yLabel: string;
  /** The y = x line (predicted vs actual: a perfect model sits on it). */
  diagonal?: boolean;
  /** The y = 0 line (residuals). */
  zeroLine?: boolean;
}

/** Finite points only. */
const finitePoints = (points: readonly { x: number; y: number }[]) =>
  points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));

/** A scatter plot with its axes' ranges and labels (predicted vs actual, residuals vs predicted). */
export function scatterSvg(points: readonly { x: number; y: number }[], o: ScatterOptions): SafeHtml {
  const pts = finitePoints(points);
  const [left, top, w, h] = [64, 14, 300, 240];
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  let [xMin, xMax] = [
    Math.min(...xs, o.diagonal ? Math.min(...ys) : Infinity),
    Math.max(...xs, o.diagonal ? Math.max(...ys) : -Infinity),
  ];
  let [yMin, yMax] = o.diagonal
    ? [xMin, xMax]
    : [Math.min(...ys, o.zeroLine ? 0 : Infinity), Math.max(...ys, o.zeroLine ? 0 : -Infinity)];
  const widen = (lo: number, hi: number): [number, number] =>
    !Number.isFinite(lo) || !Number.isFinite(hi) ? [0, 1] : hi > lo ? [lo, hi] : [lo - 1, hi + 1];
  [xMin, xMax] = widen(xMin, xMax);
  [yMin, yMax] = widen(yMin, yMax);
  const x = (v: number): string => c(left + ((v - xMin) / (xMax - xMin)) * w);
  const y = (v: number): string => c(top + (1 - (v - yMin) / (yMax - yMin)) * h);
  const label = `${o.title}, ${pts.length} points`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const fmt = (v: number): string =>
    Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  const grid = ticks.map((t) => {
    const [vx, vy] = [xMin + t * (xMax - xMin), yMin + t * (yMax - yMin)];
    return markup`<line x1="${x(vx)}" y1="${y(yMin)}" x2="${x(vx)}" y2="${y(yMax)}" stroke="${GRID}"/>
      <line x1="${x(xMin)}" y1="${y(vy)}" x2="${x(xMax)}" y2="${y(vy)}" stroke="${GRID}"/>
      <text x="${x(vx)}" y="${c(top + h + 18)}" text-anchor="middle" font-size="11" fill="${MUTED}">${fmt(vx)}</text>
      <text x="${c(left - 8)}" y="${c(Number(y(vy)) + 4)}" text-anchor="end" font-size="11" fill="${MUTED}">${fmt(vy)}</text>`;
  });
  const guide = o.diagonal
    ? markup`<line class="scatter-guide" x1="${x(xMin)}" y1="${y(xMin)}" x2="${x(xMax)}" y2="${y(xMax)}" stroke="${CHANCE}" stroke-width="1.5" stroke-dasharray="5 5"/>`
    : o.zeroLine
      ? markup`<line class="scatter-guide" x1="${x(xMin)}" y1="${y(0)}" x2="${x(xMax)}" y2="${y(0)}" stroke="${CHANCE}" stroke-width="1.5" stroke-dasharray="5 5"/>`
      : '';
  const dots = pts.map(
    (p) =>
      markup`<circle class="scatter-point" cx="${x(p.x)}" cy="${y(p.y)}" r="3" fill="${BLUE}" fill-opacity="0.55"/>`,
  );
  return markup`<svg class="chart" role="img" aria-label="${label}" viewBox="0 0 380 300" width="380" height="300"
      xmlns="http://www.w3.org/2000/svg" font-family="${FONT}">
    <title>${label}</title>
    ${grid}
    <rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#cbd5e1"/>
    ${guide}
    ${pts.length ? dots : markup`<text x="${c(left + w / 2)}" y="${c(top + h / 2)}" text-anchor="middle" font-size="13" fill="${MUTED}">No points recorded</text>`}
    <text x="${c(left + w / 2)}" y="${c(top + h + 38)}" text-anchor="middle" font-size="12" fill="${INK}">${o.xLabel}</text>
    <text transform="translate(16 ${c(top + h / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${INK}">${o.yLabel}</text>
  </svg>`;
}

/** Points inside the unit square, in curve order; anything else (NaN, out of range) is dropped. */
function usablePoints(points: readonly RocPoint[]): RocPoint[] {
  const inUnit = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;
  return points.filter((p) => inUnit(p.fpr) && inUnit(p.tpr));
}

/** The ROC curve (true vs false positive rate over thresholds) with gridlines, the chance diagonal and the AUC. */
export function rocCurveSvg(points: readonly RocPoint[], auc: number | undefined): SafeHtml {
  const [left, top, size] = [56, 14, 260];
  const x = (fpr: number): string => c(left + fpr * size);
  const y = (tpr: number): string => c(top + (1 - tpr) * size);
  const pts = usablePoints(points);
  const aucText = typeof auc === 'number' && Number.isFinite(auc) ? auc.toFixed(3) : 'n/a';
  const label = `ROC curve, AUC ${aucText}, ${pts.length} points`;
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1].map(
    (t) => markup`<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="${GRID}"/>
      <line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="${GRID}"/>
      <text x="${x(t)}" y="${c(top + size + 18)}" text-anchor="middle" font-size="11" fill="${MUTED}">${t.toFixed(1)}</text>
      <text x="${c(left - 8)}" y="${c(top + (1 - t) * size + 4)}" text-anchor="end" font-size="11" fill="${MUTED}">${t.toFixed(1)}</text>`,
  );
  const line = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.fpr)},${y(p.tpr)}`).join(' ');
  const [first, last] = [pts[0], pts[pts.length - 1]];
  const curve =
    first && last && pts.length >= 2
      ? markup`<path class="roc-area" d="${line} L${x(last.fpr)},${y(0)} L${x(first.fpr)},${y(0)} Z" fill="${BLUE}" fill-opacity="0.08"/>
        <path class="roc-curve" data-points="${pts.length}" d="${line}" fill="none" stroke="${BLUE}" stroke-width="2.5" stroke-linejoin="round"/>`
      : markup`<text x="${x(0.5)}" y="${y(0.55)}" text-anchor="middle" font-size="13" fill="${MUTED}">No ROC points recorded</text>`;
  const [lx, ly] = [left + size - 150, top + size - 52];
  return markup`<svg class="chart" role="img" aria-label="${label}" viewBox="0 0 330 320" width="330" height="320"
      xmlns="http://www.w3.org/2000/svg" font-family="${FONT}">
    <title>${label}</title>
    ${grid}
    <rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#cbd5e1"/>
    <line class="roc-chance" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="${CHANCE}" stroke-width="1.5" stroke-dasharray="5 5"/>
    ${curve}
    <g class="legend">
      <rect x="${lx}" y="${ly}" width="142" height="44" rx="6" fill="#ffffff" fill-opacity="0.92" stroke="${GRID}"/>
      <line x1="${lx + 10}" y1="${ly + 15}" x2="${lx + 30}" y2="${ly + 15}" stroke="${BLUE}" stroke-width="2.5"/>
      <text x="${lx + 36}" y="${ly + 19}" font-size="12" fill="${INK}">ROC (AUC ${aucText})</text>
      <line x1="${lx + 10}" y1="${ly + 32}" x2="${lx + 30}" y2="${ly + 32}" stroke="${CHANCE}" stroke-width="1.5" stroke-dasharray="5 5"/>
      <text x="${lx + 36}" y="${ly + 36}" font-size="12" fill="${INK}">Chance (AUC 0.5)</text>
    </g>
    <text x="${c(left + size / 2)}" y="${c(top + size + 38)}" text-anchor="middle" font-size="12" fill="${INK}">False positive rate</text>
    <text transform="translate(16 ${c(top + size / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${INK}">True positive rate</text>
  </svg>`;
}
