// One cold start, in a fresh process: require the compiled functions entry module, then create the clients one
// function's first event needs (lazy: what the function really loads) or every client package (eager baseline).
// Prints one JSON line: {importMs, clientsMs, rssMb, packages}.
const { performance } = require('node:perf_hooks');
const [mode, clientList] = process.argv.slice(2);
const settings = {
  projectId: 'cold-start',
  region: 'europe-west1',
  dataBucket: 'd',
  artifactsBucket: 'a',
  imageRepository: 'r',
  imageName: 'trainer',
  trainerSourceUri: 'gs://a/s.zip',
  trainingEventsTopic: 't',
  endpointId: '1',
  modelId: 'm',
  trainingMachineType: 'n1-standard-4',
  servingMachineType: 'n1-standard-2',
  trainingServiceAccount: 'a@b',
  servingServiceAccount: 'a@b',
  buildServiceAccount: 'a@b',
  cloudbuildYamlPath: 'cloudbuild.yaml',
  servingCommand: [],
};
const t0 = performance.now();
require('../../dist/functions/src/index.js');
const t1 = performance.now();
if (mode === 'eager') {
  // What a module-scope `require('@google-cloud/aiplatform')` + the other clients would cost every function.
  const { v1 } = require('@google-cloud/aiplatform');
  new v1.PipelineServiceClient();
  new v1.ModelServiceClient();
  new v1.EndpointServiceClient();
  new (require('@google-cloud/storage').Storage)();
  new (require('@google-cloud/cloudbuild').CloudBuildClient)();
  new (require('@google-cloud/pubsub').PubSub)();
} else {
  const { lazyClients } = require('../../dist/functions/src/gcp/clients.js');
  const clients = lazyClients(settings);
  for (const name of clientList.split(',')) clients[name]();
}
const t2 = performance.now();
const packages = ['storage', 'cloudbuild', 'aiplatform', 'pubsub'].filter((p) =>
  Object.keys(require.cache).some((f) => f.includes(`/node_modules/@google-cloud/${p}/`)),
);
console.log(
  JSON.stringify({ importMs: t1 - t0, clientsMs: t2 - t1, rssMb: process.memoryUsage().rss / 1e6, packages }),
);
process.exit(0);
