// `npm run test:reliability`: runs every reliability suite (the fast ones from `npm test` and the *.slow ones) with
// the full sizes, each recording a row in a fresh results directory, then prints the summary table. Exits with
// mocha's code: the table is printed even when a suite fails, so the figures of a failing run are not lost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FULL_ENV, readRows, RESULTS_DIR_ENV } from './support/results';
import { formatSummary } from './support/summary-table';

const dir = mkdtempSync(join(tmpdir(), 'reliability-results-'));
const mocha = spawnSync(
  process.execPath,
  [
    require.resolve('mocha/bin/mocha.js'),
    '--config',
    join(__dirname, 'mocharc.json'),
    ...process.argv.slice(2), // e.g. --grep "server fuzzing"
  ],
  { stdio: 'inherit', env: { ...process.env, [RESULTS_DIR_ENV]: dir, [FULL_ENV]: '1' } },
);
const rows = readRows(dir);
process.stdout.write(`\nReliability summary (${rows.length} suites)\n\n`);
process.stdout.write(`${formatSummary(rows)}\n`);
rmSync(dir, { recursive: true, force: true });
process.exitCode = mocha.status ?? 1;
