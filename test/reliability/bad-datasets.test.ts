// Bad datasets at the validation entry point (validateDataset, which the Cloud Function calls before it spends a
// build, and parseTrainingSet, which the trainer uses): each variant gets its documented outcome, with a reason that
// names the row and column where relevant; never a crash, never an unbounded time.
import assert from 'node:assert/strict';
import { DatasetError, parseTrainingSet, validateDataset } from '../../trainer/src/preprocess';
import { DATASET_CASES, largeValidCsv } from './support/dataset-variants';
import { count, isFullRun, recordSuite } from './support/results';

/** Far above the measured times (a few ms for the Kaggle-sized variants): a hang or a quadratic path shows. */
const BOUND_MS = 2_000;

describe('reliability: bad datasets at the validation entry point', () => {
  const outcomes: Record<string, number> = {};
  let crashes = 0;
  let slowest = 0;

  for (const c of DATASET_CASES) {
    it(`${c.name}: ${c.outcome}${c.reason ? ` (${c.reason})` : ''}`, () => {
      const bytes = c.bytes();
      const started = performance.now();
      let result;
      try {
        result = validateDataset(bytes);
      } catch (err) {
        crashes++;
        throw err;
      }
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      count(outcomes, result.problemCount === 0 ? 'ACCEPTED' : 'REJECTED');
      assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
      if (c.outcome === 'ACCEPTED') {
        assert.deepEqual(result.problems, []);
        assert.equal(result.rowCount, c.rows);
        assert.equal(parseTrainingSet(bytes).length, c.rows);
        return;
      }
      assert.ok(result.problemCount > 0, 'expected a rejection');
      const problem = result.problems.find((p) => p.message.includes(c.reason as string));
      assert.ok(
        problem,
        `no problem mentions ${JSON.stringify(c.reason)}: ${JSON.stringify(result.problems.slice(0, 3))}`,
      );
      if (c.row !== undefined) assert.equal(problem.row, c.row);
      if (c.column !== undefined) assert.equal(problem.column, c.column);
      assert.throws(
        () => parseTrainingSet(bytes),
        (err) => err instanceof DatasetError && err.message.includes(c.reason as string),
      );
    });
  }

  const megabytes = isFullRun() ? 5 : 1;
  it(`a valid ${megabytes} MB file is accepted within a bounded time`, () => {
    const bytes = largeValidCsv(megabytes * 1024 * 1024);
    const started = performance.now();
    const result = validateDataset(bytes);
    const ms = performance.now() - started;
    count(outcomes, result.problemCount === 0 ? 'ACCEPTED' : 'REJECTED');
    assert.deepEqual(result.problems, []);
    assert.ok(result.rowCount > megabytes * 14_000, `${result.rowCount} rows`);
    assert.ok(ms < megabytes * BOUND_MS, `took ${ms.toFixed(0)} ms`);
    slowest = Math.max(slowest, ms);
  });

  after(() => {
    recordSuite({
      suite: 'bad datasets',
      cases: DATASET_CASES.length + 1,
      outcomes,
      crashes,
      notes:
        `slowest check ${slowest.toFixed(0)} ms (incl. a ${megabytes} MB valid file); the size cap (60 MB refused ` +
        'before parsing) belongs to the dataset-drop handler: its row comes with the handler suites',
    });
  });
});
