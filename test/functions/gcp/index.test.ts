import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EndpointServiceClient, ModelServiceClient, PipelineServiceClient } from '@google-cloud/aiplatform';
import { VERTEX_CLIENT_MODULES } from '../../../functions/src/gcp/clients';

interface Step {
  step: string;
  ms: number;
  loaded: string[];
}

/** Runs the probe in a fresh Node process (an empty require cache, as on a cold start). */
function probe(order: string): Step[] {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', 'test/support/gcp-cold-start-probe.ts', order], {
    encoding: 'utf8',
  });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Step);
}

describe('gcp/index (cold start)', () => {
  it('building the ports loads no client; each first call loads only its own client', () => {
    const steps = probe('store,builds,training');
    const at = (name: string) => steps.find((s) => s.step === name)!.loaded;
    assert.deepEqual(at('require gcp/index'), []);
    assert.deepEqual(at('createGcpPorts'), []);
    assert.deepEqual(at('first store call'), ['@google-cloud/storage']);
    // The dataset handler's pair: Storage and Cloud Build, and still no Vertex AI.
    assert.ok(!at('first builds call').includes('@google-cloud/aiplatform'));
    assert.ok(at('first builds call').includes('@google-cloud/cloudbuild'));
    assert.ok(at('first training call').includes('@google-cloud/aiplatform'));
    assert.ok(!at('first training call').includes('@google-cloud/pubsub'));
  });

  it('the per-client modules it requires are the classes the package exports', () => {
    // Guards the deep requires in clients.ts against a package upgrade that moves them.
    /* eslint-disable @typescript-eslint/no-require-imports */
    assert.equal(require(VERTEX_CLIENT_MODULES.pipeline).PipelineServiceClient, PipelineServiceClient);
    assert.equal(require(VERTEX_CLIENT_MODULES.model).ModelServiceClient, ModelServiceClient);
    assert.equal(require(VERTEX_CLIENT_MODULES.endpoint).EndpointServiceClient, EndpointServiceClient);
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
});
