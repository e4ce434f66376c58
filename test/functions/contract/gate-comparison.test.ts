import assert from 'node:assert/strict';
import { decideGate, type GateInputs, type GatePolicy } from '../../../functions/src/contract/gate-comparison';
import { decide } from '../../../functions/src/pipeline/quality-gate';

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
    // The case: a model trained on a half-written file recorded 0.86 on its own small hold-out; scored on
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
    assert.match(fallback.rows, /^not like-for-like: /);
    assert.match(fallback.reason, /not like-for-like/);
    assert.match(decideGate(acc, inputs({})).reason, /missing from metrics\.json/);
  });

  it("keeps today's semantics (pipeline/quality-gate.ts) when comparing with the recorded figure", () => {
    for (const candidate of [0.7, 0.75, 0.79, 0.8, 0.81, 0.9, NaN])
      for (const serving of [undefined, 0.74, 0.8, 0.82, 0.95])
        for (const policy of [acc, { ...logLoss, metric: 'logLoss' as const }]) {
          const today = decide({ ...policy, metric: policy.metric as 'accuracy' }, candidate, serving);
          const now = decideGate(
            policy,
            inputs(
              { [policy.metric]: candidate },
              serving === undefined ? {} : { recorded: { [policy.metric]: serving } },
            ),
          );
          assert.deepEqual(
            [now.promote, now.threshold, now.candidate, now.serving, now.direction],
            [today.promote, today.threshold, today.candidate, today.serving, today.direction],
            `${policy.metric} ${candidate} vs ${serving}`,
          );
        }
  });
});
