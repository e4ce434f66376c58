import assert from 'node:assert/strict';
import { block, TerraformConfig } from './terraform-config';

// Resource types used here that take a `labels` argument, and those that have none (per the google provider docs).
// A type in neither list fails the last test, so whoever adds a resource decides which list it belongs to.
const LABELLED = [
  'google_artifact_registry_repository',
  'google_cloudfunctions2_function',
  'google_pubsub_subscription',
  'google_pubsub_topic',
  'google_storage_bucket',
  'google_vertex_ai_endpoint',
];
const UNLABELLABLE = [
  'google_cloud_run_v2_service_iam_member',
  'google_cloud_scheduler_job',
  'google_cloudbuild_trigger',
  // Log-based metrics and dashboards take no labels; alert policies take user_labels (set to local.labels, checked in
  // test/infra/monitoring.test.ts).
  'google_logging_metric',
  'google_monitoring_alert_policy',
  'google_monitoring_dashboard',
  'google_project_service',
  'google_service_account',
  'google_storage_bucket_object',
  'random_integer',
  'terraform_data',
];

describe('buckets and labels (terraform)', () => {
  let config: TerraformConfig;
  before(async () => {
    config = await TerraformConfig.load();
  });

  for (const name of ['data', 'artifacts']) {
    it(`the ${name} bucket has uniform access and enforced public access prevention`, () => {
      const bucket = config.resource(`google_storage_bucket.${name}`).body;
      assert.equal(bucket.uniform_bucket_level_access, true);
      assert.equal(bucket.public_access_prevention, 'enforced');
    });
  }

  it('the data bucket keeps every generation of every drop (versioning on)', () => {
    assert.equal(block(config.resource('google_storage_bucket.data').body, 'versioning').enabled, true);
  });

  it('the data bucket has no lifecycle rule that could delete a drop', () => {
    assert.equal(config.resource('google_storage_bucket.data').body.lifecycle_rule, undefined);
  });

  it('every resource that takes labels gets local.labels', () => {
    const missing = config
      .resources()
      .filter((r) => LABELLED.includes(r.type) && r.body.labels !== '${local.labels}')
      .map((r) => r.address);
    assert.deepEqual(missing, []);
  });

  it('every resource type is classified as labelled or not', () => {
    const unknown = [...new Set(config.resources().map((r) => r.type))].filter(
      (t) => !LABELLED.includes(t) && !UNLABELLABLE.includes(t) && !/_iam_(member|binding)$/.test(t),
    );
    assert.deepEqual(unknown, []);
  });

  it('local.labels marks the app and the tool that manages it', () => {
    const labels = config.local('labels');
    assert.match(String(labels), /app\s*=\s*"vertex-retrain"/);
  });
});
