// The reconciler's BUILDING branch, at the step level on the fakes: a run whose build notification never arrived is
// finished from the build itself once the claim's lease has run out.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../functions/src/config';
import { RunLedger } from '../../../functions/src/ledger/run-ledger';
import { createLogger } from '../../../functions/src/log';
import type { BuildResource } from '../../../functions/src/ports';
import type { StepContext } from '../../../functions/src/engine/context';
import { buildStatus, datasetFinalized } from '../../../functions/src/engine/runs';
import { tick as reconcile } from '../../../functions/src/engine/tick';
import { fakePorts, type Fakes } from '../../support/fake-ports';
import { fakeValidator, GOOD_CSV } from '../../support/functions-harness';

describe('engine/tick: a BUILDING run whose build notification was lost', () => {
  let fakes: Fakes;
  let ctx: StepContext;
  let logs: { message: string }[];
  let runId: string;
  let buildId: string;

  const later = (seconds: number) => {
    fakes.clock.now = new Date(fakes.clock.now.getTime() + seconds * 1000);
  };
  const finished = (status: string, extra: Partial<BuildResource> = {}): BuildResource => ({
    id: buildId,
    status,
    tags: ['vertex-retrain', `run-${runId}`],
    substitutions: { _RUN_ID: runId },
    logUrl: `https://console.cloud.google.com/cloud-build/builds/${buildId}`,
    ...extra,
  });
  const image = () => `${ctx.config.imageRepository}/${ctx.config.imageName}`;
  const digest = `sha256:${'cd'.repeat(32)}`;

  beforeEach(async () => {
    fakes = fakePorts();
    const config = parseConfig({ PROJECT_ID: 'test-project' });
    logs = [];
    ctx = {
      config,
      ports: fakes.ports,
      ledger: new RunLedger(fakes.store, config.artifactsBucket),
      log: createLogger(config, { write: (line: string) => void logs.push(JSON.parse(line) as { message: string }) }),
      validateDataset: fakeValidator,
    };
    const info = await fakes.store.write(config.dataBucket, 'datasets/train.csv', GOOD_CSV);
    await datasetFinalized(ctx, { ...info, md5Hash: info.md5Hash as string });
    ({ runId, buildId } = fakes.builds.started[0] as { runId: string; buildId: string });
    assert.equal((await ctx.ledger.get(runId))?.build?.id, buildId);
  });

  it('does not read the build while the claim is within its lease', async () => {
    fakes.builds.resources.set(buildId, finished('SUCCESS'));
    const { detail } = await reconcile(ctx);
    assert.equal(detail?.waiting, 1);
    assert.deepEqual(fakes.builds.getCalls, []);
    assert.equal((await ctx.ledger.get(runId))?.state, 'BUILDING');
  });

  it('after the lease, a build still WORKING leaves the run BUILDING', async () => {
    later(ctx.config.claimLeaseSeconds + 1);
    const { detail } = await reconcile(ctx);
    assert.deepEqual(fakes.builds.getCalls, [buildId]);
    assert.equal(detail?.waiting, 1);
    assert.equal((await ctx.ledger.get(runId))?.state, 'BUILDING');
    assert.equal(fakes.training.started.length, 0);
  });

  it('after the lease, a SUCCESS build starts the training with the image pinned by digest, once', async () => {
    fakes.builds.resources.set(
      buildId,
      finished('SUCCESS', { results: { images: [{ name: `${image()}:x`, digest }] } }),
    );
    later(ctx.config.claimLeaseSeconds + 1);
    const { detail } = await reconcile(ctx);
    assert.equal(detail?.['training-started'], 1);
    const run = await ctx.ledger.get(runId);
    assert.equal(run?.state, 'TRAINING');
    assert.equal(run?.build?.imageDigest, digest);
    assert.equal(fakes.training.started.length, 1);
    assert.equal(fakes.training.started[0]?.imageUri, `${image()}@${digest}`);
    assert.ok(logs.some((l) => /notification never arrived/.test(l.message)));
    // The lost message turning up late changes nothing.
    assert.equal(
      (await buildStatus(ctx, finished('SUCCESS', { results: { images: [{ name: image(), digest }] } }))).outcome,
      'duplicate',
    );
    await reconcile(ctx);
    assert.equal(fakes.training.started.length, 1);
  });

  it('after the lease, a failed build fails the run with its detail and log URL', async () => {
    fakes.builds.resources.set(
      buildId,
      finished('TIMEOUT', { failureInfo: { type: 'USER_BUILD_STEP', detail: 'step 0 timed out' } }),
    );
    later(ctx.config.claimLeaseSeconds + 1);
    const { detail } = await reconcile(ctx);
    assert.equal(detail?.failed, 1);
    const run = await ctx.ledger.get(runId);
    assert.equal(run?.state, 'FAILED');
    assert.match(run?.errors[0]?.message ?? '', /ended TIMEOUT: step 0 timed out \(logs: https:\/\/console/);
    assert.equal(fakes.training.started.length, 0);
  });

  it('a build that cannot be read is this run’s error; the tick carries on', async () => {
    fakes.builds.failNext('getBuild', Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }));
    later(ctx.config.claimLeaseSeconds + 1);
    const { detail } = await reconcile(ctx);
    assert.equal(detail?.errors, 1);
    assert.equal((await ctx.ledger.get(runId))?.state, 'BUILDING');
    fakes.builds.resources.set(buildId, finished('SUCCESS', { results: { images: [{ name: image(), digest }] } }));
    assert.equal((await reconcile(ctx)).detail?.['training-started'], 1);
  });
});

describe('engine/tick: an in-flight entry whose record is not written yet', () => {
  it('is kept for a claim lease (its creation may be under way), then dropped', async () => {
    const fakes = fakePorts();
    const config = parseConfig({ PROJECT_ID: 'test-project' });
    const ctx: StepContext = {
      config,
      ports: fakes.ports,
      ledger: new RunLedger(fakes.store, config.artifactsBucket),
      log: createLogger(config, { write: () => undefined }),
      validateDataset: fakeValidator,
    };
    await ctx.ledger.inFlight.add(['pending'], fakes.clock.now.toISOString());
    await reconcile(ctx);
    assert.ok((await ctx.ledger.inFlight.read()).pending, 'kept while younger than the lease');
    fakes.clock.now = new Date(fakes.clock.now.getTime() + config.claimLeaseSeconds * 1000);
    await reconcile(ctx);
    assert.equal((await ctx.ledger.inFlight.read()).pending, undefined, 'dropped after the lease');
  });
});
