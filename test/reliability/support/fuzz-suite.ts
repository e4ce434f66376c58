// The assertions and the summary row shared by the fast (npm test) and full (test:reliability) fuzzing suites.
import assert from 'node:assert/strict';
import type { FuzzReport } from './fuzz-server';
import { recordSuite } from './results';

const MB = 1024 * 1024;

/**
 * Heap growth allowed between the warm-up probe and the end (both after a forced GC). A request that left even
 * 500 bytes behind would grow the heap by 5 MB over 10,000 requests, so 4 MB separates a leak from noise (the
 * baseline itself moves by well under 1 MB between probes). RSS is bounded loosely (64 MB): it holds the
 * allocator's pages kept after multi-MB bodies, which is reuse, not a leak; it is printed for the record.
 */
export const HEAP_GROWTH_LIMIT = 4 * MB;
export const RSS_GROWTH_LIMIT = 64 * MB;

export function checkAndRecord(suite: string, seed: number, r: FuzzReport): void {
  const serverErrors = Object.entries(r.statuses)
    .filter(([s]) => s.startsWith('5'))
    .reduce((n, [, c]) => n + c, 0);
  const heapGrowth = r.end.heapUsed - r.warm.heapUsed;
  const rssGrowth = r.end.rss - r.warm.rss;
  const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
  recordSuite({
    suite,
    cases: r.cases,
    outcomes: r.statuses,
    serverErrors,
    crashes: (r.childExit === 0 ? 0 : 1) + (r.healthAfter === 200 ? 0 : 1) + r.end.unexpected,
    notes:
      `seed ${seed}; ${r.mismatches.length} unexpected statuses; health after ${r.healthAfter}; ` +
      `heap ${mb(r.warm.heapUsed)} -> ${mb(r.end.heapUsed)}, RSS ${mb(r.warm.rss)} -> ${mb(r.end.rss)} ` +
      `(after warm-up -> end, GC forced); ${(r.ms / 1000).toFixed(1)} s`,
  });
  assert.deepEqual(r.mismatches.slice(0, 10), [], `seed ${seed}: answers other than expected`);
  assert.equal(serverErrors, 0);
  assert.ok(
    Object.keys(r.statuses).every((s) => ['200', '400', '413'].includes(s)),
    JSON.stringify(r.statuses),
  );
  assert.equal(r.healthAfter, 200, 'the server must still be healthy');
  assert.equal(r.end.unexpected, 0, 'no request may reach the unexpected-error path');
  assert.deepEqual(r.end.prototypeKeys, [], 'Object.prototype gained keys');
  assert.equal(r.childExit, 0, 'the server process must close cleanly');
  assert.ok(heapGrowth < HEAP_GROWTH_LIMIT, `heap grew by ${mb(heapGrowth)}`);
  assert.ok(rssGrowth < RSS_GROWTH_LIMIT, `RSS grew by ${mb(rssGrowth)}`);
}
