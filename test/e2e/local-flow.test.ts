// The whole flow on the local stack, over HTTP and real processes: drop → DEPLOYED → prediction; the same file
// dropped again → endpoint_version 2 with the replace split; a bad file → REJECTED without a build; the stack
// killed during training and started again → that run finishes, exactly once.
import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../functions/src/pipeline/run-record';
import { isTerminal } from '../../functions/src/pipeline/run-state';
import type { RunReader } from '../../functions/src/cli/runs';
import { pidAlive } from '../../functions/src/local/child-process';
import type { LocalEndpoint } from '../../functions/src/local/endpoint-twin';
import { listJson, readJson } from '../../functions/src/local/json-objects';
import type { LocalModel } from '../../functions/src/local/model-registry-twin';
import type { LocalObjectStore } from '../../functions/src/local/object-store';
import type { LocalTrainingJob } from '../../functions/src/local/training-twin';
import type { LocalBuild } from '../../functions/src/local/build-twin';
import { closeStackChild, openStackChild, startStackChild, until, type StackChild } from './support/stack-child';

const REPO = join(__dirname, '../..');

describe('e2e: the local stack, drop to served prediction', function () {
  this.timeout(60_000);
  let root: string;
  let stack: StackChild;
  let store: LocalObjectStore;
  let runs: RunReader;
  const finalRun = (r: RunRecord | undefined) => (r && isTerminal(r.state) ? r : undefined);

  /** Copies a file into the drop folder as a user would; returns the run it starts, once final. */
  async function drop(file: string, as: string, until_ = finalRun): Promise<RunRecord> {
    await copyFile(file, join(stack.dropFolder, as));
    const info = await store.stat('data', `datasets/${as}`);
    assert.ok(info);
    return until(`run for ${as}#${info.generation}`, async () =>
      until_(await runs.forDataset('data', `datasets/${as}`, info.generation)),
    );
  }
  const endpoint = () => readJson<LocalEndpoint>(store, 'local-cloud', 'endpoints/local-endpoint.json');
  const predict = async (instances: object[]) => {
    const res = await fetch(stack.predictUrl, { method: 'POST', body: JSON.stringify({ instances }) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { predictions: { survived: number; probability: number }[]; deployedModelId: string };
  };

  before(async () => ({ root, store, runs, stack } = await openStackChild('e2e-')));
  after(() => closeStackChild(stack, root));

  let first: RunRecord;

  it('drop → DEPLOYED → prediction over HTTP from the served endpoint', async () => {
    first = await drop(join(REPO, 'trainer/data/train.csv'), 'train.csv');
    assert.equal(first.state, 'DEPLOYED', JSON.stringify(first.errors));
    assert.equal(first.training?.endpointVersion, 1);
    const body = await predict([
      { Pclass: 1, Sex: 'female', Age: 29, Name: 'Allen, Miss. Elisabeth Walton', Fare: 211.3375, Embarked: 'S' },
      { Pclass: 3, Sex: 'male', Age: 40, Name: 'Doe, Mr. John', Fare: 7.25, Embarked: 'S' },
    ]);
    assert.equal(body.deployedModelId, first.deploy?.deployedModelId);
    assert.equal(body.predictions.length, 2);
    assert.ok(body.predictions[0] && body.predictions[0].probability > body.predictions[1]!.probability);
  });

  it('the same file dropped again is a new generation: a second run deploys endpoint_version 2, replacing the first', async () => {
    const second = await drop(join(REPO, 'trainer/data/train.csv'), 'train.csv');
    assert.notEqual(second.runId, first.runId);
    assert.equal(second.state, 'DEPLOYED', JSON.stringify(second.errors));
    assert.equal(second.training?.endpointVersion, 2);
    const newId = second.deploy?.deployedModelId as string;
    const oldId = first.deploy?.deployedModelId as string;
    const state = await endpoint();
    assert.equal(state?.trafficSplit[newId], 100);
    assert.equal(state?.trafficSplit[oldId] ?? 0, 0, 'an id left out of the split gets no traffic (Vertex semantics)');
    assert.deepEqual(state?.deployedModels.map((m) => m.id).sort(), [newId, oldId].sort(), 'previous still deployed');
    assert.equal((await predict([{ Pclass: 2, Sex: 'female' }])).deployedModelId, newId);
  });

  it('a bad file gives a REJECTED run with its reasons, and no build', async () => {
    const bad = await drop(join(REPO, 'test/fixtures/titanic/missing-column.csv'), 'missing-column.csv');
    assert.equal(bad.state, 'REJECTED');
    assert.ok((bad.rejection?.reasons.length ?? 0) > 0);
    assert.match(bad.rejection?.reasons.join(' ') ?? '', /Sex|column/i);
    assert.equal(bad.build, undefined);
    const builds = await listJson<LocalBuild>(store, 'local-cloud', 'builds/');
    assert.equal(builds.filter((b) => b.tags.includes(`run-${bad.runId}`)).length, 0);
  });

  it('killed during training and started again, the stack finishes that run exactly once', async () => {
    const jobsFor = async (runId: string) =>
      (await listJson<LocalTrainingJob>(store, 'local-cloud', 'trainings/')).filter((j) => j.runId === runId);
    const training = await drop(join(REPO, 'trainer/data/train.csv'), 'again.csv', (r) =>
      r?.state === 'TRAINING' ? r : finalRun(r),
    );
    assert.equal(training.state, 'TRAINING');
    const job = await until(
      'the trainer process',
      async () => (await jobsFor(training.runId)).find((j) => j.pid),
      10_000,
      10,
    );
    stack.child.kill('SIGKILL');
    await until('the orphaned trainer to exit', async () => (pidAlive(job.pid) ? undefined : true), 5_000);
    stack = await startStackChild(root);
    const done = await until('the interrupted run to finish', async () => finalRun(await runs.get(training.runId)));
    assert.equal(done.state, 'DEPLOYED', JSON.stringify(done.errors));
    const jobs = await jobsFor(training.runId);
    assert.equal(jobs.length, 1, 'one training job');
    assert.equal(jobs[0]?.attempts, 2, 'restarted once');
    const model = await readJson<LocalModel>(store, 'local-cloud', 'models/local-model.json');
    assert.equal(model?.versions.filter((v) => v.runId === training.runId).length, 1, 'one model version');
    const deployed = (await endpoint())?.deployedModels.filter((m) => m.displayName?.includes(training.runId));
    assert.equal(deployed?.length, 1, 'one deployment');
    assert.equal(done.training?.endpointVersion, 3);
    assert.match(await readFile(jobs[0]?.logFile as string, 'utf8'), /model trained/);
  });
  it('a second drop of the same name lands before the first run trains: the newer generation supersedes it', async () => {
    const full = await readFile(join(REPO, 'trainer/data/train.csv'));
    const lines = full.toString('utf8').split('\r\n');
    const part = Buffer.from(`${lines.slice(0, 301).join('\r\n')}\r\n`); // the header and 300 passengers
    const name = 'datasets/quick.csv';
    const a = await store.write('data', name, full, { contentType: 'text/csv' });
    await until('run A recorded', () => runs.forDataset('data', name, a.generation), 30_000, 10);
    const b = await store.write('data', name, part, { contentType: 'text/csv' }); // before run A's training starts
    const runA = await until('run A final', async () => finalRun(await runs.forDataset('data', name, a.generation)));
    const runB = await until('run B final', async () => finalRun(await runs.forDataset('data', name, b.generation)));
    const trainedOn = async (run: RunRecord) => {
      const text = await store.read('artifacts', `runs/${run.runId}/model/model.json`);
      assert.ok(text, `no model for ${run.runId} (${run.state}: ${JSON.stringify(run.errors)})`);
      return (JSON.parse(text.data.toString()) as { trainingData: { rows: number; sha256: string } }).trainingData;
    };
    assert.equal(runA.state, 'FAILED', 'run A spent no training on a generation already replaced');
    assert.equal(runA.errors?.[0]?.reason, 'Superseded');
    assert.equal((await trainedOn(runB)).rows, 300, 'run B trained on its own generation');
  });
});
