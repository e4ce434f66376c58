import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describeGrants, forbiddenGrants, scriptGrants, terraformGrants, type Grant } from './iam-roles';
import { parseHcl, TerraformConfig } from './terraform-config';
import { SCORING_ARTIFACTS_PREFIX, scoringFolder } from '../../functions/src/engine/scoring';
import { PREDICTIONS_SUFFIX, predictionsObjectName } from '../../functions/src/pipeline/batch-results';
import { parseGsUri } from '../../functions/src/pipeline/gs-uri';

const SNAPSHOT = 'test/infra/iam-roles.snapshot.txt';
const SCRIPT = 'terraform/scripts/attach-dead-letter.sh';

describe('IAM', () => {
  let grants: Grant[];

  before(async () => {
    const config = await TerraformConfig.load();
    grants = [...terraformGrants(config), ...scriptGrants(SCRIPT, readFileSync(SCRIPT, 'utf8'))];
  });

  it('grants no primitive role and no project-wide admin role', function () {
    // The reviewed list in the test's title, so every run shows what was checked.
    const roles = [...new Set(grants.map((g) => `${g.role} (${g.scope})`))].sort();
    this.test!.title += ` — ${grants.length} grants checked: ${roles.join(', ')}`;
    const bad = forbiddenGrants(grants);
    assert.deepEqual(
      bad.map((b) => `${b.grant.source}: ${b.grant.role} (${b.reason})`),
      [],
    );
  });

  // The reviewed list of every role granted: a change to IAM shows up as a diff of this file.
  // Regenerate after a deliberate change with UPDATE_SNAPSHOTS=1 npm test.
  it(`grants exactly the roles listed in ${SNAPSHOT}`, () => {
    const actual = describeGrants(grants);
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, actual);
    assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'));
  });

  it('grants the build account exactly writer on the trainer repository, log writer, source read and, for the pointer path only, write under source/pushed/', async () => {
    const build = grants
      .filter((g) => g.member === 'serviceAccount:${google_service_account.build.email}')
      .map((g) => g.role)
      .sort();
    assert.deepEqual(build, [
      'roles/artifactregistry.writer',
      'roles/logging.logWriter',
      'roles/storage.objectUser',
      'roles/storage.objectViewer',
    ]);
    // objectUser because rewriting the pointer needs delete as well as create (objectCreator cannot overwrite); only
    // under the pushed-source prefix, and only when data drops read the pointer (not when they run the trigger).
    const config = await TerraformConfig.load();
    const writer = config.resource('google_storage_bucket_iam_member.build_pushed_source_writer').body;
    assert.equal(writer.role, 'roles/storage.objectUser');
    assert.equal(writer.count, '${local.data_drops_run_trigger ? 0 : 1}');
    assert.equal(
      (writer.condition as { expression: string }[])[0]!.expression,
      'resource.name.startsWith("projects/_/buckets/${google_storage_bucket.artifacts.name}/objects/${local.pushed_source_prefix}")',
    );
    // RunBuildTrigger needs no new role for the functions: it checks cloudbuild.builds.create, as CreateBuild does,
    // which roles/cloudbuild.builds.editor already grants them; the trigger runs as the build account they may act as.
    const functionsBuild = config.resource('google_project_iam_member.dataset_function_builds').body;
    assert.equal(functionsBuild.role, 'roles/cloudbuild.builds.editor');
  });

  it('scoring runs: the functions that start batch jobs may call Vertex AI and run them as the serving account', async () => {
    const config = await TerraformConfig.load();
    // onDatasetFinalized starts a drop's job and the reconciler retakes a stale start (engine/scoring.ts).
    const starters = ['dataset-finalized', 'reconcile-tick'];
    const vertexUsers = config.resource('google_project_iam_member.function_vertex_user').body;
    assert.equal(vertexUsers.role, 'roles/aiplatform.user');
    const actAsServing = config.resource('google_service_account_iam_member.functions_act_as_serving').body;
    assert.equal(actAsServing.role, 'roles/iam.serviceAccountUser');
    assert.equal(actAsServing.service_account_id, '${google_service_account.serving.name}');
    for (const fn of starters) {
      assert.match(String(vertexUsers.for_each), new RegExp(`"${fn}"`), `${fn} may call Vertex AI`);
      assert.match(String(actAsServing.for_each), new RegExp(`"${fn}"`), `${fn} may act as the serving account`);
    }
    // The job's identity defaults to the serving account (gcp/vertex-batch.ts), the one SERVING_SERVICE_ACCOUNT names.
    const env = config.local('function_environment') as Record<string, string>;
    assert.equal(env.SERVING_SERVICE_ACCOUNT, '${google_service_account.serving.email}');
  });

  it('scoring runs: the job writes only under scoring/ of the artifacts bucket, the functions only predictions files in the data bucket', async () => {
    const config = await TerraformConfig.load();
    const serving = grants.filter((g) => g.member === 'serviceAccount:${google_service_account.serving.email}');
    assert.deepEqual(
      serving.map((g) => g.role),
      ['roles/storage.objectUser'],
      'the serving account gets one grant: the scoring folders',
    );
    const folder = config.resource('google_storage_bucket_iam_member.serving_scoring_folder').body;
    assert.equal(folder.bucket, '${google_storage_bucket.artifacts.name}');
    assert.equal(
      (folder.condition as { expression: string }[])[0]!.expression,
      'resource.name.startsWith("projects/_/buckets/${google_storage_bucket.artifacts.name}/objects/${local.scoring_artifacts_prefix}")',
    );
    // The prefix the condition names is where the code puts the instances and the job's output.
    assert.equal(config.local('scoring_artifacts_prefix'), SCORING_ARTIFACTS_PREFIX);
    const { name } = parseGsUri(scoringFolder('artifacts', 'test-abc'));
    assert.ok(name.startsWith(SCORING_ARTIFACTS_PREFIX));

    const predictions = config.resource('google_storage_bucket_iam_member.dataset_function_predictions').body;
    assert.equal(predictions.bucket, '${google_storage_bucket.data.name}');
    assert.equal(predictions.role, 'roles/storage.objectAdmin');
    const expression = (predictions.condition as { expression: string }[])[0]!.expression;
    assert.equal(
      expression,
      `resource.name.startsWith("projects/_/buckets/\${google_storage_bucket.data.name}/objects/\${var.scoring_prefix}") && resource.name.endsWith("${PREDICTIONS_SUFFIX}")`,
    );
    // What the code writes for a drop under the default prefix passes the condition; the drop itself does not.
    const allowed = (object: string) => object.startsWith('score/') && object.endsWith(PREDICTIONS_SUFFIX);
    assert.equal(allowed(predictionsObjectName('score/test.csv')), true);
    assert.equal(allowed('score/test.csv'), false);
  });
});

