// Batch scoring on the local stack, over real processes and the same function code: after a training run deploys,
// Kaggle's 418-row test.csv dropped under score/ comes back as score/test.predictions.csv (PassengerId, then the
// trainer's prediction and its probability, in input order), scored by the batch twin running the serving image's
// server; a second drop after a new version deploys is scored with that version, and its run records it.
import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { RunReader } from '../../functions/src/cli/runs';
import { readJson } from '../../functions/src/local/json-objects';
import type { LocalBatchJob } from '../../functions/src/local/batch-twin';
import type { LocalObjectStore } from '../../functions/src/local/object-store';
import type { RunRecord } from '../../functions/src/pipeline/run-record';
import { isTerminal } from '../../functions/src/pipeline/run-state';
import { closeStackChild, openStackChild, until, type StackChild } from './support/stack-child';

const REPO = join(__dirname, '../..');
const TEST_CSV = join(REPO, 'test/fixtures/titanic/test.csv');

describe('e2e: batch scoring on the local stack', function () {
  this.timeout(120_000);
  let root: string;
  let stack: StackChild;
  let store: LocalObjectStore;
  let runs: RunReader;
  const finalRun = (r: RunRecord | undefined) => (r && isTerminal(r.state) ? r : undefined);

  /** Copies a file into a watched folder; returns its run once final. */
  async function drop(folder: string, prefix: string, file: string, as: string): Promise<RunRecord> {
    await copyFile(file, join(folder, as));
    const info = await until(`${prefix}${as} stored`, () => store.stat('data', `${prefix}${as}`));
    return until(
      `run for ${prefix}${as}`,
      async () => finalRun(await runs.forDataset('data', `${prefix}${as}`, info.generation)),
      90_000,
    );
  }
  const train = () => drop(stack.dropFolder, 'datasets/', join(REPO, 'trainer/data/train.csv'), 'train.csv');
  const score = (as: string) => drop(stack.scoringFolder, 'score/', TEST_CSV, as);

  before(async () => ({ root, store, runs, stack } = await openStackChild('e2e-scoring-')));
  after(() => closeStackChild(stack, root));

  it('after a deploy, test.csv under score/ comes back as test.predictions.csv: 418 rows in input order', async () => {
    const trained = await train();
    assert.equal(trained.state, 'DEPLOYED', JSON.stringify(trained.errors));
    const run = await score('test.csv');
    assert.equal(run.kind, 'scoring');
    assert.equal(run.state, 'SCORED', JSON.stringify(run.errors));
    assert.deepEqual(run.scoring?.model, trained.training?.model, 'scored with the version that serves');
    assert.equal(run.scoring?.servingRunId, trained.runId);
    assert.equal(run.scoring?.predictionsUri, 'gs://data/score/test.predictions.csv');
    assert.equal(run.scoring?.summary?.rows, 418);

    const input = parse(await readFile(TEST_CSV, 'utf8')) as string[][];
    const text = (await store.read('data', 'score/test.predictions.csv'))?.data.toString('utf8');
    assert.ok(text, 'predictions written');
    const out = parse(text) as string[][];
    // The Titanic trainer's prediction item is {survived, probability} (trainer/README.md): its fields are the columns.
    assert.deepEqual(out[0], ['PassengerId', 'survived', 'probability']);
    assert.equal(out.length - 1, 418);
    assert.deepEqual(
      out.slice(1).map((r) => r[0]),
      input.slice(1).map((r) => r[0]),
      'PassengerId in input order',
    );
    for (const [, survived, probability] of out.slice(1)) {
      assert.match(survived ?? '', /^[01]$/);
      const p = Number(probability);
      assert.ok(p >= 0 && p <= 1, `probability ${probability}`);
    }
    const sexAt = input[0]!.indexOf('Sex');
    const mean = (sex: string) => {
      const ps = out.slice(1).filter((_, i) => input[i + 1]![sexAt] === sex);
      return ps.reduce((a, r) => a + Number(r[1]), 0) / ps.length;
    };
    assert.ok(mean('female') > mean('male'), 'the model, not noise: women survive more often');
    // The twin's job: instances sent in chunks to the serving image's server.
    const job = await readJson<LocalBatchJob>(
      store,
      'local-cloud',
      `batchPredictionJobs/${encodeURIComponent(run.runId)}.json`,
    );
    assert.equal(job?.state, 'SUCCEEDED');
    assert.equal(job?.completion?.successful, 418);
    assert.ok((job?.predictRequests ?? 0) >= 7, 'batched under the per-request instance limit');
  });

  it('a second drop after a new version deploys is scored with that version (recorded)', async () => {
    const second = await train();
    assert.equal(second.state, 'DEPLOYED', JSON.stringify(second.errors));
    const run = await score('again.csv');
    assert.equal(run.state, 'SCORED', JSON.stringify(run.errors));
    assert.deepEqual(run.scoring?.model, second.training?.model);
    assert.equal(run.scoring?.servingRunId, second.runId);
    const first = (await runs.forDataset(
      'data',
      'score/test.csv',
      (await store.stat('data', 'score/test.csv'))!.generation,
    ))!;
    assert.notEqual(run.scoring?.model?.versionId, first.scoring?.model?.versionId);
    const rows = parse((await store.read('data', 'score/again.predictions.csv'))!.data.toString('utf8')) as string[][];
    assert.equal(rows.length - 1, 418);
  });
});
