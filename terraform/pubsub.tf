# Topics. cloud-builds is the fixed name Cloud Build publishes build status to, and it publishes only if the
# topic exists. If it already exists in the project, import it: terraform import google_pubsub_topic.cloud_builds cloud-builds

resource "google_pubsub_topic" "cloud_builds" {
  name   = "cloud-builds"
  labels = local.labels

  depends_on = [google_project_service.required]
}

# The trainer publishes its outcome here; so does the reconciler when it finds a run that ended without one.
resource "google_pubsub_topic" "training_events" {
  name   = "${var.name_prefix}-training-events"
  labels = local.labels

  depends_on = [google_project_service.required]
}

# Fed by Cloud Scheduler (scheduler.tf).
resource "google_pubsub_topic" "reconcile_tick" {
  name   = "${var.name_prefix}-reconcile-tick"
  labels = local.labels

  depends_on = [google_project_service.required]
}

# One dead-letter topic per function, so `vertex-retrain dead-letters --replay` knows where each message came from.
# Seven days of retention on the topic as well, so a subscription can seek back over what landed.
resource "google_pubsub_topic" "dead_letter" {
  for_each = local.functions

  name                       = "${var.name_prefix}-${each.key}-dead-letter"
  labels                     = local.labels
  message_retention_duration = "604800s"

  depends_on = [google_project_service.required]
}

# A dead-letter topic without a subscription drops what it receives; this one keeps it 7 days, acked or not, and
# never expires for inactivity.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.functions

  name   = "${var.name_prefix}-${each.key}-dead-letter-keep"
  topic  = google_pubsub_topic.dead_letter[each.key].id
  labels = local.labels

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}

# Every run transition, as a CloudEvent (functions/src/pipeline/run-event.ts: binary content mode, `ce-*` attributes,
# plus `runId`, `from` and `to` attributes for subscription filters). Nothing subscribes by default: add a push
# subscription to a chat webhook, or a Cloud Function that mails, as docs/deploy.md shows.
resource "google_pubsub_topic" "run_events" {
  name                       = "${var.name_prefix}-run-events"
  labels                     = local.labels
  message_retention_duration = "604800s"

  depends_on = [google_project_service.required]
}
