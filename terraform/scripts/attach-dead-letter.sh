#!/usr/bin/env bash
# Puts a dead-letter policy on the Pub/Sub subscription that Eventarc created for one function trigger.
# Terraform cannot manage that subscription (see terraform/dead_letter.tf), so terraform_data runs this after each
# function deploy. Idempotent: re-running sets the same policy and the same binding again.
#
# Inputs (environment):
#   PROJECT_ID         project of the trigger and subscription
#   TRIGGER            full Eventarc trigger name: projects/<p>/locations/<l>/triggers/<t>
#   DEAD_LETTER_TOPIC  full dead-letter topic name: projects/<p>/topics/<t>
#   MAX_ATTEMPTS       deliveries before a message is dead-lettered (5-100)
#   PUBSUB_AGENT       email of the project's Pub/Sub service agent
set -euo pipefail

for name in PROJECT_ID TRIGGER DEAD_LETTER_TOPIC MAX_ATTEMPTS PUBSUB_AGENT; do
  if [[ -z "${!name:-}" ]]; then
    echo "attach-dead-letter: $name is not set" >&2
    exit 2
  fi
done

if [[ ! "$TRIGGER" =~ ^projects/[^/]+/locations/([^/]+)/triggers/([^/]+)$ ]]; then
  echo "attach-dead-letter: TRIGGER must be projects/<p>/locations/<l>/triggers/<t>, got '$TRIGGER'" >&2
  exit 2
fi
location="${BASH_REMATCH[1]}"
trigger_id="${BASH_REMATCH[2]}"

if ! command -v gcloud >/dev/null 2>&1; then
  echo "attach-dead-letter: gcloud is not on the PATH. Install the Google Cloud CLI, or set" \
    "attach_dead_letter_policies = false and attach the policy by hand (docs/deploy.md)." >&2
  exit 3
fi

subscription="$(gcloud eventarc triggers describe "$trigger_id" --project="$PROJECT_ID" \
  --location="$location" --format='value(transport.pubsub.subscription)')"
if [[ -z "$subscription" ]]; then
  echo "attach-dead-letter: trigger $TRIGGER reports no Pub/Sub subscription" >&2
  exit 4
fi

# The service agent acks the original once it has forwarded it, so it needs subscriber on this subscription.
gcloud pubsub subscriptions add-iam-policy-binding "$subscription" --project="$PROJECT_ID" \
  --member="serviceAccount:$PUBSUB_AGENT" --role="roles/pubsub.subscriber" >/dev/null

gcloud pubsub subscriptions update "$subscription" --project="$PROJECT_ID" \
  --dead-letter-topic="$DEAD_LETTER_TOPIC" --max-delivery-attempts="$MAX_ATTEMPTS"

echo "attach-dead-letter: $subscription -> $DEAD_LETTER_TOPIC after $MAX_ATTEMPTS attempts"
