// cloudbuild.yaml against the code that submits it and the code that reads its result, with the settings Terraform
// gives the functions: the Build the adapter makes of the REAL cloudbuild.yaml passes the proto-strict check, pushes
// the image the functions will look for, carries the tag onBuildStatus recognises; the git-push trigger runs the same
// file as the build account; the docker steps build trainer/Dockerfile stages that exist. Both ways a data drop gets
// its code: with a connected repository the functions run the trigger Terraform creates, on main; without one they
// read the pointer the git-push build writes, at the object Terraform names and lets the build account write.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudBuildClient } from '@google-cloud/cloudbuild';
import { DockerfileParser } from 'dockerfile-ast';
import { parseConfig } from '../../functions/src/config';
import { createCloudBuildService } from '../../functions/src/gcp/cloud-build';
import { BUILD_TAG } from '../../functions/src/ports';
import { findCloudbuildYaml, gcpSettingsFromConfig } from '../../functions/src/gcp/settings-from-config';
import type { GcpSettings } from '../../functions/src/gcp/settings';
import { parseGsUri } from '../../functions/src/pipeline/gs-uri';
import type { BuildResource as BuildNotice } from '../../functions/src/ports';
import type { StepContext } from '../../functions/src/engine/context';
import { pinnedImage } from '../../functions/src/engine/metrics';
import { buildStatus } from '../../functions/src/engine/runs';
import { fakeGrpc, offlineClientOptions } from '../support/gcp-grpc';
import { parseVertexConfig } from '../support/gcp-settings';
import { protoOptions } from '../support/gcp-proto-roots';
import { assertMatchesProto } from '../support/proto-schema';
import { buildValues, CLOUDBUILD_FILE, loadBuildConfig, substitute } from './cloudbuild-config';
import { SAMPLE } from './sample-deployment';
import { TerraformConfig } from './terraform-config';
import { Storage } from '@google-cloud/storage';
import { runIdFromBuild } from '../../functions/src/pipeline/run-id';
import { FakeGcs } from '../support/gcp-fake-gcs';
import { protoProblems } from '../support/proto-schema';
import {
  evaluateAttribute,
  evaluateExpression,
  evaluateMapValue,
  evaluateStringMap,
  SAMPLE_TRIGGER_UUID,
} from './terraform-eval';

const CB = 'google.devtools.cloudbuild.v1';
const RUN = { runId: 'd-20261126-0123456789ab', datasetUri: 'gs://my-project-id-vr-data/datasets/train.csv' };
const DIGEST = `sha256:${'ab'.repeat(32)}`;

interface SentBuild {
  source: { storageSource: { bucket: string; object: string } };
  substitutions: Record<string, string>;
  tags: string[];
  images: string[];
  serviceAccount: string;
}

