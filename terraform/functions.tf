# The four 2nd-gen functions. One map says, for each function, which exported entry point it runs and which
# event starts it; one resource block turns every entry into a function with the same runtime, environment,
# timeout and retry policy, so those cannot drift apart.

locals {
  functions = {
    dataset-finalized = {
      entry_point = "onDatasetFinalized"
      event_type  = "google.cloud.storage.object.v1.finalized"
      # Eventarc requires a storage trigger to live in the bucket's location.
      trigger_region = lower(google_storage_bucket.data.location)
      bucket         = google_storage_bucket.data.name
      pubsub_topic   = null
    }
    build-status = {
      entry_point    = "onBuildStatus"
      event_type     = "google.cloud.pubsub.topic.v1.messagePublished"
      trigger_region = var.region
      bucket         = null
      pubsub_topic   = google_pubsub_topic.cloud_builds.id
    }
    training-status = {
      entry_point    = "onTrainingStatus"
      event_type     = "google.cloud.pubsub.topic.v1.messagePublished"
      trigger_region = var.region
      bucket         = null
      pubsub_topic   = google_pubsub_topic.training_events.id
    }
    reconcile-tick = {
      entry_point    = "onReconcileTick"
      event_type     = "google.cloud.pubsub.topic.v1.messagePublished"
      trigger_region = var.region
      bucket         = null
      pubsub_topic   = google_pubsub_topic.reconcile_tick.id
    }
  }
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.functions

  name        = "${var.name_prefix}-${each.key}"
  location    = var.region
  description = "vertex-retrain ${each.value.entry_point}"
  labels      = local.labels

  build_config {
    runtime           = "nodejs22"
    entry_point       = each.value.entry_point
    service_account   = google_service_account.function_builder.id
    docker_repository = google_artifact_registry_repository.functions.id
    # The archive carries the compiled dist/ (see sources.tf). Don't let the buildpack run `npm run build`
    # (tsc is a devDependency) or any lifecycle script such as `prepare`: what runs is exactly what was built
    # and tested locally.
    environment_variables = {
      GOOGLE_NODE_RUN_SCRIPTS   = ""
      NPM_CONFIG_IGNORE_SCRIPTS = "true"
    }
    source {
      storage_source {
        bucket = google_storage_bucket_object.function_source.bucket
        object = google_storage_bucket_object.function_source.name
      }
    }
  }

  service_config {
    available_memory               = "1Gi"
    timeout_seconds                = 540 # the maximum for event-driven functions
    min_instance_count             = 0
    max_instance_count             = var.function_max_instances
    ingress_settings               = "ALLOW_INTERNAL_ONLY" # Eventarc/Pub/Sub deliveries count as internal
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.function[each.key].email
    environment_variables          = local.function_environment
  }

  event_trigger {
    event_type            = each.value.event_type
    trigger_region        = each.value.trigger_region
    pubsub_topic          = each.value.pubsub_topic
    service_account_email = google_service_account.eventarc_trigger.email
    # Retries on: a thrown error means "try again" (the handlers ack permanent failures themselves). After
    # dead_letter_max_delivery_attempts the event moves to the function's dead-letter topic (dead_letter.tf).
    retry_policy = "RETRY_POLICY_RETRY"

    dynamic "event_filters" {
      for_each = each.value.bucket == null ? [] : [each.value.bucket]
      content {
        attribute = "bucket"
        value     = event_filters.value
      }
    }
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.storage_agent_publisher,
    google_project_iam_member.eventarc_trigger_receiver,
    google_artifact_registry_repository_iam_member.function_builder_writer,
    google_project_iam_member.function_builder_log_writer,
    google_storage_bucket_iam_member.function_builder_source_reader,
  ]
}

# Eventarc pushes with the trigger's service account, which must be allowed to invoke each function's service.
resource "google_cloud_run_v2_service_iam_member" "eventarc_invoker" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.eventarc_trigger.email}"
}
