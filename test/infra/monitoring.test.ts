// terraform/monitoring.tf and the run-events topic: the pieces exist, are wired to each other and to the variables.
import assert from 'node:assert/strict';
import { block, TerraformConfig } from './terraform-config';
import { terraformGrants } from './iam-roles';

describe('monitoring and notifications (terraform)', () => {
  let config: TerraformConfig;
  before(async () => {
    config = await TerraformConfig.load();
  });

  it('the run-events topic exists, labelled, and every function may publish to it (and only to it)', () => {
    const topic = config.resource('google_pubsub_topic.run_events').body;
    assert.equal(topic.name, '${var.name_prefix}-run-events');
    assert.equal(topic.labels, '${local.labels}');
    const grant = config.resource('google_pubsub_topic_iam_member.function_run_events').body;
    assert.equal(grant.for_each, '${local.functions}');
    assert.equal(grant.topic, '${google_pubsub_topic.run_events.id}');
    assert.equal(grant.role, 'roles/pubsub.publisher');
    const onTopic = terraformGrants(config).filter((g) => g.source.includes('run_events'));
    assert.deepEqual(
      onTopic.map((g) => g.role),
      ['roles/pubsub.publisher'],
    );
    assert.equal(config.outputs().run_events_topic?.value, '${google_pubsub_topic.run_events.id}');
  });

  it('the Monitoring API is enabled', () => {
    assert.match(String(config.local('required_apis')), /"monitoring\.googleapis\.com"/);
  });

  const policies = ['run_failed', 'dead_letters_waiting', 'no_successful_run'];
  for (const p of policies) {
    it(`alert policy ${p} notifies var.alert_notification_channels and carries the labels`, () => {
      const body = config.resource(`google_monitoring_alert_policy.${p}`).body;
      assert.equal(body.notification_channels, '${var.alert_notification_channels}');
      assert.equal(body.user_labels, '${local.labels}');
      assert.ok(Array.isArray(body.conditions) && body.conditions.length === 1);
      assert.ok(body.documentation);
    });
  }

  it('the FAILED alert counts the FAILED runs metric above var.alert_failed_runs_threshold', () => {
    const cond = block(
      block(config.resource('google_monitoring_alert_policy.run_failed').body, 'conditions'),
      'condition_threshold',
    );
    assert.match(String(cond.filter), /google_logging_metric\.runs_final\["failed"\]\.name/);
    assert.equal(cond.threshold_value, '${var.alert_failed_runs_threshold}');
    assert.equal(cond.comparison, 'COMPARISON_GT');
  });

  it('the dead-letter alert uses the subscription backlog above var.alert_dead_letters_threshold', () => {
    const cond = block(
      block(config.resource('google_monitoring_alert_policy.dead_letters_waiting').body, 'conditions'),
      'condition_threshold',
    );
    assert.equal(cond.filter, '${local.dead_letter_subscription_filter}');
    assert.equal(cond.threshold_value, '${var.alert_dead_letters_threshold}');
    assert.match(String(config.local('dead_letter_subscription_filter')), /num_undelivered_messages/);
  });

  it('the no-success alert looks back var.alert_no_success_days days at the DEPLOYED metric', () => {
    const cond = block(
      block(config.resource('google_monitoring_alert_policy.no_successful_run').body, 'conditions'),
      'condition_prometheus_query_language',
    );
    assert.match(
      String(cond.query),
      /^absent_over_time\(\$\{local\.runs_deployed_promql\}.*\[\$\{var\.alert_no_success_days\}d\]\)$/,
    );
    assert.match(
      String(config.local('runs_deployed_promql')),
      /^logging_googleapis_com:user_\$\{google_logging_metric\.runs_final\["deployed"\]\.name\}$/,
    );
  });

  it('the dashboard shows every runs metric, the function errors and the dead letters', () => {
    const json = String(config.resource('google_monitoring_dashboard.pipeline').body.dashboard_json);
    assert.match(json, /google_logging_metric\.runs_final\[state\]\.name/);
    assert.match(json, /for i, state in sort\(keys\(local\.run_final_state_messages\)\)/);
    assert.match(json, /google_logging_metric\.function_errors\.name/);
    assert.match(json, /local\.dead_letter_subscription_filter/);
  });

  it('the function-errors metric counts ERROR and above, by function', () => {
    const m = config.resource('google_logging_metric.function_errors').body;
    assert.match(String(m.filter), /severity>=ERROR/);
    assert.match(String(m.filter), /\$\{local\.function_log_filter\}/);
  });
});
