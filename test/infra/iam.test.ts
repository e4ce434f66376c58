import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describeGrants, forbiddenGrants, scriptGrants, terraformGrants, type Grant } from './iam-roles';
import { parseHcl, TerraformConfig } from './terraform-config';

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
