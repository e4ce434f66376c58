// Issue 15: the training machine follows the data. Through the functions over HTTP (fake ports): the size of the
// dropped file picks the TRAINING_MACHINE_BANDS band when the run enters TRAINING; the machine is recorded on the run,
// sent with the training request, and priced in the run's cost estimate. Unset, every run trains on
// TRAINING_MACHINE_TYPE as before.
import assert from 'node:assert/strict';
import { DEFAULT_PRICING, roundUsd } from '../../../functions/src/pipeline/cost';
import {
  GOOD_CSV,
  buildEvent,
  dropDataset,
  harness,
  pubsubEvent,
  registryModelExists,
  successfulBuild,
  writeMetrics,
  type Harness,
} from '../../support/functions-harness';
import { at, later, tick } from './acceptance-flow';

/** Drops `content` as `name`, lets its build succeed; returns the run id once the run is in TRAINING. */
async function dropIntoTraining(h: Harness, name: string, content: string): Promise<string> {
  assert.equal(await h.deliver('onDatasetFinalized', await dropDataset(h, name, content)), 204);
  const build = h.builds.started.at(-1) as { runId: string; buildId: string };
  later(h, 60);
  assert.equal(await h.deliver('onBuildStatus', successfulBuild(h, build.runId, build.buildId, at(h))), 204);
  assert.equal((await h.ledger.get(build.runId))?.state, 'TRAINING');
  return build.runId;
}

/** Ends the run's training after an hour with a model the gate holds (accuracy under the floor): a final run. */
async function finishHeld(h: Harness, runId: string): Promise<void> {
  const training = h.training.started.find((t) => t.runId === runId) as { name: string };
  later(h, 3600);
  h.training.finish(training.name, 'SUCCEEDED', String(h.training.started.length));
  await writeMetrics(h, runId, { accuracy: 0.5, rocAuc: 0.6, logLoss: 0.7 });
  assert.equal(await h.deliver('onTrainingStatus', pubsubEvent('training-events', { runId }, at(h))), 204);
  assert.equal(await tick(h), 204);
  assert.equal((await h.ledger.get(runId))?.state, 'HELD');
}

/** GOOD_CSV grown past `bytes` with distinct rows. */
function csvOf(bytes: number): string {
  let csv = GOOD_CSV;
  for (let i = 3; csv.length <= bytes; i++) csv += `${i},${i % 2},${(i % 3) + 1}\n`;
  return csv;
}

describe('engine: the training machine follows the dataset size (TRAINING_MACHINE_BANDS)', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('two drops of different sizes record, train on and are priced by different machine types', async () => {
    h = await harness({ TRAINING_MACHINE_BANDS: '1KB=n1-standard-4, *=n1-highmem-16' });
    await registryModelExists(h);
    const small = await dropIntoTraining(h, 'datasets/small.csv', csvOf(100));
    const large = await dropIntoTraining(h, 'datasets/large.csv', csvOf(5000));
    const [smallRun, largeRun] = [await h.ledger.get(small), await h.ledger.get(large)];
    assert.ok((smallRun?.dataset?.size ?? Infinity) <= 1000 && (largeRun?.dataset?.size ?? 0) > 1000);

    // Recorded on the run, and what the training port was asked for.
    assert.equal(smallRun?.training?.machineType, 'n1-standard-4');
    assert.equal(largeRun?.training?.machineType, 'n1-highmem-16');
    const asked = Object.fromEntries(h.training.started.map((t) => [t.runId, t.machineType]));
    assert.deepEqual(asked, { [small]: 'n1-standard-4', [large]: 'n1-highmem-16' });

    // Priced by the run's own machine: its hours of n1-standard-4 at the table's price; n1-highmem-16 has no
    // confirmed price, so its training cost is unknown and the estimate says why.
    await finishHeld(h, small);
    await finishHeld(h, large);
    const smallCost = (await h.ledger.get(small))?.cost;
    const largeCost = (await h.ledger.get(large))?.cost;
    assert.equal(smallCost?.basis.trainingMachineType, 'n1-standard-4');
    const hours = (smallCost?.basis.trainingSeconds ?? 0) / 3600;
    assert.ok(hours >= 1, `${hours} h`);
    assert.equal(
      smallCost?.trainingUsd,
      roundUsd(hours * (DEFAULT_PRICING.trainingPerHour['n1-standard-4'] as number)),
    );
    assert.equal(largeCost?.basis.trainingMachineType, 'n1-highmem-16');
    assert.equal(largeCost?.trainingUsd, null);
    assert.ok(
      largeCost?.notes.some((n) => n.includes('"n1-highmem-16"')),
      largeCost?.notes.join('\n'),
    );
  });

  it('a git-push run trains on the band of the dataset it retrains (the latest accepted one)', async () => {
    h = await harness({ TRAINING_MACHINE_BANDS: '1KB=n1-standard-4, *=n1-highmem-16' });
    await registryModelExists(h);
    await dropIntoTraining(h, 'datasets/large.csv', csvOf(5000));
    later(h, 60);
    const push = buildEvent(
      {
        id: 'push-1',
        status: 'SUCCESS',
        tags: ['vertex-retrain'],
        results: { images: [{ name: 'local/vertex-retrain/trainer:abc', digest: 'sha256:1' }] },
      },
      at(h),
    );
    assert.equal(await h.deliver('onBuildStatus', push), 204);
    const pushed = h.training.started.at(-1);
    assert.equal(h.training.started.length, 2);
    assert.equal((await h.ledger.get(pushed?.runId as string))?.trigger, 'git-push');
    assert.equal((await h.ledger.get(pushed?.runId as string))?.training?.machineType, 'n1-highmem-16');
    assert.equal(pushed?.machineType, 'n1-highmem-16');
  });

  it('unset: every run trains on TRAINING_MACHINE_TYPE, whatever its size', async () => {
    h = await harness({ TRAINING_MACHINE_TYPE: 'e2-standard-8' });
    await registryModelExists(h);
    const runs = [
      await dropIntoTraining(h, 'datasets/small.csv', csvOf(100)),
      await dropIntoTraining(h, 'datasets/large.csv', csvOf(5000)),
    ];
    for (const runId of runs) assert.equal((await h.ledger.get(runId))?.training?.machineType, 'e2-standard-8');
    assert.deepEqual(
      h.training.started.map((t) => t.machineType),
      ['e2-standard-8', 'e2-standard-8'],
    );
  });
});
