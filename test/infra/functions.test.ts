import assert from 'node:assert/strict';
import { block, TerraformConfig, type Block } from './terraform-config';

// The environment's keys and values are checked against the config module in crosscheck-environment.test.ts.

const STORAGE_FINALIZED = 'google.cloud.storage.object.v1.finalized';
const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

// Entry point → the event that must start it.
const TRIGGERS: { entryPoint: string; eventType: string; topic?: string; bucket?: string }[] = [
  { entryPoint: 'onDatasetFinalized', eventType: STORAGE_FINALIZED, bucket: 'google_storage_bucket.data' },
  { entryPoint: 'onBuildStatus', eventType: PUBSUB_PUBLISHED, topic: 'google_pubsub_topic.cloud_builds' },
  { entryPoint: 'onTrainingStatus', eventType: PUBSUB_PUBLISHED, topic: 'google_pubsub_topic.training_events' },
  { entryPoint: 'onReconcileTick', eventType: PUBSUB_PUBLISHED, topic: 'google_pubsub_topic.reconcile_tick' },
];

interface FunctionSpec {
  entry_point: string;
  event_type: string;
  trigger_region: string;
  bucket: string | null;
  pubsub_topic: string | null;
}

describe('functions (terraform)', () => {
  let config: TerraformConfig;
  let specs: Record<string, FunctionSpec>;
  let fn: Block;

  before(async () => {
    config = await TerraformConfig.load();
    specs = config.local('functions') as Record<string, FunctionSpec>;
    fn = config.resource('google_cloudfunctions2_function.fn').body;
  });

  it('one function resource per entry in local.functions, each given the whole environment map', () => {
    assert.equal(fn.for_each, '${local.functions}');
    assert.equal(config.resources('google_cloudfunctions2_function').length, 1);
    assert.equal(block(fn, 'service_config').environment_variables, '${local.function_environment}');
  });

  for (const t of TRIGGERS) {
    it(`${t.entryPoint} is started by ${t.topic ?? `${STORAGE_FINALIZED} on ${t.bucket}`}`, () => {
      const matches = Object.values(specs).filter((s) => s.entry_point === t.entryPoint);
      assert.equal(matches.length, 1, `${t.entryPoint} must appear exactly once in local.functions`);
      const spec = matches[0]!;
      assert.equal(spec.event_type, t.eventType);
      if (t.bucket) {
        assert.equal(spec.bucket, `\${${t.bucket}.name}`);
        assert.equal(spec.pubsub_topic, null);
        // Eventarc rejects a storage trigger outside the bucket's location.
        assert.equal(spec.trigger_region, `\${lower(${t.bucket}.location)}`);
      } else {
        assert.equal(spec.pubsub_topic, `\${${t.topic}.id}`);
        assert.equal(spec.bucket, null);
      }
    });
  }

  it('cloud-builds is the topic Cloud Build publishes to (fixed name)', () => {
    assert.equal(config.resource('google_pubsub_topic.cloud_builds').body.name, 'cloud-builds');
  });

  it('Cloud Scheduler feeds the reconcile-tick topic every few minutes', () => {
    const job = config.resource('google_cloud_scheduler_job.reconcile_tick').body;
    assert.equal(block(job, 'pubsub_target').topic_name, '${google_pubsub_topic.reconcile_tick.id}');
    assert.equal(config.variables().reconcile_schedule?.default, '*/5 * * * *');
  });

  it('the storage trigger filters on the data bucket; Pub/Sub triggers name their topic', () => {
    const trigger = block(fn, 'event_trigger');
    assert.equal(trigger.event_type, '${each.value.event_type}');
    assert.equal(trigger.pubsub_topic, '${each.value.pubsub_topic}');
    const filters = (trigger.dynamic as Record<string, Block[]>).event_filters![0]!;
    assert.equal(block(filters, 'content').attribute, 'bucket');
    assert.equal(filters.for_each, '${each.value.bucket == null ? [] : [each.value.bucket]}');
  });

  it('runs nodejs22 with the entry point from the map, retries on, timeout within the 540-s event limit', () => {
    const build = block(fn, 'build_config');
    assert.equal(build.runtime, 'nodejs22');
    assert.equal(build.entry_point, '${each.value.entry_point}');
    assert.equal(block(fn, 'event_trigger').retry_policy, 'RETRY_POLICY_RETRY');
    const timeout = block(fn, 'service_config').timeout_seconds;
    assert.equal(typeof timeout, 'number');
    assert.ok((timeout as number) > 0 && (timeout as number) <= 540, `timeout ${String(timeout)}`);
  });

  it('each function runs as its own service account', () => {
    assert.equal(config.resource('google_service_account.function').body.for_each, '${local.functions}');
    assert.equal(
      block(fn, 'service_config').service_account_email,
      '${google_service_account.function[each.key].email}',
    );
  });

  it('every function has a dead-letter topic, a 7-day keeping subscription and the policy attached', () => {
    for (const address of [
      'google_pubsub_topic.dead_letter',
      'google_pubsub_subscription.dead_letter',
      'google_pubsub_topic_iam_member.dead_letter_publisher',
    ]) {
      assert.equal(config.resource(address).body.for_each, '${local.functions}', address);
    }
    const sub = config.resource('google_pubsub_subscription.dead_letter').body;
    assert.equal(sub.message_retention_duration, '604800s');
    assert.equal(sub.retain_acked_messages, true);
    assert.equal(block(sub, 'expiration_policy').ttl, '');
    const attach = config.resource('terraform_data.dead_letter_policy').body;
    assert.equal(attach.for_each, '${var.attach_dead_letter_policies ? local.functions : {}}');
  });
});
