import assert from 'node:assert/strict';
import {
  allocateEndpointVersion,
  DEPLOYMENT_OBJECT,
  readDeploymentSettings,
  recordDeploymentSettings,
  readLatestDataset,
  recordLatestDataset,
  LATEST_DATASET_OBJECT,
  type LatestDataset,
} from '../../../functions/src/ledger/pointers';
import { MemoryObjectStore } from '../../support/memory-store';

const dataset = (name: string) => ({ uri: `gs://d/${name}`, bucket: 'd', name, generation: '1', size: 10 });
const latest = (runId: string, acceptedAt: string): LatestDataset => ({ runId, acceptedAt, dataset: dataset(runId) });

describe('ledger/pointers', () => {
  it('records the deployment settings the CLI follows, writing only when they change', async () => {
    const s = new MemoryObjectStore();
    assert.equal(await readDeploymentSettings(s, 'a'), undefined);
    const canary = { trafficPolicy: { kind: 'canary', percent: 20 } as const, keepDeployedVersions: 2 };
    await recordDeploymentSettings(s, 'a', canary);
    const first = await s.stat('a', DEPLOYMENT_OBJECT);
    await recordDeploymentSettings(s, 'a', canary);
    assert.equal((await s.stat('a', DEPLOYMENT_OBJECT))?.generation, first?.generation, 'unchanged: not rewritten');
    assert.deepEqual((await readDeploymentSettings(s, 'a'))?.trafficPolicy, canary.trafficPolicy);
    await recordDeploymentSettings(s, 'a', { ...canary, trafficPolicy: { kind: 'replace' } });
    assert.deepEqual((await readDeploymentSettings(s, 'a'))?.trafficPolicy, { kind: 'replace' });
  });

  it('endpoint versions count 1, 2, 3 per endpoint', async () => {
    const s = new MemoryObjectStore();
    assert.equal(await allocateEndpointVersion(s, 'a', 'e1'), 1);
    assert.equal(await allocateEndpointVersion(s, 'a', 'e1'), 2);
    assert.equal(await allocateEndpointVersion(s, 'a', 'e2'), 1);
    assert.equal(await allocateEndpointVersion(s, 'a', 'e1'), 3);
  });

  it('20 concurrent allocations get 20 distinct consecutive versions', async () => {
    const s = new MemoryObjectStore();
    const versions = await Promise.all(Array.from({ length: 20 }, () => allocateEndpointVersion(s, 'a', 'e', 50)));
    assert.deepEqual(
      [...versions].sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('the latest-dataset pointer only moves forward in acceptance time', async () => {
    const s = new MemoryObjectStore();
    assert.equal(await readLatestDataset(s, 'a'), undefined);
    await recordLatestDataset(s, 'a', latest('r2', '2026-01-02T00:00:00.000Z'));
    await recordLatestDataset(s, 'a', latest('r1', '2026-01-01T00:00:00.000Z'));
    assert.equal((await readLatestDataset(s, 'a'))?.runId, 'r2');
    await recordLatestDataset(s, 'a', latest('r3', '2026-01-03T00:00:00.000Z'));
    assert.equal((await readLatestDataset(s, 'a'))?.runId, 'r3');
  });

  it('the same run recorded again (a redelivery, later) does not rewrite the pointer', async () => {
    const s = new MemoryObjectStore();
    await recordLatestDataset(s, 'a', latest('r1', '2026-01-01T00:00:00.000Z'));
    const first = await s.stat('a', LATEST_DATASET_OBJECT);
    await recordLatestDataset(s, 'a', latest('r1', '2026-01-01T00:00:01.000Z'));
    assert.equal((await s.stat('a', LATEST_DATASET_OBJECT))?.generation, first?.generation);
  });
});
