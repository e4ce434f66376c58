import assert from 'node:assert/strict';
import { CloudBuildClient } from '@google-cloud/cloudbuild';
import {
  BUILD_STATUSES,
  createCloudBuildService,
  FAILURE_TYPES,
  toBuildResource,
} from '../../../functions/src/gcp/cloud-build';
import { loadBuildConfig } from '../../../functions/src/gcp/cloudbuild-config';
import type { GcpSettings } from '../../../functions/src/gcp/settings';
import { runIdFromBuild } from '../../../functions/src/pipeline/run-id';
import { Storage } from '@google-cloud/storage';
import { FakeGcs } from '../../support/gcp-fake-gcs';
import { fakeGrpc, grpcError, offlineClientOptions, packAny } from '../../support/gcp-grpc';
import { protoOptions, protoRoot } from '../../support/gcp-proto-roots';
import type protobuf from 'protobufjs';
import { testSettings } from '../../support/gcp-settings';
import { assertMatchesProto, protoProblems } from '../../support/proto-schema';

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

/** A storage getter for services that must not read Cloud Storage (no pointer configured). */
const noStorage = (): Storage => assert.fail('Cloud Storage read without TRAINER_SOURCE_POINTER');

async function setup(over: Partial<GcpSettings> = {}, storage: () => Storage = noStorage) {
  const client = new CloudBuildClient(offlineClientOptions());
  const stub = client.initialize();
  const service = createCloudBuildService(testSettings(over), { cloudBuild: () => client, storage });
  return { client, stub, service };
}

const TRIGGER = 'projects/test-project/locations/us-central1/triggers/5b7c1e2a-trigger';

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

    assert.deepEqual(ref, {
      buildId: 'b-1',
      logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-1',
      source: 'gs://test-project-artifacts/source/trainer.tar.gz',
    });
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
    assert.deepEqual(await service.startBuild(run), {
      buildId: 'b-found',
      logUrl: 'https://log/b-found',
      source: settings.trainerSourceUri,
    });
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
      storage: noStorage,
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

