import assert from 'node:assert/strict';
import { confusionMatrixSvg, rocCurveSvg, scatterSvg } from '../../../functions/src/report/svg-charts';

/** The "x,y" pairs of the ROC curve path. */
function curvePoints(svg: string): [number, number][] {
  const d = /class="roc-curve"[^>]* d="([^"]+)"/.exec(svg)?.[1];
  if (!d) return [];
  return [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('report/svg-charts', () => {
  describe('confusionMatrixSvg', () => {
    const binary = {
      labels: ['0', '1'],
      matrix: [
        [97, 13],
        [15, 53],
      ],
    };
    const svg = confusionMatrixSvg(binary, { '0': 'died', '1': 'survived' }).value;

    it('draws one cell per actual × predicted label with its count and per-actual-label share', () => {
      assert.equal((svg.match(/class="cm-cell"/g) ?? []).length, 4);
      for (const text of ['>53<', '>15<', '>13<', '>97<', '77.9%', '22.1%', '11.8%', '88.2%'])
        assert.ok(svg.includes(text), text);
    });

    it('labels the axes with the label names and describes itself for screen readers', () => {
      assert.match(svg, /PREDICTED/);
      assert.match(svg, /ACTUAL/);
      assert.match(svg, />died</);
      assert.match(
        svg,
        /aria-label="Confusion matrix \(rows actual, columns predicted; labels died, survived\): died as died 97, died as survived 13, survived as died 15, survived as survived 53"/,
      );
      assert.match(confusionMatrixSvg(binary).value, /labels 0, 1/, 'the raw labels without names');
    });

    it('shades a cell by its share of the actual label', () => {
      const opacity = (name: string): number =>
        Number(new RegExp(`data-cell="${name}">\\s*<rect[^>]*fill-opacity="([\\d.]+)"`).exec(svg)?.[1]);
      assert.ok(opacity('died as died') > opacity('died as survived'));
      assert.ok(opacity('survived as survived') > opacity('survived as died'));
    });

    it('draws any number of labels (multiclass) and survives an empty class', () => {
      const three = confusionMatrixSvg({
        labels: ['a', 'b', 'c'],
        matrix: [
          [5, 1, 0],
          [0, 0, 0],
          [2, 0, 7],
        ],
      }).value;
      assert.equal((three.match(/class="cm-cell"/g) ?? []).length, 9);
      assert.doesNotMatch(three, /NaN|Infinity/);
      assert.ok(three.includes('—'));
    });
  });

  describe('scatterSvg', () => {
    it('draws every finite point and the guide line, within the plot', () => {
      const points = [
        { x: 50, y: 60 },
        { x: 150, y: 140 },
        { x: 300, y: 260 },
        { x: NaN, y: 1 },
      ];
      const svg = scatterSvg(points, {
        title: 'Predicted vs actual',
        xLabel: 'Actual',
        yLabel: 'Predicted',
        diagonal: true,
      }).value;
      const cx = [...svg.matchAll(/class="scatter-point" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      assert.equal(cx.length, 3);
      for (const [x, y] of cx) assert.ok(x! >= 64 && x! <= 364 && y! >= 14 && y! <= 254, `${x},${y} inside the plot`);
      assert.match(svg, /class="scatter-guide"/);
      assert.match(svg, /aria-label="Predicted vs actual, 3 points"/);
      assert.doesNotMatch(svg, /NaN|Infinity/);
    });

    it('says so when there is nothing to draw', () => {
      const svg = scatterSvg([], { title: 'Residuals', xLabel: 'Predicted', yLabel: 'Residual', zeroLine: true }).value;
      assert.match(svg, /No points recorded/);
      assert.doesNotMatch(svg, /NaN|Infinity/);
    });
  });

  describe('rocCurveSvg', () => {
    const points = [
      { fpr: 0, tpr: 0, threshold: 1 },
      { fpr: 0.1, tpr: 0.6, threshold: 0.8 },
      { fpr: 0.3, tpr: 0.9, threshold: 0.5 },
      { fpr: 1, tpr: 1, threshold: 0.01 },
    ];

    it('draws the curve through every point, from the bottom-left to the top-right corner', () => {
      const pts = curvePoints(rocCurveSvg(points, 0.9062).value);
      assert.equal(pts.length, 4);
      const [first, last] = [pts[0]!, pts[pts.length - 1]!];
      assert.ok(first[0] < last[0] && first[1] > last[1], 'x grows and y (SVG, downwards) shrinks along the curve');
      // TPR 0.6 at FPR 0.1 sits 60% of the way up the plot: y(0.6) - y(0) = -0.6 × plot height.
      const height = first[1] - last[1];
      assert.ok(Math.abs(first[1] - pts[1]![1] - 0.6 * height) < 0.02);
    });

    it('has axes titles, the chance diagonal and the AUC in the legend', () => {
      const svg = rocCurveSvg(points, 0.9062).value;
      assert.match(svg, /False positive rate/);
      assert.match(svg, /True positive rate/);
      assert.match(svg, /class="roc-chance"/);
      assert.match(svg, /ROC \(AUC 0\.906\)/);
    });

    it('drops points outside the unit square or not numbers', () => {
      const pts = curvePoints(
        rocCurveSvg([...points, { fpr: Number.NaN, tpr: 0.5, threshold: 0 }, { fpr: 1.5, tpr: 1, threshold: 0 }], 0.9)
          .value,
      );
      assert.equal(pts.length, 4);
    });

    it('says so when there is no curve to draw, and shows AUC n/a when unknown', () => {
      const svg = rocCurveSvg([], undefined).value;
      assert.doesNotMatch(svg, /class="roc-curve"/);
      assert.match(svg, /No ROC points recorded/);
      assert.match(svg, /AUC n\/a/);
    });
  });
});