describe('cross-check: cloudbuild.yaml ↔ the functions ↔ Terraform', () => {
  let tf: TerraformConfig;
  let settings: GcpSettings;
  let sent: SentBuild;
  let request: Record<string, unknown>;
  const yaml = loadBuildConfig();

  before(async () => {
    tf = await TerraformConfig.load();
    // The functions' settings exactly as a deployment gets them: Terraform's environment → config → adapter settings,
    // with cloudbuild.yaml found the way the deployed function finds it.
    settings = gcpSettingsFromConfig(parseVertexConfig(evaluateStringMap(tf, 'function_environment', SAMPLE)));
    const client = new CloudBuildClient(offlineClientOptions());
    const calls = await fakeGrpc(client.initialize(), 'createBuild', () => ({ name: 'operations/b', done: false }));
    await fakeGrpc(client.initialize(), 'listBuilds', () => ({ builds: [{ id: 'b-1' }] }));
    // A fresh deployment: no git-push build has written the pointer yet.
    const gcs = new FakeGcs();
    const storage = new Storage({ apiEndpoint: await gcs.start(), projectId: 'p', retryOptions: { maxRetries: 0 } });
    try {
      await createCloudBuildService(settings, { cloudBuild: () => client, storage: () => storage }).startBuild(RUN);
    } finally {
      await gcs.stop();
    }
    assert.deepEqual(gcs.violations, []);
    assert.equal(calls.length, 1);
    request = calls[0]!.request;
    sent = request.build as SentBuild;
  });

  it('the adapter reads the repository cloudbuild.yaml (the one next to package.json)', () => {
    assert.equal(findCloudbuildYaml(), resolve(CLOUDBUILD_FILE));
    assert.equal(settings.cloudbuildYamlPath, resolve(CLOUDBUILD_FILE));
  });

  it('the CreateBuildRequest made of it passes the proto-strict check', () => {
    assertMatchesProto(`${CB}.CreateBuildRequest`, request, protoOptions('cloudbuild'));
    assert.equal(request.parent, `projects/my-project-id/locations/${settings.region}`);
  });

  it('sets only substitutions the yaml declares, the image ones from the functions config', () => {
    const declared = Object.keys(yaml.substitutions ?? {});
    assert.deepEqual(
      Object.keys(sent.substitutions).filter((k) => !declared.includes(k)),
      [],
    );
    assert.equal(sent.substitutions._IMAGE_REPOSITORY, settings.imageRepository);
    assert.equal(sent.substitutions._IMAGE_NAME, settings.imageName);
  });

  it('before any git-push build, builds from the trainer archive Terraform uploads, as the build account Terraform creates', () => {
    const uri = `gs://${sent.source.storageSource.bucket}/${sent.source.storageSource.object}`;
    assert.equal(uri, settings.trainerSourceUri);
    assert.equal(sent.serviceAccount, evaluateAttribute(tf, 'google_service_account.build', 'id', SAMPLE));
  });

  it('pushes exactly ${_IMAGE_REPOSITORY}/${_IMAGE_NAME}:<run id>, the image the functions pin by digest', () => {
    assert.deepEqual(yaml.images, ['${_IMAGE_REPOSITORY}/${_IMAGE_NAME}:${_IMAGE_TAG}']);
    const values = buildValues(yaml, { ...sent.substitutions, SHORT_SHA: '' });
    const pushed = sent.images.map((i) => substitute(i, values));
    assert.deepEqual(pushed, [`${settings.imageRepository}/${settings.imageName}:${RUN.runId}`]);
    // onBuildStatus reads that image's digest from results.images[], even listed after another image.
    const config = parseConfig(evaluateStringMap(tf, 'function_environment', SAMPLE));
    const notice: BuildNotice = {
      id: 'b-1',
      status: 'SUCCESS',
      results: {
        images: [
          { name: 'gcr.io/other/image:x', digest: `sha256:${'cd'.repeat(32)}` },
          { name: pushed[0], digest: DIGEST },
        ],
      },
    };
    assert.deepEqual(pinnedImage(config, notice), {
      uri: `${settings.imageRepository}/${settings.imageName}@${DIGEST}`,
      digest: DIGEST,
    });
  });

  it('tags the build vertex-retrain, the tag onBuildStatus acts on', async () => {
    assert.ok(yaml.tags?.includes(BUILD_TAG), `cloudbuild.yaml tags ${JSON.stringify(yaml.tags)}`);
    assert.ok(sent.tags.includes(BUILD_TAG));
    // A git-push build carries only the yaml's tags; onBuildStatus must take it as its own (here: still running).
    const ctx = { config: parseConfig({}) } as StepContext;
    const ours = await buildStatus(ctx, { id: 'b', status: 'WORKING', tags: yaml.tags ?? [] });
    assert.equal(ours.detail?.why, 'status WORKING');
    const foreign = await buildStatus(ctx, { id: 'b', status: 'WORKING', tags: ['other'] });
    assert.equal(foreign.detail?.why, 'not a vertex-retrain build');
  });

  it('the git-push trigger runs cloudbuild.yaml as the build account, with declared substitutions only', () => {
    const trigger = tf.resource('google_cloudbuild_trigger.trainer_on_push').body;
    assert.equal(trigger.filename, 'cloudbuild.yaml');
    assert.equal(trigger.service_account, '${google_service_account.build.id}');
    const subs = trigger.substitutions as Record<string, string>;
    const declared = Object.keys(yaml.substitutions ?? {});
    assert.deepEqual(
      Object.keys(subs).filter((k) => !declared.includes(k)),
      [],
    );
    // The same image coordinates as the functions get.
    const env = tf.local('function_environment') as Record<string, string>;
    assert.equal(subs._IMAGE_REPOSITORY, env.IMAGE_REPOSITORY);
    assert.equal(subs._IMAGE_NAME, env.IMAGE_NAME);
  });

  it('every docker build step builds trainer/Dockerfile from the repository root, at stages that exist', () => {
    const stages = DockerfileParser.parse(readFileSync('trainer/Dockerfile', 'utf8'))
      .getFROMs()
      .map((f) => f.getBuildStage());
    const values = buildValues(yaml, RUN);
    const builds = yaml.steps.filter((s) => s.args?.[0] === 'build');
    assert.ok(builds.length > 0, 'no docker build step');
    const targets: string[] = [];
    for (const step of builds) {
      const args = step.args!.map((a) => substitute(a, values));
      const file = args.flatMap((a, i) => (a === '-f' ? [args[i + 1]] : a.startsWith('--file=') ? [a.slice(7)] : []));
      assert.deepEqual(file, ['trainer/Dockerfile'], `${step.id} builds another Dockerfile`);
      assert.equal(args.at(-1), '.', `${step.id}: context is not the repository root`);
      for (const a of args) if (a.startsWith('--target=')) targets.push(a.slice(9));
    }
    assert.ok(targets.length > 0, 'no step builds a --target stage (the cached builder stage)');
    assert.deepEqual(
      targets.filter((t) => !stages.includes(t)),
      [],
      `stages in trainer/Dockerfile: ${JSON.stringify(stages)}`,
    );
  });
});

