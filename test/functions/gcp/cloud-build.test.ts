import assert from 'node:assert/strict';
import { CloudBuildClient } from '@google-cloud/cloudbuild';
import {
  BUILD_STATUSES,
  createCloudBuildService,
  FAILURE_TYPES,
  toBuildResource,
} from '../../../functions/src/gcp/cloud-build';
import { loadBuildConfig } from '../../../functions/src/gcp/cloudbuild-config';
import { fakeGrpc, grpcError, offlineClientOptions, packAny } from '../../support/gcp-grpc';
import { protoOptions, protoRoot } from '../../support/gcp-proto-roots';
import type protobuf from 'protobufjs';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto } from '../../support/proto-schema';

const CB = 'google.devtools.cloudbuild.v1';

interface SentBuild {
  source: unknown;
  substitutions: Record<string, string>;
  tags: string[];
  serviceAccount: string;
  timeout: unknown;
  steps: { timeout: unknown }[];
  options: { logging: string };
  images: string[];
}
const settings = testSettings();
const run = { runId: '20261126-abc123', datasetUri: 'gs://test-project-data/datasets/titanic.csv' };

async function setup() {
  const client = new CloudBuildClient(offlineClientOptions());
  const stub = client.initialize();
  const service = createCloudBuildService(settings, { cloudBuild: () => client });
  return { client, stub, service };
}

/** createBuild answering with an operation whose metadata carries the queued build (as Cloud Build does). */
const queuedOperation = (build: Record<string, unknown> | undefined) => ({
  name: 'operations/build/test-project/b-1',
  done: false,
  ...(build ? { metadata: packAny('cloudbuild', `${CB}.BuildOperationMetadata`, { build }) } : {}),
});