describe('gcp/cloud-build: a data drop with a connected repository runs the trigger on main', () => {
  it('sends a RunBuildTriggerRequest that matches the proto, on main, with the run in its substitutions', async () => {
    const { stub, service } = await setup({ buildTriggerId: TRIGGER });
    const created = await fakeGrpc(stub, 'createBuild', () => assert.fail('CreateBuild with a trigger configured'));
    const calls = await fakeGrpc(stub, 'runBuildTrigger', () =>
      queuedOperation({ id: 'b-t1', logUrl: 'https://log/b-t1' }),
    );

    const ref = await service.startBuild(run);

    assert.deepEqual(ref, { buildId: 'b-t1', logUrl: 'https://log/b-t1', source: `${TRIGGER} on main` });
    assert.equal(created.length, 0);
    assert.equal(calls.length, 1);
    const { request, wire, headers, path } = calls[0]!;
    assert.equal(path, `/${CB}.CloudBuild/RunBuildTrigger`);
    // Strict, with one exception: RepoSource.repo_name is REQUIRED for a Cloud Source Repositories source; a
    // repository-event trigger (2nd-gen GitHub connection) names its repository itself, and callers of
    // RunBuildTrigger on such triggers send the revision (branchName) and substitutions only.
    assert.deepEqual(protoProblems(`${CB}.RunBuildTriggerRequest`, request, protoOptions('cloudbuild')), [
      `$.source.repoName: required field of ${CB}.RepoSource is missing`,
    ]);
    assert.equal(request.name, TRIGGER);
    assert.equal(request.projectId, 'test-project');
    assert.equal(request.triggerId, '5b7c1e2a-trigger');
    // Routed to the trigger's region (a 2nd-gen repository's), not REGION.
    assert.match(String(headers['x-goog-request-params']), /location=us-central1/);
    const source = request.source as { branchName: string; substitutions: Record<string, string> };
    assert.equal(source.branchName, 'main');
    assert.deepEqual(source.substitutions, {
      _RUN_ID: run.runId,
      _DATASET_URI: run.datasetUri,
      _IMAGE_TAG: run.runId,
      _IMAGE_REPOSITORY: settings.imageRepository,
      _IMAGE_NAME: settings.imageName,
    });
    // What the server decodes keeps them (nothing dropped by the encoder).
    assert.deepEqual((wire.source as typeof source).substitutions, source.substitutions);
    assert.equal((wire.source as typeof source).branchName, 'main');
  });

  it("the trigger's build maps back to the run through its _RUN_ID substitution (no run tag on trigger builds)", () => {
    // The Build a trigger run reports: the YAML's tags only, the run's substitutions merged over the trigger's.
    const reported = toBuildResource(
      {
        id: 'b-t1',
        status: 3,
        tags: ['vertex-retrain'],
        substitutions: { _IMAGE_NAME: 'trainer', _RUN_ID: run.runId, _DATASET_URI: run.datasetUri },
      },
      'b-t1',
    );
    assert.equal(runIdFromBuild(reported.tags, reported.substitutions), run.runId);
  });

  it("findBuildForRun looks through the trigger's builds for the run's _RUN_ID (ListBuildsRequest proto-checked)", async () => {
    const { stub, service } = await setup({ buildTriggerId: TRIGGER });
    const calls = await fakeGrpc(stub, 'listBuilds', () => ({
      builds: [
        { id: 'b-other', substitutions: { _RUN_ID: 'another-run-1' }, tags: ['vertex-retrain'] },
        { id: 'b-push', substitutions: { _RUN_ID: '' }, tags: ['vertex-retrain'] },
        { id: 'b-mine', substitutions: { _RUN_ID: run.runId }, tags: ['vertex-retrain'], logUrl: 'https://log/b-mine' },
      ],
    }));
    assert.deepEqual(await service.findBuildForRun(run.runId), { buildId: 'b-mine', logUrl: 'https://log/b-mine' });
    assert.equal(await service.findBuildForRun('not-started-run'), undefined);
    assertMatchesProto(`${CB}.ListBuildsRequest`, calls[0]!.request, protoOptions('cloudbuild'));
    assert.equal(calls[0]!.request.filter, 'trigger_id="5b7c1e2a-trigger"');
    assert.equal(calls[0]!.request.parent, 'projects/test-project/locations/us-central1');
  });

  it('falls back to findBuildForRun when the operation carries no build metadata', async () => {
    const { stub, service } = await setup({ buildTriggerId: TRIGGER });
    await fakeGrpc(stub, 'runBuildTrigger', () => queuedOperation(undefined));
    await fakeGrpc(stub, 'listBuilds', () => ({ builds: [{ id: 'b-late', substitutions: { _RUN_ID: run.runId } }] }));
    assert.equal((await service.startBuild(run)).buildId, 'b-late');
  });

  it("getBuild reads the trigger's build in the trigger's region", async () => {
    const { stub, service } = await setup({ buildTriggerId: TRIGGER });
    const calls = await fakeGrpc(stub, 'getBuild', () => ({ id: 'b-t1', status: 'WORKING' }));
    await service.getBuild('b-t1');
    assertMatchesProto(`${CB}.GetBuildRequest`, calls[0]!.request, protoOptions('cloudbuild'));
    assert.equal(calls[0]!.request.name, 'projects/test-project/locations/us-central1/builds/b-t1');
  });

  it('refuses a BUILD_TRIGGER_ID that is not a trigger resource name, naming the setting', () => {
    assert.throws(
      () =>
        createCloudBuildService(testSettings({ buildTriggerId: 'trig-1' }), {
          cloudBuild: assert.fail,
          storage: noStorage,
        }),
      /BUILD_TRIGGER_ID must be projects\/<p>\/locations\/<l>\/triggers\/<id>/,
    );
  });

  it('keeps the gRPC code of a refused trigger run (e.g. PERMISSION_DENIED)', async () => {
    const { stub, service } = await setup({ buildTriggerId: TRIGGER });
    await fakeGrpc(stub, 'runBuildTrigger', () => {
      throw grpcError(7, 'PERMISSION_DENIED: caller lacks cloudbuild.builds.create');
    });
    await assert.rejects(service.startBuild(run), (err: { code?: number }) => err.code === 7);
  });
});

