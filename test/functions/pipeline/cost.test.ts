import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseBandEntries } from '../../../functions/src/pipeline/machine-bands';
import {
  DEFAULT_PRICING,
  estimateRunCost,
  parsePriceOverrides,
  withPriceOverrides,
  roundUsd,
  type CostInput,
  type PricingTable,
} from '../../../functions/src/pipeline/cost';

// A table with round numbers so each expected figure can be checked by hand.
const TABLE: PricingTable = {
  source: 'https://example.test/vertex',
  buildSource: 'https://example.test/build',
  retrieved: '2026-01-02',
  currency: 'USD',
  region: 'test-region1',
  cloudBuildPerMinute: { 'b-1': 0.01 },
  trainingPerHour: { 't-1': 0.36 },
  predictionNodePerHour: { 's-1': 0.5, 's-unknown': null },
  caveats: ['test caveat'],
};

const FULL: CostInput = {
  buildSeconds: 300,
  buildMachineType: 'b-1',
  trainingSeconds: 600,
  trainingMachineType: 't-1',
  servingMachineType: 's-1',
  deployedNodes: 2,
};

describe('pipeline/cost', () => {
  describe('estimateRunCost', () => {
    const cases: {
      name: string;
      input: CostInput;
      build: number | null;
      training: number | null;
      perDay: number | null;
      total: number | null;
      note?: RegExp;
    }[] = [
      // 5 min × 0.01 = 0.05; 1/6 h × 0.36 = 0.06; 2 nodes × 24 h × 0.5 = 24.
      { name: 'a full run', input: FULL, build: 0.05, training: 0.06, perDay: 24, total: 0.11 },
      { name: 'a rejected run (nothing ran)', input: {}, build: 0, training: 0, perDay: 0, total: 0 },
      {
        name: 'zero durations',
        input: { ...FULL, buildSeconds: 0, trainingSeconds: 0, deployedNodes: 0 },
        build: 0,
        training: 0,
        perDay: 0,
        total: 0,
      },
      {
        name: 'a held run (not deployed)',
        input: { ...FULL, deployedNodes: undefined },
        build: 0.05,
        training: 0.06,
        perDay: 0,
        total: 0.11,
      },
      {
        name: 'an unknown build machine',
        input: { ...FULL, buildMachineType: 'x-9' },
        build: null,
        training: 0.06,
        perDay: 24,
        total: null,
        note: /build: no price for machine type "x-9"/,
      },
      {
        name: 'an unknown training machine',
        input: { ...FULL, trainingMachineType: 'x-9' },
        build: 0.05,
        training: null,
        perDay: 24,
        total: null,
        note: /training: no price for machine type "x-9"/,
      },
      {
        name: 'a serving price the table marks unconfirmed',
        input: { ...FULL, servingMachineType: 's-unknown' },
        build: 0.05,
        training: 0.06,
        perDay: null,
        total: 0.11,
        note: /serving: the node-hour price of "s-unknown" is not confirmed/,
      },
      {
        name: 'a duration without a machine type',
        input: { ...FULL, trainingMachineType: undefined },
        build: 0.05,
        training: null,
        perDay: 24,
        total: null,
        note: /training: no machine type recorded/,
      },
      {
        name: 'a negative duration (clock skew)',
        input: { ...FULL, buildSeconds: -5 },
        build: null,
        training: 0.06,
        perDay: 24,
        total: null,
        note: /build: unusable amount/,
      },
      {
        name: 'a NaN duration',
        input: { ...FULL, trainingSeconds: Number.NaN },
        build: 0.05,
        training: null,
        perDay: 24,
        total: null,
        note: /training: unusable amount \(NaN\)/,
      },
      {
        name: 'a machine type named like an Object.prototype key',
        input: { ...FULL, buildMachineType: 'toString' },
        build: null,
        training: 0.06,
        perDay: 24,
        total: null,
        note: /no price for machine type "toString"/,
      },
      // 7 s × 0.01 / 60 = 0.0011666… → 0.0012; 1 s × 0.36 / 3600 = 0.0001.
      {
        name: 'rounding to 4 decimals',
        input: { ...FULL, buildSeconds: 7, trainingSeconds: 1, deployedNodes: 1 },
        build: 0.0012,
        training: 0.0001,
        perDay: 12,
        total: 0.0013,
      },
    ];
    for (const c of cases)
      it(`prices ${c.name}`, () => {
        const e = estimateRunCost(c.input, TABLE);
        assert.deepEqual(
          { build: e.buildUsd, training: e.trainingUsd, perDay: e.servingUsdPerDay, total: e.totalOnceUsd },
          { build: c.build, training: c.training, perDay: c.perDay, total: c.total },
        );
        if (c.note)
          assert.ok(
            e.notes.some((n) => c.note!.test(n)),
            `no note matching ${c.note} in ${e.notes.join(' | ')}`,
          );
        else assert.deepEqual(e.notes, TABLE.caveats, 'only the table caveats when every figure is known');
      });

    it('carries the table provenance into the estimate', () => {
      const e = estimateRunCost(FULL, TABLE);
      assert.deepEqual(
        [e.source, e.buildSource, e.retrieved, e.currency, e.region],
        [TABLE.source, TABLE.buildSource, TABLE.retrieved, 'USD', 'test-region1'],
      );
    });
  });

  describe('roundUsd', () => {
    for (const [v, want] of [
      [0.00015, 0.0002],
      [0.00014999, 0.0001],
      [1.23456, 1.2346],
      [-0.00015, -0.0002],
      [-0.00001, 0],
      [0, 0],
    ] as const)
      it(`rounds ${v} to ${want}`, () => assert.ok(Object.is(roundUsd(v), want), `${roundUsd(v)} !== ${want}`));
  });

  describe('DEFAULT_PRICING', () => {
    it('names https sources and a YYYY-MM-DD date', () => {
      assert.match(DEFAULT_PRICING.source, /^https:\/\/cloud\.google\.com\//);
      assert.match(DEFAULT_PRICING.buildSource, /^https:\/\/cloud\.google\.com\//);
      assert.match(DEFAULT_PRICING.retrieved, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(!Number.isNaN(Date.parse(DEFAULT_PRICING.retrieved)));
    });

    it('holds only positive prices or null (unconfirmed), never zero or negative', () => {
      const all = [
        ...Object.values(DEFAULT_PRICING.cloudBuildPerMinute),
        ...Object.values(DEFAULT_PRICING.trainingPerHour),
        ...Object.values(DEFAULT_PRICING.predictionNodePerHour),
      ];
      for (const p of all) assert.ok(p === null || (Number.isFinite(p) && p > 0), `bad price ${p}`);
    });

    it('prices the project defaults (e2-standard-2 build, n1-standard-4 training) and says serving is unconfirmed', () => {
      const e = estimateRunCost({
        buildSeconds: 120,
        buildMachineType: 'e2-standard-2',
        trainingSeconds: 3600,
        trainingMachineType: 'n1-standard-4',
        servingMachineType: 'n1-standard-2',
        deployedNodes: 1,
      });
      assert.equal(e.buildUsd, roundUsd(2 * (DEFAULT_PRICING.cloudBuildPerMinute['e2-standard-2'] as number)));
      assert.equal(e.trainingUsd, roundUsd(DEFAULT_PRICING.trainingPerHour['n1-standard-4'] as number));
      assert.equal(e.servingUsdPerDay, null);
      assert.ok(e.notes.some((n) => /n1-standard-2.*not confirmed/.test(n)));
    });
  });
});

describe('pipeline/cost price table and overrides', () => {
  it('lists the default serving machine and the common ones, unconfirmed (null) until a source gives the figure', () => {
    for (const m of ['n1-standard-2', 'n1-standard-4', 'n1-highmem-2', 'e2-standard-2', 'e2-standard-4']) {
      assert.ok(Object.hasOwn(DEFAULT_PRICING.predictionNodePerHour, m), m);
    }
    const e = estimateRunCost({ servingMachineType: 'e2-standard-4', deployedNodes: 1 });
    assert.equal(e.servingUsdPerDay, null);
    assert.ok(e.notes.some((n) => /not confirmed/.test(n)));
  });

  it('lists every training machine of the documented example bands (terraform.tfvars.example), priced or null', () => {
    const example = /training_machine_bands\s*=\s*"([^"]+)"/.exec(
      readFileSync('terraform/terraform.tfvars.example', 'utf8'),
    );
    assert.ok(example, 'no training_machine_bands example');
    const types = parseBandEntries(example[1] as string).map((b) => b.machineType);
    assert.ok(types.length >= 2, example[1]);
    for (const m of types) assert.ok(Object.hasOwn(DEFAULT_PRICING.trainingPerHour, m), m);
    // A larger band without a confirmed figure: unknown training cost, and the estimate says so.
    const e = estimateRunCost({ trainingSeconds: 60, trainingMachineType: types.at(-1) });
    assert.equal(e.trainingUsd, null);
    assert.ok(
      e.notes.some((n) => n.includes(`"${types.at(-1)}" is not confirmed`)),
      e.notes.join('\n'),
    );
  });

  it('parses configured prices, and names a bad entry', () => {
    assert.deepEqual(parsePriceOverrides('n1-standard-2=0.1, e2-standard-2 = 0.08,'), {
      'n1-standard-2': 0.1,
      'e2-standard-2': 0.08,
    });
    assert.deepEqual(parsePriceOverrides(''), {});
    for (const bad of ['n1-standard-2', 'n1-standard-2=', 'n1-standard-2=-1', 'n1-standard-2=abc', 'N1=1', '=1']) {
      assert.throws(() => parsePriceOverrides(bad, 'PREDICTION_PRICES'), /PREDICTION_PRICES: ".*" is not/, bad);
    }
  });

  it('a configured serving price replaces the null, and the estimate says it was configured', () => {
    const table = withPriceOverrides(DEFAULT_PRICING, { prediction: { 'n1-standard-2': 0.25 } });
    const e = estimateRunCost({ servingMachineType: 'n1-standard-2', deployedNodes: 2 }, table);
    assert.equal(e.servingUsdPerDay, roundUsd(2 * 24 * 0.25));
    assert.ok(e.notes.some((n) => /Configured prices .*prediction n1-standard-2/.test(n)));
    // The default table is untouched.
    assert.equal(DEFAULT_PRICING.predictionNodePerHour['n1-standard-2'], null);
    assert.equal(withPriceOverrides(DEFAULT_PRICING, {}), DEFAULT_PRICING);
  });
});
