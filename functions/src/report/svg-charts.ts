// The report's two charts as inline SVG (no script, no external resource): the confusion matrix as a heat grid and
// the ROC curve with its axes, the chance diagonal and the AUC in the legend. Numbers only come from the inputs;
// every text passes through the escaping `markup` tag.
import type { Confusion, RocPoint } from '../../../trainer/src/metrics';
import { markup, type SafeHtml } from './html';

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

/**
 * The 2×2 confusion matrix at the 0.5 threshold: rows are the actual class, columns the predicted one. A cell's shade
 * is its share of the actual class (so the diagonal reads as per-class recall); correct cells blue, errors red.
 */
export function confusionMatrixSvg(m: Confusion): SafeHtml {
  const actualPos = m.truePositive + m.falseNegative;
  const actualNeg = m.falsePositive + m.trueNegative;
  const cells = [
    { row: 0, col: 0, n: m.truePositive, of: actualPos, ok: true, name: 'true positive' },
    { row: 0, col: 1, n: m.falseNegative, of: actualPos, ok: false, name: 'false negative' },
    { row: 1, col: 0, n: m.falsePositive, of: actualNeg, ok: false, name: 'false positive' },
    { row: 1, col: 1, n: m.trueNegative, of: actualNeg, ok: true, name: 'true negative' },
  ];
  const [x0, y0, w, h] = [96, 52, 116, 92];
  const label =
    `Confusion matrix: ${m.truePositive} true positives, ${m.falseNegative} false negatives, ` +
    `${m.falsePositive} false positives, ${m.trueNegative} true negatives`;
  const rects = cells.map((cell) => {
    const share = cell.of > 0 ? cell.n / cell.of : 0;
    const opacity = 0.08 + 0.8 * share;
    const [x, y, mid] = [x0 + cell.col * w, y0 + cell.row * h, x0 + cell.col * w + (w - 4) / 2];
    const fg = opacity > 0.5 ? '#ffffff' : INK;
    return markup`<g class="cm-cell" data-cell="${cell.name}">
      <rect x="${x}" y="${y}" width="${w - 4}" height="${h - 4}" rx="8" fill="${cell.ok ? BLUE : RED}" fill-opacity="${c(opacity)}"/>
      <text x="${mid}" y="${y + 36}" text-anchor="middle" font-size="26" font-weight="650" fill="${fg}">${cell.n}</text>
      <text x="${mid}" y="${y + 56}" text-anchor="middle" font-size="12" fill="${fg}">${pct(cell.n, cell.of)}</text>
      <text x="${mid}" y="${y + 73}" text-anchor="middle" font-size="10.5" fill="${fg}" fill-opacity="0.85">${cell.name}</text>
    </g>`;
  });
  return markup`<svg class="chart" role="img" aria-label="${label}" viewBox="0 0 340 260" width="340" height="260"
      xmlns="http://www.w3.org/2000/svg" font-family="${FONT}">
    <title>${label}</title>
    <text x="${x0 + w - 2}" y="18" text-anchor="middle" font-size="12" font-weight="600" fill="${MUTED}">PREDICTED</text>
    <text x="${x0 + (w - 4) / 2}" y="40" text-anchor="middle" font-size="12.5" fill="${INK}">Survived</text>
    <text x="${x0 + w + (w - 4) / 2}" y="40" text-anchor="middle" font-size="12.5" fill="${INK}">Died</text>
    <text transform="translate(18 ${y0 + h - 2}) rotate(-90)" text-anchor="middle" font-size="12" font-weight="600"
      fill="${MUTED}">ACTUAL</text>
    <text x="${x0 - 10}" y="${y0 + h / 2}" text-anchor="end" font-size="12.5" fill="${INK}">Survived</text>
    <text x="${x0 - 10}" y="${y0 + h + h / 2}" text-anchor="end" font-size="12.5" fill="${INK}">Died</text>
    ${rects}
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
