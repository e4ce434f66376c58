// cloudbuild.yaml against the code that submits it and the code that reads its result, with the settings Terraform
// gives the functions: the Build the adapter makes of the REAL cloudbuild.yaml passes the proto-strict check, pushes
// the image the functions will look for, carries the tag onBuildStatus recognises; the git-push trigger runs the same
// file as the build account; the docker steps build trainer/Dockerfile stages that exist.
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
import { evaluateAttribute, evaluateStringMap } from './terraform-eval';

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
    await createCloudBuildService(settings, { cloudBuild: () => client }).startBuild(RUN);
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

  it('builds from the trainer archive Terraform uploads, as the build account Terraform creates', () => {
    const uri = `gs://${sent.source.storageSource.bucket}/${sent.source.storageSource.object}`;
    assert.equal(uri, settings.trainerSourceUri);
    assert.equal(sent.serviceAccount, evaluateAttribute(tf, 'google_service_account.build', 'id', SAMPLE));
  });

  it('pushes exactly ${_IMAGE_REPOSITORY}/${_IMAGE_NAME}:<run id>, the image the functions pin by digest', () => {
    assert.deepEqual(yaml.images, ['${_IMAGE_REPOSITORY}/${_IMAGE_NAME}:${_RUN_ID}${SHORT_SHA}']);
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
