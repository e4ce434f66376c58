/* eslint-disable @typescript-eslint/no-require-imports -- the probe measures what each require loads */
// Run in a fresh process (see test/functions/gcp/index.test.ts): which client packages each step loads, and how long
// each step takes. Prints one JSON line per step.
import { performance } from 'node:perf_hooks';
import { testSettings } from './gcp-settings';

const PACKAGES = [
  '@google-cloud/storage',
  '@google-cloud/cloudbuild',
  '@google-cloud/aiplatform',
  '@google-cloud/pubsub',
  'google-gax',
];
const loaded = () =>
  PACKAGES.filter((p) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${p}/`)));

function step(name: string, run: () => void): void {
  const start = performance.now();
  run();
  console.log(JSON.stringify({ step: name, ms: Math.round(performance.now() - start), loaded: loaded() }));
}

let ports: import('../../functions/src/ports').Ports | undefined;
step('require gcp/index', () => {
  require('../../functions/src/gcp/index');
});
step('createGcpPorts', () => {
  const { createGcpPorts } = require('../../functions/src/gcp/index') as typeof import('../../functions/src/gcp/index');
  ports = createGcpPorts(testSettings({ projectId: 'cold-start-probe' }));
});
// The client is required and created synchronously inside the first call; the call itself never reaches a server
// because the process exits right after.
const order = (process.argv[2] ?? 'store,builds,training').split(',');
for (const port of order) {
  step(`first ${port} call`, () => {
    const p = ports!;
    const pending =
      port === 'store'
        ? p.store.stat('probe-bucket', 'probe-object')
        : port === 'builds'
          ? p.builds.findBuildForRun('probe')
          : port === 'training'
            ? p.training.getTraining('projects/p/locations/l/trainingPipelines/1')
            : port === 'endpoint'
              ? p.endpoint.getEndpoint()
              : p.publisher.publish('probe', {});
    pending.catch(() => undefined);
  });
}
process.exit(0);
