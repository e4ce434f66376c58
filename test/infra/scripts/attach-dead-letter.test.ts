import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = 'terraform/scripts/attach-dead-letter.sh';
const SUBSCRIPTION = 'projects/p/subscriptions/eventarc-us-central1-vr-build-status-123-sub-456';
const ENV = {
  PROJECT_ID: 'p',
  TRIGGER: 'projects/p/locations/us-central1/triggers/vr-build-status-123',
  DEAD_LETTER_TOPIC: 'projects/p/topics/vr-build-status-dead-letter',
  MAX_ATTEMPTS: '10',
  PUBSUB_AGENT: 'service-42@gcp-sa-pubsub.iam.gserviceaccount.com',
};

/** Runs the script with a fake gcloud that logs its arguments and answers `describe` with `subscription`. */
function run(env: Record<string, string>, subscription = SUBSCRIPTION, withGcloud = true) {
  const dir = mkdtempSync(join(tmpdir(), 'dlq-'));
  const log = join(dir, 'gcloud.log');
  if (withGcloud) {
    writeFileSync(
      join(dir, 'gcloud'),
      `#!/bin/bash\necho "$*" >> "${log}"\n[[ "$1 $2 $3" == "eventarc triggers describe" ]] && echo "${subscription}"\nexit 0\n`,
    );
    chmodSync(join(dir, 'gcloud'), 0o755);
  }
  // PATH is the fake dir alone: a real gcloud (installed on some machines) must never be reached. The script needs
  // nothing but bash builtins and gcloud.
  const result = spawnSync('/bin/bash', [SCRIPT], { encoding: 'utf8', env: { ...env, PATH: dir } });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: result.status, stderr: result.stderr, calls };
}

describe('terraform/scripts/attach-dead-letter.sh', () => {
  it('finds the Eventarc subscription, lets the Pub/Sub agent ack it, and sets the dead-letter policy', () => {
    const r = run(ENV);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      'eventarc triggers describe vr-build-status-123 --project=p --location=us-central1 --format=value(transport.pubsub.subscription)',
      `pubsub subscriptions add-iam-policy-binding ${SUBSCRIPTION} --project=p --member=serviceAccount:${ENV.PUBSUB_AGENT} --role=roles/pubsub.subscriber`,
      `pubsub subscriptions update ${SUBSCRIPTION} --project=p --dead-letter-topic=${ENV.DEAD_LETTER_TOPIC} --max-delivery-attempts=10`,
    ]);
  });

  const failures: [string, Record<string, string>, string, boolean, number, RegExp][] = [
    ['a missing input', { ...ENV, MAX_ATTEMPTS: '' }, SUBSCRIPTION, true, 2, /MAX_ATTEMPTS is not set/],
    [
      'a trigger that is not a full name',
      { ...ENV, TRIGGER: 'vr-build-status-123' },
      SUBSCRIPTION,
      true,
      2,
      /TRIGGER must be/,
    ],
    ['a trigger without a subscription', ENV, '', true, 4, /reports no Pub\/Sub subscription/],
    ['no gcloud on the PATH', ENV, SUBSCRIPTION, false, 3, /gcloud is not on the PATH/],
  ];
  for (const [name, env, subscription, withGcloud, code, message] of failures) {
    it(`stops with exit ${code} and says why on ${name}, changing nothing`, () => {
      const r = run(env, subscription, withGcloud);
      assert.equal(r.status, code);
      assert.match(r.stderr, message);
      assert.ok(!r.calls.some((c) => /update|add-iam/.test(c)), `unexpected calls: ${r.calls.join('; ')}`);
    });
  }
});
