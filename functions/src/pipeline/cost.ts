// A run's cost estimate: list prices × durations, pure (no I/O, no clock). Prices come from a table that names its
// source and the day it was read; a figure nobody confirmed is null in the table and a note in the estimate, never a
// guess. The estimate ignores free tiers, discounts and storage: it says what the run would cost at list price.

/** Machine type → USD price per unit; null when the figure could not be confirmed from the source. */
export type PriceList = Readonly<Record<string, number | null>>;

/** List prices for one region, with their provenance. */
export interface PricingTable {
  /** Page the Vertex AI figures come from (URL). */
  source: string;
  /** Page the Cloud Build figures come from (URL). */
  buildSource: string;
  /** Day the figures were read, YYYY-MM-DD. */
  retrieved: string;
  currency: 'USD';
  region: string;
  /** Cloud Build default pool, per build-minute (partial minutes billed by the second). */
  cloudBuildPerMinute: PriceList;
  /** Vertex AI custom training, per machine-hour (one replica). */
  trainingPerHour: PriceList;
  /** Vertex AI online prediction, per node-hour: billed for every deployed node, traffic or not. */
  predictionNodePerHour: PriceList;
  /** What the table does not account for; copied into every estimate's notes. */
  caveats: readonly string[];
}

/**
 * The default table (us-central1), read on 2026-11-26.
 * - Cloud Build: https://cloud.google.com/build/pricing — default pool, e2-standard-2 $0.006 / build-minute.
 * - Vertex AI training n1-standard-4 $0.21849885 / hour: https://cloud.google.com/vertex-ai/pricing as transcribed
 *   (verbatim, read 2026-10-07) in github.com/api-evangelist/google-vertex-ai plans/google-vertex-ai-plans-pricing.yml;
 *   the transcription does not state the region.
 * - Vertex AI prediction (n1-standard-2, the default serving machine, and n1-standard-4, n1-highmem-2, e2-standard-2,
 *   e2-standard-4): the per-node-hour figures are in the "Prediction and explanation" tables of
 *   https://cloud.google.com/vertex-ai/pricing, but no copy of those tables could be read on 2026-12-02, nor on
 *   2026-12-07 (searched again: the stored copies of the page, English and translated, stop before them; the
 *   transcription above has no prediction rows), so null: an estimate says "not confirmed" rather than a guess. Set
 *   the figures you see on that page with PREDICTION_PRICES (see parsePriceOverrides) — they then replace the nulls
 *   and the estimate names the override as its source.
 * - Vertex AI training on the larger machines a TRAINING_MACHINE_BANDS band may name (n1-standard-8, n1-standard-16,
 *   n1-highmem-8, n1-highmem-16, e2-standard-4, e2-standard-8): listed so an estimate says "not confirmed" for them,
 *   null because no stored source gave their figures on 2026-12-07 (the transcription above has n1-standard-4 only).
 */
export const DEFAULT_PRICING: PricingTable = {
  source: 'https://cloud.google.com/vertex-ai/pricing',
  buildSource: 'https://cloud.google.com/build/pricing',
  retrieved: '2026-11-26',
  currency: 'USD',
  region: 'us-central1',
  cloudBuildPerMinute: {
    'e2-medium': 0.003,
    'e2-standard-2': 0.006,
    'e2-highcpu-8': 0.016,
    'e2-highcpu-32': 0.064,
  },
  trainingPerHour: {
    'n1-standard-4': 0.21849885,
    'n1-standard-8': null,
    'n1-standard-16': null,
    'n1-highmem-8': null,
    'n1-highmem-16': null,
    'e2-standard-4': null,
    'e2-standard-8': null,
  },
  predictionNodePerHour: {
    'n1-standard-2': null,
    'n1-standard-4': null,
    'n1-highmem-2': null,
    'e2-standard-2': null,
    'e2-standard-4': null,
  },
  caveats: [
    'List prices before the Cloud Build free tier (2,500 build-minutes a month per billing account, e2-standard-2 default pool).',
    'The training price was transcribed from the Vertex AI pricing page without its region; us-central1 is assumed.',
    'Whether Vertex AI custom training bills a minimum duration is not confirmed; training is priced per second of run time.',
  ],
};

/** Which price list an override names. */
const OVERRIDE_LISTS = {
  prediction: 'predictionNodePerHour',
  training: 'trainingPerHour',
  build: 'cloudBuildPerMinute',
} as const;

export type PriceOverrides = Partial<Record<keyof typeof OVERRIDE_LISTS, Record<string, number>>>;

const MACHINE = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;

