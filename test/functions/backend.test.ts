import assert from 'node:assert/strict';
import { createPorts, getRuntime, setPortsForTesting } from '../../functions/src/backend';
import { parseConfig } from '../../functions/src/config';
import { fakePorts } from '../support/fake-ports';

describe('backend', () => {
  afterEach(() => setPortsForTesting(undefined));

  it('setPortsForTesting makes getRuntime use the given ports, with a ledger over their store', async () => {
    const { ports, store } = fakePorts();
    const config = parseConfig({ ARTIFACTS_BUCKET: 'my-artifacts' });
    setPortsForTesting(ports, { config });
    const rt = getRuntime();
    assert.equal(rt.ports, ports);
    assert.equal(rt.config, config);
    assert.equal(rt.ledger.uri('r'), 'gs://my-artifacts/runs/r.json');
    assert.equal(rt.ledger.store, store);
  });

  it('local ports exist only inside the local stack, and say so', () => {
    assert.throws(() => createPorts(parseConfig({})), /RETRAIN_LOCAL_DIR.*vertex-retrain up/);
  });

  it('createPorts builds every Google Cloud port from the validated config without creating a client', () => {
    const config = parseConfig({
      RETRAIN_ENV: 'vertex',
      PROJECT_ID: 'my-project',
      REGION: 'europe-west1',
      DATA_BUCKET: 'data-b',
      ARTIFACTS_BUCKET: 'art-b',
      IMAGE_REPOSITORY: 'r',
      TRAINER_SOURCE_URI: 'gs://s/t.tgz',
      TRAINING_EVENTS_TOPIC: 't',
      RUN_EVENTS_TOPIC: 'e',
      ENDPOINT_ID: '1',
      MODEL_ID: 'm',
      TRAINING_SERVICE_ACCOUNT: 'a@b',
      SERVING_SERVICE_ACCOUNT: 'a@b',
      BUILD_SERVICE_ACCOUNT: 'a@b',
    });
    const ports = createPorts(config);
    assert.ok(ports.now() instanceof Date);
    for (const port of ['store', 'builds', 'training', 'endpoint', 'registry', 'publisher'] as const) {
      assert.equal(typeof ports[port], 'object', port);
    }
    assert.equal(typeof ports.builds.startBuild, 'function');
  });
});
