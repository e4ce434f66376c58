import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

  it('without local/function-entry.ts loaded, local mode has no backend and says where it comes from', () => {
    assert.throws(() => createPorts(parseConfig({})), /local\/function-entry\.ts.*vertex-retrain up/);
  });

  it('local/function-entry.ts registers the local backend: its ports exist only inside the local stack, and say so', () => {
    const script =
      "require('./functions/src/local/function-entry');" +
      "const { createPorts } = require('./functions/src/backend');" +
      "const { parseConfig } = require('./functions/src/config');" +
      'try { createPorts(parseConfig({})); } catch (err) { console.log(err.message); }';
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, RETRAIN_LOCAL_DIR: '', RETRAIN_LOCAL_CONTROL_URL: '' },
    });
    assert.match(out, /RETRAIN_LOCAL_DIR.*vertex-retrain up/);
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