/**
 * Parses price overrides as configured: comma-separated `<machine>=<usd>` (e.g. the value of PREDICTION_PRICES,
 * `n1-standard-2=0.1,e2-standard-2=0.08`), for one price list. Throws naming the bad entry.
 */
export function parsePriceOverrides(spec: string, what = 'prices'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(part);
    const usd = m ? Number(m[2]) : NaN;
    if (!m || !MACHINE.test(m[1]!) || !Number.isFinite(usd) || usd < 0 || m[2]!.trim() === '')
      throw new Error(`${what}: "${part}" is not <machine-type>=<USD price ≥ 0>`);
    out[m[1]!] = usd;
  }
  return out;
}

/** The table with configured prices laid over it; the estimate's sources then say the figures were configured. */
export function withPriceOverrides(table: PricingTable, overrides: PriceOverrides): PricingTable {
  const applied = Object.entries(overrides).filter(([, prices]) => prices && Object.keys(prices).length > 0);
  if (applied.length === 0) return table;
  const next = { ...table };
  for (const [list, prices] of applied) {
    const key = OVERRIDE_LISTS[list as keyof typeof OVERRIDE_LISTS];
    next[key] = { ...table[key], ...prices };
  }
  const names = applied.flatMap(([list, prices]) => Object.keys(prices!).map((m) => `${list} ${m}`));
  return {
    ...next,
    caveats: [...table.caveats, `Configured prices (not from the table's source): ${names.join(', ')}.`],
  };
}

/** What a run used. A missing duration means the stage did not run (costs 0). */
export interface CostInput {
  buildSeconds?: number;
  buildMachineType?: string;
  trainingSeconds?: number;
  trainingMachineType?: string;
  servingMachineType?: string;
  /** Nodes (replicas) this run's model keeps deployed; 0 or missing when it was not deployed. */
  deployedNodes?: number;
}

/** USD figures rounded to 4 decimals; null where a price or duration was unknown (see notes). */
export interface CostEstimate {
  buildUsd: number | null;
  trainingUsd: number | null;
  servingUsdPerDay: number | null;
  /** Build + training; null when either is unknown. */
  totalOnceUsd: number | null;
  currency: 'USD';
  region: string;
  notes: string[];
  source: string;
  buildSource: string;
  retrieved: string;
}

/** Rounds half away from zero at 4 decimals, correcting binary noise first (0.00015 stays 0.0002). */
export function roundUsd(v: number): number {
  const scaled = Number((Math.abs(v) * 1e4).toPrecision(12));
  return (Math.sign(v) * Math.round(scaled)) / 1e4 + 0;
}

type Priced = { usd: number | null; note?: string };

/** amount × unit price, or null with a note when the amount is unusable or the machine has no confirmed price. */
function price(what: string, amount: number, machine: string | undefined, prices: PriceList, unit: string): Priced {
  if (!Number.isFinite(amount) || amount < 0) return { usd: null, note: `${what}: unusable amount (${amount})` };
  if (amount === 0) return { usd: 0 };
  if (!machine) return { usd: null, note: `${what}: no machine type recorded` };
  const rate = Object.hasOwn(prices, machine) ? prices[machine] : undefined;
  if (rate === undefined) return { usd: null, note: `${what}: no price for machine type "${machine}" in the table` };
  if (rate === null) return { usd: null, note: `${what}: the ${unit} price of "${machine}" is not confirmed (null)` };
  return { usd: roundUsd(amount * rate) };
}

/** Estimates a run's build and training cost and its model's serving cost per day at the table's list prices. */
export function estimateRunCost(input: CostInput, table: PricingTable = DEFAULT_PRICING): CostEstimate {
  const build = price(
    'build',
    (input.buildSeconds ?? 0) / 60,
    input.buildMachineType,
    table.cloudBuildPerMinute,
    'build-minute',
  );
  const training = price(
    'training',
    (input.trainingSeconds ?? 0) / 3600,
    input.trainingMachineType,
    table.trainingPerHour,
    'machine-hour',
  );
  const serving = price(
    'serving',
    (input.deployedNodes ?? 0) * 24,
    input.servingMachineType,
    table.predictionNodePerHour,
    'node-hour',
  );
  const notes = [build, training, serving].flatMap((p) => (p.note ? [p.note] : []));
  const totalOnceUsd = build.usd === null || training.usd === null ? null : roundUsd(build.usd + training.usd);
  return {
    buildUsd: build.usd,
    trainingUsd: training.usd,
    servingUsdPerDay: serving.usd,
    totalOnceUsd,
    currency: table.currency,
    region: table.region,
    notes: [...notes, ...table.caveats],
    source: table.source,
    buildSource: table.buildSource,
    retrieved: table.retrieved,
  };
}
