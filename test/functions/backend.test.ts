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

  it('createPorts loads only the backend RETRAIN_ENV names', () => {
    // Each backend lives in its own folder (written separately); whichever is missing must fail loudly by name.
    for (const env of ['local', 'vertex'] as const) {
      const config = parseConfig(
        env === 'local'
          ? {}
          : {
              RETRAIN_ENV: 'vertex',
              PROJECT_ID: 'my-project',
              REGION: 'europe-west1',
              DATA_BUCKET: 'data-b',
              ARTIFACTS_BUCKET: 'art-b',
              IMAGE_REPOSITORY: 'r',
              TRAINER_SOURCE_URI: 'gs://s/t.tgz',
              TRAINING_EVENTS_TOPIC: 't',
              ENDPOINT_ID: '1',
              MODEL_ID: 'm',
              TRAINING_SERVICE_ACCOUNT: 'a@b',
              SERVING_SERVICE_ACCOUNT: 'a@b',
              BUILD_SERVICE_ACCOUNT: 'a@b',
            },
      );
      try {
        const ports = createPorts(config);
        assert.equal(typeof ports.now, 'function');
      } catch (err) {
        assert.match(String(err), env === 'local' ? /local/ : /gcp/);
      }
    }
  });
});