describe('gcp/cloud-build', () => {
  it('sends a CreateBuildRequest that matches the proto and carries the run', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'createBuild', () =>
      queuedOperation({
        id: 'b-1',
        status: 'QUEUED',
        logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-1',
      }),
    );
    const ref = await service.startBuild(run);

    assert.deepEqual(ref, { buildId: 'b-1', logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-1' });
    assert.equal(calls.length, 1);
    const { request, headers, path } = calls[0]!;
    assert.equal(path, `/${CB}.CloudBuild/CreateBuild`);
    assertMatchesProto(`${CB}.CreateBuildRequest`, request, protoOptions('cloudbuild'));
    assert.equal(request.projectId, 'test-project');
    assert.equal(request.parent, 'projects/test-project/locations/europe-west1');
    assert.equal(headers['x-goog-request-params'], 'location=europe-west1'); // regional routing
    const build = request.build as SentBuild;
    assert.deepEqual(build.source, {
      storageSource: { bucket: 'test-project-artifacts', object: 'source/trainer.tar.gz' },
    });
    assert.equal(build.substitutions._RUN_ID, run.runId);
    assert.equal(build.substitutions._DATASET_URI, run.datasetUri);
    assert.equal(build.substitutions._IMAGE_REPOSITORY, settings.imageRepository);
    assert.deepEqual(build.tags, ['vertex-retrain', `run-${run.runId}`]);
    assert.equal(
      build.serviceAccount,
      'projects/test-project/serviceAccounts/builder@test-project.iam.gserviceaccount.com',
    );
    assert.deepEqual(build.timeout, { seconds: 1800, nanos: 0 });
    assert.deepEqual(build.steps[0]?.timeout, { seconds: 900, nanos: 0 });
    assert.equal(build.options.logging, 'CLOUD_LOGGING_ONLY');
    assert.deepEqual(build.images, ['${_IMAGE_REPOSITORY}/${_IMAGE_NAME}:${_RUN_ID}']);
    // What the server would decode keeps every field we set (nothing silently dropped by the encoder).
    const wire = calls[0]!.wire.build as { tags: string[]; timeout: { seconds: string } };
    assert.deepEqual(wire.tags, build.tags);
    assert.equal(wire.timeout.seconds, '1800');
  });

  it('falls back to the tag lookup when the operation carries no build metadata', async () => {
    const { stub, service } = await setup();
    await fakeGrpc(stub, 'createBuild', () => queuedOperation(undefined));
    const listCalls = await fakeGrpc(stub, 'listBuilds', () => ({
      builds: [{ id: 'b-found', logUrl: 'https://log/b-found', status: 'QUEUED' }],
    }));
    assert.deepEqual(await service.startBuild(run), { buildId: 'b-found', logUrl: 'https://log/b-found' });
    assert.equal(listCalls.length, 1);
  });

  it('findBuildForRun lists builds by the run tag (ListBuildsRequest proto-checked)', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'listBuilds', () => ({ builds: [] }));
    assert.equal(await service.findBuildForRun('r-9'), undefined);
    assertMatchesProto(`${CB}.ListBuildsRequest`, calls[0]!.request, protoOptions('cloudbuild'));
    assert.equal(calls[0]!.request.filter, 'tags="run-r-9"');
    assert.equal(calls[0]!.request.parent, 'projects/test-project/locations/europe-west1');
  });

  it('keeps the gRPC code on errors so handlers can tell transient from permanent', async () => {
    const { stub, service } = await setup();
    await fakeGrpc(stub, 'createBuild', () => {
      throw grpcError(7, 'PERMISSION_DENIED: caller lacks cloudbuild.builds.create');
    });
    await assert.rejects(service.startBuild(run), (err: { code?: number }) => err.code === 7);
  });

  it('rejects a build config without steps, naming the file', () => {
    assert.throws(() => loadBuildConfig('test/fixtures/titanic/train.csv'), /train\.csv is not a Cloud Build config/);
  });

  it("turns the repository's own cloudbuild.yaml into a proto-valid Build", async () => {
    const service = createCloudBuildService(testSettings({ cloudbuildYamlPath: 'cloudbuild.yaml' }), {
      cloudBuild: () => client,
    });
    const client = new CloudBuildClient(offlineClientOptions());
    const calls = await fakeGrpc(client.initialize(), 'createBuild', () => queuedOperation({ id: 'b-2' }));
    await service.startBuild(run);
    assertMatchesProto(`${CB}.CreateBuildRequest`, calls[0]!.request, protoOptions('cloudbuild'));
  });

  it('getBuild reads the build by its regional name (GetBuildRequest proto-checked) as a BuildResource', async () => {
    const { stub, service } = await setup();
    const calls = await fakeGrpc(stub, 'getBuild', () => ({
      id: 'b-7',
      status: 'SUCCESS',
      tags: ['vertex-retrain', `run-${run.runId}`],
      substitutions: { _RUN_ID: run.runId },
      logUrl: 'https://log/b-7',
      results: { images: [{ name: 'europe-west1-docker.pkg.dev/p/r/trainer:x', digest: `sha256:${'a'.repeat(64)}` }] },
    }));
    const build = await service.getBuild('b-7');
    assert.equal(calls[0]!.path, `/${CB}.CloudBuild/GetBuild`);
    assertMatchesProto(`${CB}.GetBuildRequest`, calls[0]!.request, protoOptions('cloudbuild'));
    assert.equal(calls[0]!.request.projectId, 'test-project');
    assert.equal(calls[0]!.request.id, 'b-7');
    assert.equal(calls[0]!.request.name, 'projects/test-project/locations/europe-west1/builds/b-7');
    assert.equal(calls[0]!.headers['x-goog-request-params'], 'location=europe-west1');
    // Exactly the notification's shape: string enums, no empty defaults the decoder fills in.
    assert.deepEqual(build, {
      id: 'b-7',
      status: 'SUCCESS',
      tags: ['vertex-retrain', `run-${run.runId}`],
      substitutions: { _RUN_ID: run.runId },
      logUrl: 'https://log/b-7',
      results: { images: [{ name: 'europe-west1-docker.pkg.dev/p/r/trainer:x', digest: `sha256:${'a'.repeat(64)}` }] },
    });
  });

  it('getBuild reports a failed build with its failure type and detail; NOT_FOUND keeps its gRPC code', async () => {
    const { stub, service } = await setup();
    await fakeGrpc(stub, 'getBuild', (req) => {
      if (req.id === 'gone') throw grpcError(5, 'NOT_FOUND: build gone');
      return { id: 'b-8', status: 'FAILURE', failureInfo: { type: 'USER_BUILD_STEP', detail: 'step 1 exited 2' } };
    });
    const build = await service.getBuild('b-8');
    assert.equal(build.status, 'FAILURE');
    assert.deepEqual(build.failureInfo, { type: 'USER_BUILD_STEP', detail: 'step 1 exited 2' });
    assert.equal(build.results, undefined);
    await assert.rejects(service.getBuild('gone'), (err: { code?: number }) => err.code === 5);
  });

  it('names Build.Status and FailureType numbers as the proto numbers them', () => {
    const status = protoRoot('cloudbuild').lookupEnum(`${CB}.Build.Status`) as protobuf.Enum;
    for (const [name, id] of Object.entries(status.values)) {
      assert.equal(BUILD_STATUSES[id], name);
      assert.equal(toBuildResource({ status: id }, 'b').status, name);
    }
    const types = protoRoot('cloudbuild').lookupEnum(`${CB}.Build.FailureInfo.FailureType`) as protobuf.Enum;
    for (const [name, id] of Object.entries(types.values)) assert.equal(FAILURE_TYPES[id], name);
    assert.deepEqual(toBuildResource({ id: 'b', status: 4, failureInfo: { type: 5, detail: 'x' } }, 'b').failureInfo, {
      type: 'USER_BUILD_STEP',
      detail: 'x',
    });
  });
});
