import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRows, recordSuite, RESULTS_DIR_ENV } from './support/results';
import { formatSummary } from './support/summary-table';

describe('reliability: results rows and the summary table', () => {
  it('records rows only inside a reliability run, reads them back, and flags non-zero failure columns', () => {
    const saved = process.env[RESULTS_DIR_ENV];
    const dir = mkdtempSync(join(tmpdir(), 'rows-'));
    try {
      delete process.env[RESULTS_DIR_ENV];
      assert.equal(recordSuite({ suite: 'x', cases: 1, outcomes: {} }), undefined);
      process.env[RESULTS_DIR_ENV] = dir;
      recordSuite({
        suite: 'duplicates (200 deliveries)',
        cases: 200,
        outcomes: { DEPLOYED: 199, FAILED: 1 },
        duplicates: 1,
        lost: 0,
      });
      recordSuite({ suite: 'bad datasets', cases: 3, outcomes: { ACCEPTED: 1, REJECTED: 2 }, crashes: 0, notes: 'n' });
      const rows = readRows(dir);
      assert.deepEqual(
        rows.map((r) => r.suite),
        ['bad datasets', 'duplicates (200 deliveries)'],
      );
      const table = formatSummary(rows).split('\n');
      assert.match(table[0] as string, /^suite +\| cases \| outcomes +\| 5xx \| crashes \| duplicates \| lost$/);
      assert.match(table[2] as string, /^bad datasets .*\| ACCEPTED: 1, REJECTED: 2 .*\| +0 \| +- \| +-$/);
      assert.match(table[3] as string, /DEPLOYED: 199, FAILED: 1 .*\| +1 \| +0 {2}<-- NOT ZERO$/);
      assert.ok(table.includes('  bad datasets: n'));
    } finally {
      if (saved === undefined) delete process.env[RESULTS_DIR_ENV];
      else process.env[RESULTS_DIR_ENV] = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
