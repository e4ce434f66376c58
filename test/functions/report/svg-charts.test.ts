import assert from 'node:assert/strict';
import { confusionMatrixSvg, rocCurveSvg } from '../../../functions/src/report/svg-charts';

/** The "x,y" pairs of the ROC curve path. */
function curvePoints(svg: string): [number, number][] {
  const d = /class="roc-curve"[^>]* d="([^"]+)"/.exec(svg)?.[1];
  if (!d) return [];
  return [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('report/svg-charts', () => {
  describe('confusionMatrixSvg', () => {
    const svg = confusionMatrixSvg({ truePositive: 53, falseNegative: 15, falsePositive: 13, trueNegative: 97 }).value;

    it('draws four cells with their counts and per-actual-class shares', () => {
      assert.equal((svg.match(/class="cm-cell"/g) ?? []).length, 4);
      for (const text of ['>53<', '>15<', '>13<', '>97<', '77.9%', '22.1%', '11.8%', '88.2%'])
        assert.ok(svg.includes(text), text);
    });

    it('labels the axes and describes itself for screen readers', () => {
      assert.match(svg, /PREDICTED/);
      assert.match(svg, /ACTUAL/);
      assert.match(
        svg,
        /aria-label="Confusion matrix: 53 true positives, 15 false negatives, 13 false positives, 97 true negatives"/,
      );
    });

    it('shades a cell by its share of the actual class', () => {
      const opacity = (name: string): number =>
        Number(new RegExp(`data-cell="${name}">\\s*<rect[^>]*fill-opacity="([\\d.]+)"`).exec(svg)?.[1]);
      assert.ok(opacity('true negative') > opacity('false positive'));
      assert.ok(opacity('true positive') > opacity('false negative'));
    });

    it('survives an empty class (no division by zero)', () => {
      const empty = confusionMatrixSvg({ truePositive: 0, falseNegative: 0, falsePositive: 3, trueNegative: 7 }).value;
      assert.doesNotMatch(empty, /NaN|Infinity/);
      assert.ok(empty.includes('—'));
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
