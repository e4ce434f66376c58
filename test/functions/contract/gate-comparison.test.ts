import assert from 'node:assert/strict';
import {
  decideGate,
  gatePolicy,
  type GateInputs,
  type GatePolicy,
} from '../../../functions/src/contract/gate-comparison';

const acc: GatePolicy = { metric: 'accuracy', direction: 'higher', floor: 0.75, tolerance: 0.01 };
const logLoss: GatePolicy = { metric: 'logLoss', direction: 'lower', floor: 0.6, tolerance: 0.02 };
const rmse: GatePolicy = { metric: 'rmse', direction: 'lower', floor: 60, tolerance: 0 };

const inputs = (
  metrics: Record<string, number | null>,
  opts: { baseline?: Record<string, number | null>; recorded?: Record<string, number> } = {},
): GateInputs => ({
  candidate: {
    metrics,
    rows: { total: 891, holdout: 179 },
    holdout: { description: 'seeded 80/20 split, seed 42' },
    ...(opts.baseline ? { baseline: { metrics: opts.baseline } } : {}),
  },
  ...(opts.recorded ? { servingRecorded: opts.recorded } : {}),
});

describe('contract/gate-comparison', () => {
  const table: {
    name: string;
    policy: GatePolicy;
    in: GateInputs;
    promote: boolean;
    comparison: 'like-for-like' | 'recorded' | 'none';
    serving: number | null;
    threshold: number | null;
  }[] = [
    // The issue's case: a model trained on a half-written file recorded 0.86 on its own small hold-out; scored on
    // the candidate's rows it gets 0.80, so the honest full-file candidate (0.848) is promoted.
    {
      name: 'like-for-like: the baseline scored on the same rows decides',
      policy: acc,
      in: inputs({ accuracy: 0.848 }, { baseline: { accuracy: 0.8 }, recorded: { accuracy: 0.86 } }),
      promote: true,
      comparison: 'like-for-like',
      serving: 0.8,
      threshold: 0.79,
    },
    {
      name: 'without a baseline: falls back to the recorded figure, not like-for-like',
      policy: acc,
      in: inputs({ accuracy: 0.848 }, { recorded: { accuracy: 0.86 } }),
      promote: false,
      comparison: 'recorded',
      serving: 0.86,
      threshold: 0.85,
    },
    {
      name: 'first run: the floor alone',
      policy: acc,
      in: inputs({ accuracy: 0.8 }),
      promote: true,
      comparison: 'none',
      serving: null,
      threshold: 0.75,
    },
    {
      name: 'first run below the floor',
      policy: acc,
      in: inputs({ accuracy: 0.7 }),
      promote: false,
      comparison: 'none',
      serving: null,
      threshold: 0.75,
    },
    {
      name: 'like-for-like, worse than serving beyond tolerance',
      policy: acc,
      in: inputs({ accuracy: 0.8 }, { baseline: { accuracy: 0.82 } }),
      promote: false,
      comparison: 'like-for-like',
      serving: 0.82,
      threshold: 0.81,
    },
    {
      name: 'within tolerance, float noise cleaned (0.8 - 0.01 = 0.79)',
      policy: acc,
      in: inputs({ accuracy: 0.79 }, { baseline: { accuracy: 0.8 } }),
      promote: true,
      comparison: 'like-for-like',
      serving: 0.8,
      threshold: 0.79,
    },
    {
      name: 'lower is better: candidate lower passes',
      policy: logLoss,
      in: inputs({ logLoss: 0.4 }, { baseline: { logLoss: 0.45 } }),
      promote: true,
      comparison: 'like-for-like',
      serving: 0.45,
      threshold: 0.47,
    },
    {
      name: 'lower is better: candidate above serving + tolerance fails',
      policy: logLoss,
      in: inputs({ logLoss: 0.5 }, { baseline: { logLoss: 0.45 } }),
      promote: false,
      comparison: 'like-for-like',
      serving: 0.45,
      threshold: 0.47,
    },
    {
      name: 'lower is better: fails the floor (a ceiling)',
      policy: logLoss,
      in: inputs({ logLoss: 0.7 }),
      promote: false,
      comparison: 'none',
      serving: null,
      threshold: 0.6,
    },
    {
      name: 'regression rmse, lower is better, like-for-like',
      policy: rmse,
      in: inputs({ rmse: 53 }, { baseline: { rmse: 56.1 }, recorded: { rmse: 50 } }),
      promote: true,
      comparison: 'like-for-like',
      serving: 56.1,
      threshold: 56.1,
    },
    {
      name: 'NaN candidate holds the run',
      policy: acc,
      in: inputs({ accuracy: NaN }, { baseline: { accuracy: 0.8 } }),
      promote: false,
      comparison: 'like-for-like',
      serving: 0.8,
      threshold: null,
    },
    {
      name: 'null candidate (not computed) holds the run',
      policy: acc,
      in: inputs({ accuracy: null }),
      promote: false,
      comparison: 'none',
      serving: null,
      threshold: null,
    },
    {
      name: 'missing candidate metric holds the run',
      policy: acc,
      in: inputs({ rocAuc: 0.9 }),
      promote: false,
      comparison: 'none',
      serving: null,
      threshold: null,
    },
    {
      name: 'NaN baseline falls back to the recorded figure',
      policy: acc,
      in: inputs({ accuracy: 0.9 }, { baseline: { accuracy: NaN }, recorded: { accuracy: 0.85 } }),
      promote: true,
      comparison: 'recorded',
      serving: 0.85,
      threshold: 0.84,
    },
    {
      name: 'baseline without the gate metric falls back',
      policy: acc,
      in: inputs({ accuracy: 0.9 }, { baseline: { rocAuc: 0.9 }, recorded: { accuracy: 0.95 } }),
      promote: false,
      comparison: 'recorded',
      serving: 0.95,
      threshold: 0.94,
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const d = decideGate(c.policy, c.in);
      assert.deepEqual(
        { promote: d.promote, comparison: d.comparison, serving: d.serving, threshold: d.threshold },
        { promote: c.promote, comparison: c.comparison, serving: c.serving, threshold: c.threshold },
        d.reason,
      );
      assert.equal(d.direction, c.policy.direction);
    });
  }

  it('says which rows both figures were measured on, and marks the fallback', () => {
    const same = decideGate(acc, inputs({ accuracy: 0.85 }, { baseline: { accuracy: 0.8 } }));
    assert.equal(same.rows, "both scored on the candidate's 179 hold-out rows (seeded 80/20 split, seed 42)");
    assert.match(same.reason, /like-for-like\)$/);
    const fallback = decideGate(acc, inputs({ accuracy: 0.85 }, { recorded: { accuracy: 0.8 } }));
    assert.match(fallback.rows ?? '', /^not like-for-like: /);
    assert.match(fallback.reason, /not like-for-like/);
    assert.match(decideGate(acc, inputs({})).reason, /missing from metrics\.json/);
  });

  describe('gatePolicy: the manifest gate with the GATE_* overrides', () => {
    const manifest = {
      metrics: [
        { name: 'mae', direction: 'lower' as const },
        { name: 'rmse', direction: 'lower' as const },
        { name: 'r2', direction: 'higher' as const },
      ],
      gate: { metric: 'rmse', floor: 65, tolerance: 0 },
    };
    it('takes metric, direction, floor and tolerance from the manifest', () =>
      assert.deepEqual(gatePolicy(manifest), { metric: 'rmse', direction: 'lower', floor: 65, tolerance: 0 }));
    it('applies the overrides, the direction always from the manifest', () =>
      assert.deepEqual(gatePolicy(manifest, { metric: 'r2', floor: 0.3, tolerance: 0.02 }), {
        metric: 'r2',
        direction: 'higher',
        floor: 0.3,
        tolerance: 0.02,
      }));
    it('keeps the manifest floor for its own metric; tolerance defaults to 0', () =>
      assert.deepEqual(gatePolicy({ ...manifest, gate: { metric: 'rmse', floor: 65 } }, { metric: 'rmse' }), {
        metric: 'rmse',
        direction: 'lower',
        floor: 65,
        tolerance: 0,
      }));
    it('refuses a metric the manifest does not declare, naming GATE_METRIC and the declared ones', () =>
      assert.throws(
        () => gatePolicy(manifest, { metric: 'accuracy', floor: 0.7 }),
        /GATE_METRIC: "accuracy" is not one of the trainer's declared metrics \(mae, rmse, r2\)/,
      ));
    it('refuses another metric without its own floor', () =>
      assert.throws(() => gatePolicy(manifest, { metric: 'mae' }), /GATE_FLOOR: required when GATE_METRIC \(mae\)/));
  });
});
