// Scoring runs at function level, through the real handlers over HTTP with the port fakes: a file under score/ is
// validated against the trainer's real dataset schema (label not required), scored by ONE batch job with the version
// serving at the drop, followed by the reconciler tick and merged into <name>.predictions.csv in input order.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { setPortsForTesting } from '../../../functions/src/backend';
import { readLatestDataset } from '../../../functions/src/ledger/pointers';
import { validateTrainingDataset } from '../../../functions/src/engine/dataset-check';
import { createLogger } from '../../../functions/src/log';
import { newScoringRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import { runIdForDataset } from '../../../functions/src/pipeline/run-id';
import {
  dropDataset,
  harness,
  pubsubEvent,
  storageEvent,
  type Harness,
  type LogLine,
  type TestEvent,
} from '../../support/functions-harness';

const REPO = join(__dirname, '../../..');
const MODEL = 'projects/test-project/locations/local/models/local-model';

describe('engine/scoring: a drop under score/ is a scoring run', () => {
  let h: Harness;
  let testCsv: string;
  before(async () => {
    testCsv = await readFile(join(REPO, 'test/fixtures/titanic/test.csv'), 'utf8');
  });
  beforeEach(async () => {
    h = await harness();
    // The trainer's real schema: the scoring check is the contract's validator with the label not required.
    const log = createLogger(h.config, { write: (line: string) => void h.logs.push(JSON.parse(line) as LogLine) });
    setPortsForTesting(h.ports, { config: h.config, log, validateDataset: validateTrainingDataset });
  });
  afterEach(() => h.close());

  /** Version `versionId` of the registry model serves all traffic, deployed by run `runId`. */
  function serve(versionId: string, runId: string, id = `10${versionId}`) {
    h.endpoint.state = {
      ...h.endpoint.state,
      deployedModels: [{ id, model: MODEL, modelVersionId: versionId, displayName: `v${versionId}-${runId}` }],
      trafficSplit: { [id]: 100 },
    };
  }
  const tick = () => h.deliver('onReconcileTick', pubsubEvent('reconcile-tick', {}, h.clock.now.toISOString()));
  const runOf = async (event: TestEvent): Promise<RunRecord> => {
    const data = event.body as { bucket: string; name: string; generation: string };
    const run = await h.ledger.get(runIdForDataset(data.bucket, data.name, data.generation));
    assert.ok(run, 'a run record');
    return run;
  };
  /** The Titanic trainer's prediction item shape (its serving code), from a deterministic stand-in model. */
  const predict = (i: Record<string, unknown>) => ({
    survived: i.Sex === 'female' ? 1 : 0,
    probability: i.Sex === 'female' ? 0.74 : 0.19,
  });

  it('200 copies of the finalize event start ONE batch job, with the version serving at the drop', async () => {
    serve('3', 'train-aaa111');
    const event = await dropDataset(h, 'score/test.csv', testCsv);
    const statuses: number[] = [];
    for (let wave = 0; wave < 4; wave++)
      statuses.push(...(await Promise.all(Array.from({ length: 50 }, () => h.deliver('onDatasetFinalized', event)))));
    assert.deepEqual(new Set(statuses), new Set([204]));
    assert.equal(h.batch.started.length, 1, 'one job');
    assert.equal(h.batch.startCalls, 1, 'one start: the claim let one delivery through');
    const run = await runOf(event);
    assert.equal(run.kind, 'scoring');
    assert.equal(run.trigger, 'scoring-drop');
    assert.equal(run.state, 'SCORING');
    assert.deepEqual(run.scoring?.model, { name: MODEL, versionId: '3' });
    assert.equal(run.scoring?.servingRunId, 'train-aaa111');
    assert.equal(run.scoring?.jobName, h.batch.started[0]?.name);
    assert.equal(h.builds.started.length, 0, 'no build for a scoring run');
    assert.equal(await readLatestDataset(h.store, 'artifacts'), undefined, 'a git push never trains on rows to score');
    const job = h.batch.started[0]!;
    assert.equal(job.keyField, 'vertex_retrain_row');
    assert.equal(job.instancesFormat, 'jsonl');
    const instances = h.store.text('artifacts', `scoring/${run.runId}/instances.jsonl`)!.trim().split('\n');
    assert.equal(instances.length, 418);
    const first = JSON.parse(instances[0]!) as Record<string, unknown>;
    assert.equal(first.vertex_retrain_row, 0);
    assert.equal(first.Name, 'Kelly, Mr. James');
    assert.equal(first.Age, 34.5, 'typed by the schema');
    assert.equal(first.Cabin, null, 'an empty cell is null');
    assert.equal('PassengerId' in first, false, 'the id is not a feature');
  });

  it('the tick follows the job; on success it writes test.predictions.csv next to the drop, in input order', async () => {
    serve('3', 'train-aaa111');
    const event = await dropDataset(h, 'score/test.csv', testCsv);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const { runId } = await runOf(event);
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(runId))?.state, 'SCORING', 'the job still runs');
    await h.batch.finish(runId, predict);
    assert.equal(await tick(), 204);
    const run = (await h.ledger.get(runId))!;
    assert.equal(run.state, 'SCORED', JSON.stringify(run.errors));
    assert.equal(run.scoring?.predictionsUri, 'gs://data/score/test.predictions.csv');
    assert.equal(run.scoring?.summary?.rows, 418);
    assert.equal(run.scoring?.summary?.modelVersion, `${MODEL}@3`);
    assert.equal(run.scoring?.summary?.durationSeconds, 360);
    assert.equal(h.store.text('data', 'score/test.csv'), testCsv, 'the drop is untouched');
    const rows = parse(h.store.text('data', 'score/test.predictions.csv')!) as string[][];
    const input = parse(testCsv) as string[][];
    assert.deepEqual(rows[0], ['PassengerId', 'survived', 'probability']);
    assert.equal(rows.length, 419);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      input.slice(1).map((r) => r[0]),
      'ids in input order',
    );
    const sexAt = input[0]!.indexOf('Sex');
    rows.slice(1).forEach((r, i) => assert.equal(r[1], input[i + 1]![sexAt] === 'female' ? '1' : '0'));
    // The predictions file's own finalize event starts nothing.
    const info = await h.store.stat('data', 'score/test.predictions.csv');
    assert.equal(await h.deliver('onDatasetFinalized', storageEvent(info!, h.clock.now.toISOString())), 204);
    assert.equal((await h.ledger.list()).length, 1);
    assert.equal(h.batch.started.length, 1);
  });

  it('a second drop after a new version deploys is scored with that version, recorded on its run', async () => {
    serve('3', 'train-aaa111');
    const a = await runOf(await deliverDrop('score/a.csv'));
    serve('4', 'train-bbb222');
    const b = await runOf(await deliverDrop('score/b.csv'));
    assert.equal(a.scoring?.model?.versionId, '3');
    assert.equal(b.scoring?.model?.versionId, '4');
    assert.equal(b.scoring?.servingRunId, 'train-bbb222');
    assert.deepEqual(
      h.batch.started.map((j) => j.model.versionId),
      ['3', '4'],
    );
  });

  async function deliverDrop(name: string): Promise<TestEvent> {
    const event = await dropDataset(h, name, testCsv);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    return event;
  }

  it('an invalid file is REJECTED with every problem, reported under rejected/score/, left untouched; no job', async () => {
    serve('3', 'train-aaa111');
    const bad = testCsv.replace('892,3,"Kelly, Mr. James",male,34.5', '892,9,"Kelly, Mr. James",male,abc');
    const event = await dropDataset(h, 'score/bad.csv', bad);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const run = await runOf(event);
    assert.equal(run.state, 'REJECTED');
    assert.deepEqual(run.rejection?.reasons, [
      'line 2 (row 1), column Pclass: "9" is not one of 1, 2, 3',
      'line 2 (row 1), column Age: "abc" is not a number',
    ]);
    assert.equal(run.rejection?.reportUri, 'gs://data/rejected/score/bad.csv.reasons.json');
    assert.equal(JSON.parse(h.store.text('data', 'rejected/score/bad.csv.reasons.json')!).problemCount, 2);
    assert.equal(h.store.text('data', 'score/bad.csv'), bad);
    assert.equal(h.batch.started.length, 0);
  });

  it('nothing serving: the scoring run FAILS saying a version must be deployed first; no job', async () => {
    const run = await runOf(await deliverDrop('score/test.csv'));
    assert.equal(run.state, 'FAILED');
    assert.equal(run.errors[0]?.reason, 'NothingServing');
    assert.equal(h.batch.started.length, 0);
  });

  it('a failed job fails the run with the job’s error', async () => {
    serve('3', 'train-aaa111');
    const { runId } = await runOf(await deliverDrop('score/test.csv'));
    const name = h.batch.started[0]!.name;
    h.batch.statuses.set(name, { name, state: 'FAILED', error: 'Model server never became ready.' });
    assert.equal(await tick(), 204);
    const run = (await h.ledger.get(runId))!;
    assert.equal(run.state, 'FAILED');
    assert.equal(run.errors[0]?.reason, 'BatchFAILED');
    assert.match(run.errors[0]?.message ?? '', /never became ready/);
  });

  it('results missing rows fail the run naming them (no partial predictions file)', async () => {
    serve('3', 'train-aaa111');
    const { runId } = await runOf(await deliverDrop('score/test.csv'));
    await h.batch.finish(runId, predict);
    const results = (await h.store.list('artifacts', `scoring/${runId}/`)).find((o) =>
      o.name.includes('prediction.results'),
    )!;
    const lines = h.store.text('artifacts', results.name)!.trim().split('\n');
    await h.store.write('artifacts', results.name, `${lines.slice(1).join('\n')}\n`);
    assert.equal(await tick(), 204);
    const run = (await h.ledger.get(runId))!;
    assert.equal(run.state, 'FAILED');
    assert.equal(run.errors[0]?.reason, 'BatchResultsIncomplete');
    assert.match(run.errors[0]?.message ?? '', /no prediction for 1 of 418 rows: row 1 \(PassengerId 892\)/);
    assert.equal(await h.store.stat('data', 'score/test.predictions.csv'), undefined);
  });

  it('a transient error starting the job is retried: the claim is released, the redelivery starts the one job', async () => {
    serve('3', 'train-aaa111');
    const event = await dropDataset(h, 'score/test.csv', testCsv);
    h.batch.failNext('startBatchJob', Object.assign(new Error('socket hang up'), { code: 14 }));
    assert.equal(await h.deliver('onDatasetFinalized', event), 500, 'retry');
    const released = await runOf(event);
    assert.equal(released.state, 'SCORING');
    assert.equal(released.scoring?.claim?.released, true);
    assert.equal(h.batch.started.length, 0);
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const run = await runOf(event);
    assert.equal(run.scoring?.claim?.attempt, 2);
    assert.equal(run.scoring?.jobName, h.batch.started[0]?.name);
    assert.equal(h.batch.started.length, 1);
  });

  it('a permanent error starting the job fails the run with its reason (acknowledged, no retry)', async () => {
    serve('3', 'train-aaa111');
    const event = await dropDataset(h, 'score/test.csv', testCsv);
    h.batch.failNext('startBatchJob', Object.assign(new Error('model version not found'), { code: 5 }));
    assert.equal(await h.deliver('onDatasetFinalized', event), 204);
    const run = await runOf(event);
    assert.equal(run.state, 'FAILED');
    assert.match(run.errors[0]?.message ?? '', /model version not found/);
  });

  it('a job started by a holder that died before recording it is found, not duplicated, once the lease runs out', async () => {
    serve('3', 'train-aaa111');
    const info = await h.store.write('data', 'score/test.csv', testCsv);
    const runId = runIdForDataset('data', 'score/test.csv', info.generation);
    const folder = `gs://artifacts/scoring/${runId}/`;
    const model = { name: MODEL, versionId: '3' };
    // The holder claimed and called the service, then died before the record got the job's name.
    const at = h.clock.now.toISOString();
    await h.ledger.create(
      newScoringRecord(runId, at, { uri: 'gs://data/score/test.csv', ...info, name: 'score/test.csv' }),
    );
    await h.ledger.update(runId, {
      type: 'claimScoring',
      at,
      leaseSeconds: h.config.claimLeaseSeconds,
      model,
      deployedModelId: '103',
      inputUri: `${folder}instances.jsonl`,
      outputUriPrefix: folder,
    });
    await h.batch.startBatchJob({
      runId,
      model,
      inputUri: `${folder}instances.jsonl`,
      instancesFormat: 'jsonl',
      outputUriPrefix: folder,
    });
    assert.equal(await tick(), 204);
    assert.equal((await h.ledger.get(runId))?.scoring?.jobName, undefined, 'inside the lease: nobody retakes');
    h.clock.now = new Date(h.clock.now.getTime() + (h.config.claimLeaseSeconds + 1) * 1000);
    assert.equal(await tick(), 204);
    const run = (await h.ledger.get(runId))!;
    assert.equal(run.scoring?.claim?.attempt, 2);
    assert.equal(run.scoring?.jobName, h.batch.started[0]?.name);
    assert.equal(h.batch.started.length, 1, 'the job found, none created');
  });

  it('a training drop without the label column is told where to drop rows to score', async () => {
    const run = await runOf(await deliverDrop('datasets/test.csv'));
    assert.equal(run.state, 'REJECTED');
    assert.deepEqual(run.rejection?.reasons, [
      'column Survived: required column "Survived" is missing',
      'to score rows, drop the file under score/',
    ]);
  });
});
