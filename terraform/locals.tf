# Names, labels and the functions' environment, in one place.
locals {
  labels = merge(var.labels, {
    app        = "vertex-retrain"
    managed-by = "terraform"
  })

  # The trainer's manifest (trainer.yaml, docs/trainer-contract.md): Terraform checks the gate settings against it.
  trainer_manifest = yamldecode(file("${local.repo_root}/${var.trainer_dir}/trainer.yaml"))

  data_bucket_name      = var.data_bucket_name != "" ? var.data_bucket_name : "${var.project_id}-vr-data"
  artifacts_bucket_name = var.artifacts_bucket_name != "" ? var.artifacts_bucket_name : "${var.project_id}-vr-artifacts"
  data_bucket_location  = var.data_bucket_location != "" ? var.data_bucket_location : var.region

  # <region>-docker.pkg.dev/<project>/<repo>: the form the functions and cloudbuild.yaml expect.
  image_repository = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.trainer.repository_id}"

  # Which code a data drop builds (docs/deploy.md): with a connected repository, the trigger on main, as it is at the
  # drop; otherwise the source archive the pointer names, which every git-push build run with _SOURCE_POINTER
  # rewrites (before the first one: terraform's own upload, TRAINER_SOURCE_URI).
  data_drops_run_trigger = var.github_repository != "" && var.data_drops_run_trigger
  build_trigger_id       = local.data_drops_run_trigger ? google_cloudbuild_trigger.trainer_on_push[0].id : ""
  # Push builds publish their archives next to the pointer, under a prefix of their own (iam.tf lets the build
  # account write there and nowhere else).
  pushed_source_prefix = "source/pushed/"
  # A scoring run's instances and batch results (functions/src/engine/scoring.ts SCORING_ARTIFACTS_PREFIX).
  scoring_artifacts_prefix = "scoring/"
  trainer_source_pointer   = "gs://${google_storage_bucket.artifacts.name}/${local.pushed_source_prefix}current.json"

  # Every variable the functions' config module reads. All four functions get the same map: each reads only what
  # it needs, and one map means a setting can never differ between the function that starts a run and the one
  # that finishes it. Numbers are strings because Cloud Run env values are strings. An empty value is unset for the
  # config module: the gate's then come from the trainer's manifest.
  function_environment = {
    RETRAIN_ENV              = "vertex"
    PROJECT_ID               = var.project_id
    REGION                   = var.region
    DATA_BUCKET              = google_storage_bucket.data.name
    DATASET_PREFIX           = var.dataset_prefix
    SCORING_PREFIX           = var.scoring_prefix
    ARTIFACTS_BUCKET         = google_storage_bucket.artifacts.name
    IMAGE_REPOSITORY         = local.image_repository
    IMAGE_NAME               = var.image_name
    TRAINER_DIR              = var.trainer_dir
    TRAINER_SOURCE_URI       = "gs://${google_storage_bucket_object.trainer_source.bucket}/${google_storage_bucket_object.trainer_source.name}"
    TRAINER_SOURCE_POINTER   = local.trainer_source_pointer
    BUILD_TRIGGER_ID         = local.build_trigger_id
    TRAINING_EVENTS_TOPIC    = google_pubsub_topic.training_events.name
    RUN_EVENTS_TOPIC         = google_pubsub_topic.run_events.name
    ENDPOINT_ID              = google_vertex_ai_endpoint.serving.name
    MODEL_ID                 = var.model_id
    TRAINING_MACHINE_TYPE    = var.training_machine_type
    TRAINING_MACHINE_BANDS   = var.training_machine_bands
    SERVING_MACHINE_TYPE     = var.serving_machine_type
    TRAINING_SERVICE_ACCOUNT = google_service_account.training.email
    SERVING_SERVICE_ACCOUNT  = google_service_account.serving.email
    BUILD_SERVICE_ACCOUNT    = google_service_account.build.email
    TRAFFIC_POLICY           = var.traffic_policy
    KEEP_DEPLOYED_VERSIONS   = tostring(var.keep_deployed_versions)
    MAX_EVENT_AGE_SECONDS    = tostring(var.max_event_age_seconds)
    MAX_DATASET_BYTES        = tostring(var.max_dataset_bytes)
    GATE_METRIC              = var.gate_metric
    GATE_FLOOR               = var.gate_floor == null ? "" : tostring(var.gate_floor)
    GATE_TOLERANCE           = var.gate_tolerance == null ? "" : tostring(var.gate_tolerance)
    LOG_LEVEL                = var.log_level
    CLAIM_LEASE_SECONDS      = tostring(var.claim_lease_seconds)
  }
}
