// The reliability suite's figures. Each suite (in this process or another: a child, the local stack) records one row
// as a JSON file in RELIABILITY_RESULTS_DIR; `npm run test:reliability` prints every row as one table at the end.
// Outside that run (plain `npm test`) recording is a no-op, so the fast suites can record unconditionally.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_DIR_ENV = 'RELIABILITY_RESULTS_DIR';
/** Set to 1 by `npm run test:reliability`: suites use their full sizes (10,000+ bodies, 60 MB files…). */
export const FULL_ENV = 'RELIABILITY_FULL';

export const isFullRun = (): boolean => process.env[FULL_ENV] === '1';

/** One line of the summary table. A figure that does not apply to the suite is left out (printed as "-"). */
export interface SuiteRow {
  /** e.g. "server fuzzing (1,000 bodies)"; also the file name, so one suite run records one row. */
  suite: string;
  /** Cases tried: requests sent, files checked, port calls made, deliveries… */
  cases: number;
  /** Outcome → count, e.g. { "200": 412, "400": 570, "413": 18 } or { ACCEPTED: 6, REJECTED: 17 }. */
  outcomes: Record<string, number>;
  /** Server errors seen (HTTP 5xx); must be 0. */
  serverErrors?: number;
  /** Crashes (a process or server gone, an exception escaping): must be 0. */
  crashes?: number;
  /** The same effect applied more than once (a build, a training, a deploy): must be 0. */
  duplicates?: number;
  /** Runs that never reached a final state: must be 0. */
  lost?: number;
  /** Anything else worth a line: the seed, memory figures, why a check did not run. */
  notes?: string;
}

/** Writes the row where the runner collects them; returns the file, or undefined outside a reliability run. */
export function recordSuite(row: SuiteRow): string | undefined {
  const dir = process.env[RESULTS_DIR_ENV];
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${row.suite.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`);
  writeFileSync(file, `${JSON.stringify(row)}\n`);
  return file;
}

/** Every row recorded in `dir`, in suite-name order. */
export function readRows(dir: string): SuiteRow[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SuiteRow)
    .sort((a, b) => a.suite.localeCompare(b.suite));
}

/** Adds `by` to `key` of a histogram. */
export function count(histogram: Record<string, number>, key: string, by = 1): void {
  histogram[key] = (histogram[key] ?? 0) + by;
}