describe('gcp/cloud-build: without a trigger, the archive the git-push build published', () => {
  const POINTER = 'gs://test-project-artifacts/source/pushed/current.json';
  let gcs: FakeGcs;
  let storage: Storage;
  beforeEach(async () => {
    gcs = new FakeGcs();
    storage = new Storage({
      apiEndpoint: await gcs.start(),
      projectId: 'test-project',
      retryOptions: { maxRetries: 0 },
    });
  });
  afterEach(async () => {
    assert.deepEqual(gcs.violations, [], 'requests outside the documented JSON API');
    await gcs.stop();
  });

  async function startWithPointer(): Promise<{ ref: { source?: string }; build: SentBuild }> {
    const { stub, service } = await setup({ trainerSourcePointer: POINTER }, () => storage);
    const calls = await fakeGrpc(stub, 'createBuild', () => queuedOperation({ id: 'b-p' }));
    const ref = await service.startBuild(run);
    assertMatchesProto(`${CB}.CreateBuildRequest`, calls[0]!.request, protoOptions('cloudbuild'));
    return { ref, build: calls[0]!.request.build as SentBuild };
  }

  it('builds the archive the pointer names (CreateBuildRequest proto-checked)', async () => {
    const archive = 'gs://test-project-artifacts/source/pushed/trainer-0123abc.tar.gz';
    gcs.put(
      'test-project-artifacts',
      'source/pushed/current.json',
      JSON.stringify({ sourceUri: archive, commitSha: '0123abc', buildId: 'b-push' }),
      'application/json',
    );
    const { ref, build } = await startWithPointer();
    assert.deepEqual(build.source, {
      storageSource: { bucket: 'test-project-artifacts', object: 'source/pushed/trainer-0123abc.tar.gz' },
    });
    assert.equal(ref.source, archive);
    assert.equal(build.substitutions._RUN_ID, run.runId);
    assert.ok(build.tags.includes(`run-${run.runId}`));
    assert.deepEqual(
      gcs.requests.map((r) => [r.operation, r.object]),
      [
        ['get', 'source/pushed/current.json'],
        ['media', 'source/pushed/current.json'],
      ],
    );
  });

  it('builds TRAINER_SOURCE_URI (terraform apply upload) while no push build has written the pointer', async () => {
    const { ref, build } = await startWithPointer();
    assert.deepEqual(build.source, {
      storageSource: { bucket: 'test-project-artifacts', object: 'source/trainer.tar.gz' },
    });
    assert.equal(ref.source, settings.trainerSourceUri);
  });

  for (const [name, content, error] of [
    ['not JSON', 'gs://x/y.zip', /current\.json is not JSON/],
    [
      'without sourceUri',
      '{"commitSha":"abc"}',
      /"sourceUri" must be gs:\/\/bucket\/<archive>\.zip or \.tar\.gz, got undefined/,
    ],
    ['naming no archive', '{"sourceUri":"gs://b/notes.txt"}', /got "gs:\/\/b\/notes\.txt"/],
  ] as const) {
    it(`fails the build start, naming the pointer, when the pointer is ${name}`, async () => {
      gcs.put('test-project-artifacts', 'source/pushed/current.json', content);
      const { service } = await setup({ trainerSourcePointer: POINTER }, () => storage);
      await assert.rejects(service.startBuild(run), error);
    });
  }
});
