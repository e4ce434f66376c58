import assert from 'node:assert/strict';
import { gateMetricSvg } from '../../../../functions/src/local/dashboard/gate-chart';
import type { GatePoint, GateSeries } from '../../../../functions/src/local/dashboard/model';

const point = (runId: string, value: number, over: Partial<GatePoint> = {}): GatePoint => ({
  runId,
  label: runId,
  value,
  threshold: null,
  promote: true,
  overridden: false,
  serving: false,
  ...over,
});
const series = (points: GatePoint[], direction: 'higher' | 'lower' = 'higher'): GateSeries => ({
  metric: 'accuracy',
  direction,
  points,
  otherMetricRuns: 0,
});

/** [cx, cy] of each point's dot (the last circle of its group), in document order. */
function dots(svg: string): [number, number][] {
  return [...svg.matchAll(/<g class="gate-point"[\s\S]*?<\/g>/g)].map((g) => {
    const circles = [...g[0].matchAll(/<circle[^>]*cx="([\d.]+)" cy="([\d.]+)" r="6"/g)];
    const last = circles.at(-1);
    return [Number(last?.[1]), Number(last?.[2])];
  });
}

describe('local/dashboard/gate-chart', () => {
  it('one dot per run, left to right in run order, higher values drawn higher', () => {
    const svg = gateMetricSvg(series([point('a', 0.8), point('b', 0.85), point('c', 0.78)])).value;
    const xy = dots(svg);
    assert.equal(xy.length, 3);
    assert.ok(xy[0]![0] < xy[1]![0] && xy[1]![0] < xy[2]![0], `x in order: ${JSON.stringify(xy)}`);
    assert.ok(xy[1]![1] < xy[0]![1] && xy[0]![1] < xy[2]![1], `y by value: ${JSON.stringify(xy)}`);
    assert.match(svg, /aria-label="accuracy of 3 gated runs, oldest first"/);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  });

  it('colours promoted and held dots apart, rings the serving one, dashes each threshold', () => {
    const svg = gateMetricSvg(
      series([
        point('a', 0.8, { threshold: 0.75, serving: true }),
        point('b', 0.7, { threshold: 0.79, promote: false }),
      ]),
    ).value;
    const fill = (run: string) =>
      new RegExp(`data-run="${run}"[\\s\\S]*?<circle[^>]*r="6" fill="([^"]+)"`).exec(svg)?.[1];
    assert.ok(fill('a') && fill('b') && fill('a') !== fill('b'), `${fill('a')} vs ${fill('b')}`);
    assert.equal((svg.match(/class="gate-serving"/g) ?? []).length, 1);
    assert.match(svg, /data-run="a" data-promote="true" data-serving="true"/);
    assert.equal((svg.match(/class="gate-threshold"/g) ?? []).length, 2);
    assert.match(svg, /<title>b: accuracy 0\.7000 \(threshold 0\.7900\), held<\/title>/);
  });

  it('a single run sits in the middle, a flat series still has a range', () => {
    const [[x, y]] = dots(gateMetricSvg(series([point('a', 0.8)])).value) as [[number, number]];
    assert.equal(x, 60 + (900 - 60 - 24) / 2);
    assert.ok(y > 40 && y < 280 - 44, `inside the plot: ${y}`);
    const flat = gateMetricSvg(series([point('a', 0.8), point('b', 0.8)])).value;
    assert.doesNotMatch(flat, /NaN|Infinity/);
  });

  it('says lower is better for log loss', () => {
    assert.match(
      gateMetricSvg({ ...series([point('a', 0.4)], 'lower'), metric: 'logLoss' }).value,
      /logLoss \(lower is better\)/,
    );
  });

  it('labels at most 14 points (plus the last) when there are many', () => {
    const many = Array.from({ length: 40 }, (_, i) => point(`r${i}`, 0.7 + i / 400));
    const labels = (gateMetricSvg(series(many)).value.match(/class="gate-label"/g) ?? []).length;
    assert.ok(labels <= 15 && labels >= 10, `${labels} labels`);
    assert.equal(dots(gateMetricSvg(series(many)).value).length, 40);
  });

  it('escapes run ids and labels', () => {
    const svg = gateMetricSvg(series([point('<script>x</script>', 0.8, { label: '"><b>' })])).value;
    assert.doesNotMatch(svg, /<script>|"><b>/);
    assert.match(svg, /&lt;script&gt;x&lt;\/script&gt;/);
  });

  it('with nothing gated yet, says so', () => {
    const svg = gateMetricSvg(undefined).value;
    assert.match(svg, /No run has reached the quality gate yet/);
    assert.equal(dots(svg).length, 0);
  });
});