describe('IAM rule check', () => {
  const cases: { name: string; grants: Grant[]; flagged: string[] }[] = [
    {
      name: 'editor at project scope',
      grants: [{ source: 'a', role: 'roles/editor', scope: 'project' }],
      flagged: ['roles/editor'],
    },
    {
      name: 'owner on a bucket',
      grants: [{ source: 'a', role: 'roles/owner', scope: 'resource' }],
      flagged: ['roles/owner'],
    },
    {
      name: 'viewer at project scope',
      grants: [{ source: 'a', role: 'roles/viewer', scope: 'project' }],
      flagged: ['roles/viewer'],
    },
    {
      name: 'storage.admin at project scope',
      grants: [{ source: 'a', role: 'roles/storage.admin', scope: 'project' }],
      flagged: ['roles/storage.admin'],
    },
    {
      name: 'objectAdmin on a bucket',
      grants: [{ source: 'a', role: 'roles/storage.objectAdmin', scope: 'resource' }],
      flagged: [],
    },
    {
      name: 'aiplatform.user at project scope',
      grants: [{ source: 'a', role: 'roles/aiplatform.user', scope: 'project' }],
      flagged: [],
    },
  ];
  for (const c of cases) {
    it(`${c.flagged.length ? 'flags' : 'allows'} ${c.name}`, () => {
      assert.deepEqual(
        forbiddenGrants(c.grants).map((b) => b.grant.role),
        c.flagged,
      );
    });
  }

  it('finds roles/editor in Terraform text end to end (parse → collect → flag)', async () => {
    const sample = `resource "google_project_iam_member" "oops" {\n  project = "p"\n  role    = "roles/editor"\n  member  = "user:a@b.c"\n}\n`;
    const file = await parseHcl('sample.tf', sample);
    const grants = terraformGrants(TerraformConfig.fromFiles([file]));
    assert.deepEqual(
      forbiddenGrants(grants).map((b) => `${b.grant.source} ${b.reason}`),
      ['google_project_iam_member.oops primitive role'],
    );
  });

  it('finds roles in gcloud scripts, project bindings at project scope', () => {
    const script =
      'gcloud projects add-iam-policy-binding p \\\n  --member=x --role=roles/storage.admin\ngcloud pubsub subscriptions add-iam-policy-binding s --role="roles/pubsub.subscriber"\n';
    assert.deepEqual(scriptGrants('s.sh', script), [
      { source: 's.sh', role: 'roles/storage.admin', scope: 'project', member: 'x' },
      { source: 's.sh', role: 'roles/pubsub.subscriber', scope: 'resource', member: undefined },
    ]);
  });
});
