// `vertex-retrain undeploy [--all]` through the CLI against a local stack: the endpoint twin holds two deployed
// versions (one serving), the ledger their two DEPLOYED runs. Without --all the idle one goes and its run is marked
// undeployed by the operator; --all moves the traffic off and removes the serving one too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localConfig, startStack } from '../../../functions/src/cli/up';
import { readJson } from '../../../functions/src/local/json-objects';
import { localLayout } from '../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../functions/src/local/object-store';
import { TWIN_STATE_BUCKET } from '../../../functions/src/local/settings';
import type { LocalEndpoint } from '../../../functions/src/local/endpoint-twin';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import { deployedModelDisplayName } from '../../../functions/src/ports';

const MAIN = join(__dirname, '../../../functions/src/cli/main.ts');
const TSX = require.resolve('tsx');

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cli: undeploy on a local stack', function () {
  this.timeout(60_000);
  let root: string;
  let store: LocalObjectStore;
  const names = localConfig();
  const endpointDoc = `endpoints/${names.endpointId}.json`;
  const run = async (id: string) => (await readJson<RunRecord>(store, names.artifactsBucket, `runs/${id}.json`))!;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-undeploy-'));
    store = new LocalObjectStore(localLayout(join(root, 'stack')));
    const at = '2026-01-01T00:00:00.000Z';
    for (const [id, deployedModelId] of [
      ['old-run', '111'],
      ['new-run', '222'],
    ] as const) {
      const record: RunRecord = {
        ...newRunRecord(id, 'dataset-drop', at),
        state: 'DEPLOYED',
        deploy: { deployedModelId, traffic: { [deployedModelId]: 100 } },
      } as RunRecord;
      await store.write(names.artifactsBucket, `runs/${id}.json`, JSON.stringify(record));
    }
    const model = (id: string) => ({
      id,
      model: 'projects/p/locations/l/models/m',
      modelVersionId: id === '111' ? '1' : '2',
      // As the twin names a deployment: the run it was deployed for (how undeploy finds the run to mark).
      displayName: id === '111' ? deployedModelDisplayName('old-run', 1) : deployedModelDisplayName('new-run', 2),
      artifactUri: 'gs://none',
      imageUri: 'none',
      servingCommand: [],
      createTime: at,
    });
    const endpoint: LocalEndpoint = {
      name: 'projects/p/locations/l/endpoints/e',
      deployedModels: [model('111'), model('222')],
      trafficSplit: { '222': 100 },
    };
    await store.write(TWIN_STATE_BUCKET, endpointDoc, JSON.stringify(endpoint));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses without a running stack', async () => {
    const r = await cli(root, '--dir', 'stack', 'undeploy');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no local stack is running .*vertex-retrain up/);
  });

  it('undeploys the idle version and keeps the serving one; --all removes everything', async () => {
    const stack = await startStack({ dir: join(root, 'stack'), port: 0, reconcileIntervalMs: 3_600_000 });
    try {
      const r = await cli(root, '--dir', 'stack', 'undeploy', '--by', 'tester');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /undeployed deployed model 111 \(run old-run\)/);
      assert.match(r.stdout, /still deployed \(serving\): 222, split \{"222":100\}/);
      let endpoint = (await readJson<LocalEndpoint>(store, TWIN_STATE_BUCKET, endpointDoc))!;
      assert.deepEqual(
        endpoint.deployedModels.map((m) => m.id),
        ['222'],
      );
      assert.equal((await run('old-run')).deploy?.undeployedBy, 'tester');
      assert.equal((await run('new-run')).deploy?.undeployedAt, undefined);

      const all = await cli(root, '--dir', 'stack', 'undeploy', '--all', '--by', 'tester');
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stdout, /undeployed deployed model 222 \(run new-run\)/);
      assert.match(all.stdout, /nothing is deployed on the endpoint now/);
      endpoint = (await readJson<LocalEndpoint>(store, TWIN_STATE_BUCKET, endpointDoc))!;
      assert.deepEqual(endpoint.deployedModels, []);
      assert.deepEqual(endpoint.trafficSplit, {});
      assert.equal((await run('new-run')).deploy?.undeployedBy, 'tester');
    } finally {
      await stack.stop();
    }
  });
});