describe('cross-check: which code a data drop builds (Terraform ↔ the functions ↔ cloudbuild.yaml)', () => {
  const REPOSITORY = 'projects/my-project-id/locations/europe-west1/connections/github/repositories/vertex-retrain';
  const CONNECTED = { ...SAMPLE, vars: { ...SAMPLE.vars, github_repository: REPOSITORY } };
  const yaml = loadBuildConfig();
  let tf: TerraformConfig;
  before(async () => {
    tf = await TerraformConfig.load();
  });

  it('with a connected repository, a data drop runs the trigger Terraform creates, on main, tagged with the run id', async () => {
    const env = evaluateStringMap(tf, 'function_environment', CONNECTED);
    const trigger = `projects/my-project-id/locations/europe-west1/triggers/${SAMPLE_TRIGGER_UUID}`;
    assert.equal(env.BUILD_TRIGGER_ID, trigger);
    const settings = gcpSettingsFromConfig(parseVertexConfig(env));
    const client = new CloudBuildClient(offlineClientOptions());
    const calls = await fakeGrpc(client.initialize(), 'runBuildTrigger', () => ({ name: 'operations/t', done: false }));
    await fakeGrpc(client.initialize(), 'listBuilds', () => ({
      builds: [{ id: 'b-t', substitutions: { _RUN_ID: RUN.runId } }],
    }));
    const noStorage = (): Storage => assert.fail('the trigger path reads no source pointer');
    const ref = await createCloudBuildService(settings, { cloudBuild: () => client, storage: noStorage }).startBuild(
      RUN,
    );
    assert.equal(ref.buildId, 'b-t');
    const request = calls[0]!.request as {
      name: string;
      source: { branchName: string; substitutions: Record<string, string> };
    };
    // Proto-strict but for RepoSource.repo_name, which only a Cloud Source Repositories source needs.
    assert.deepEqual(protoProblems(`${CB}.RunBuildTriggerRequest`, request, protoOptions('cloudbuild')), [
      `$.source.repoName: required field of ${CB}.RepoSource is missing`,
    ]);
    assert.equal(request.name, trigger);
    // main: a branch the trigger's push filter accepts (Terraform's precondition keeps it so).
    assert.equal(request.source.branchName, 'main');
    assert.match('main', new RegExp(String(tf.variables().trigger_branch_regex!.default)));
    // Every substitution sent is one cloudbuild.yaml declares, and they override the trigger's own.
    const subs = request.source.substitutions;
    const declared = Object.keys(yaml.substitutions ?? {});
    assert.deepEqual(
      Object.keys(subs).filter((k) => !declared.includes(k)),
      [],
    );
    const triggerSubs = evaluateMapValue(
      tf,
      tf.resource('google_cloudbuild_trigger.trainer_on_push').body.substitutions,
      CONNECTED,
    );
    assert.equal(triggerSubs._SOURCE_POINTER, '', 'data drops run the trigger: no pointer to publish');
    // A trigger build has a commit, so SHORT_SHA is set; the image is still tagged with the run id alone.
    const values = buildValues(yaml, { ...triggerSubs, ...subs, SHORT_SHA: '0123456', COMMIT_SHA: '0123456789' });
    const pushed = (yaml.images ?? []).map((i) => substitute(i, values));
    assert.deepEqual(pushed, [`${settings.imageRepository}/${settings.imageName}:${RUN.runId}`]);
    // The completion message names the run through the substitution (trigger builds carry the YAML's tags only).
    assert.equal(runIdFromBuild(yaml.tags ?? [], values), RUN.runId);
    // No write grant on the pushed-source prefix: nothing writes it in this mode.
    assert.equal(
      evaluateExpression(
        tf,
        String(tf.resource('google_storage_bucket_iam_member.build_pushed_source_writer').body.count).slice(2, -1),
        CONNECTED,
      ),
      0,
    );
  });

  it('without one, the functions read the pointer at the object the push build writes, which only the build account may write', () => {
    for (const sample of [SAMPLE, { ...CONNECTED, vars: { ...CONNECTED.vars, data_drops_run_trigger: false } }]) {
      const env = evaluateStringMap(tf, 'function_environment', sample);
      assert.equal(env.BUILD_TRIGGER_ID, '');
      assert.equal(env.TRAINER_SOURCE_POINTER, 'gs://my-project-id-vr-artifacts/source/pushed/current.json');
      const grant = tf.resource('google_storage_bucket_iam_member.build_pushed_source_writer').body;
      assert.equal(evaluateExpression(tf, String(grant.count).slice(2, -1), sample), 1);
      assert.equal(grant.member, 'serviceAccount:${google_service_account.build.email}');
      const condition = (grant.condition as { expression: string }[])[0]!.expression;
      assert.match(condition, /local\.pushed_source_prefix/);
      const prefix = String(evaluateExpression(tf, 'local.pushed_source_prefix', sample));
      const { name } = parseGsUri(env.TRAINER_SOURCE_POINTER!, 'TRAINER_SOURCE_POINTER');
      assert.ok(name.startsWith(prefix), `${name} is outside ${prefix}`);
      // The publish step writes its archive next to the pointer (inside the granted prefix), as .tar.gz.
      const publish = yaml.steps.find((st) => st.id === 'publish-source')!;
      assert.match(publish.args![1]!, /archive="\$\$\{pointer%\/\*\}\/trainer-\$\{_IMAGE_TAG\}\.tar\.gz"/);
    }
    // With the trigger present but not run by data drops, its push builds publish to that pointer.
    const optOut = { ...CONNECTED, vars: { ...CONNECTED.vars, data_drops_run_trigger: false } };
    const triggerSubs = evaluateMapValue(
      tf,
      tf.resource('google_cloudbuild_trigger.trainer_on_push').body.substitutions,
      optOut,
    );
    assert.equal(
      triggerSubs._SOURCE_POINTER,
      evaluateStringMap(tf, 'function_environment', optOut).TRAINER_SOURCE_POINTER,
    );
    assert.equal(triggerSubs._TRAINER_DIR, String(tf.variables().trainer_dir!.default));
  });
});
