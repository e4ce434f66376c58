# Service accounts and their roles. One account per function, one per workload (builds, training, serving), one for
# Eventarc deliveries and one for building the functions. Grants are on the bucket / topic / repository / service
# account they concern wherever the API allows it; the project-level grants are the four roles that have no
# narrower scope (aiplatform.user, cloudbuild.builds.editor, logging.logWriter, eventarc.eventReceiver) and the
# Cloud Storage agent's publisher role (Eventarc creates its transport topic at deploy time). The test in
# test/infra/iam.test.ts lists every role granted here and fails on primitive or project-wide admin roles.

# ---- accounts -------------------------------------------------------------------------------------------------

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "${var.name_prefix}-fn-${each.key}"
  display_name = "vertex-retrain ${each.value.entry_point}"
}

resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "vertex-retrain trainer image builds (data drops and git pushes)"
}

resource "google_service_account" "training" {
  account_id   = "${var.name_prefix}-training"
  display_name = "vertex-retrain Vertex AI training runs"
}

resource "google_service_account" "serving" {
  account_id   = "${var.name_prefix}-serving"
  display_name = "vertex-retrain deployed models"
}

resource "google_service_account" "eventarc_trigger" {
  account_id   = "${var.name_prefix}-eventarc"
  display_name = "vertex-retrain Eventarc deliveries to the functions"
}

resource "google_service_account" "function_builder" {
  account_id   = "${var.name_prefix}-fn-build"
  display_name = "vertex-retrain Cloud Functions source builds"
}

locals {
  project_agents = {
    pubsub = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  }
}

data "google_storage_project_service_account" "gcs" {
  depends_on = [google_project_service.required]
}

# ---- functions ------------------------------------------------------------------------------------------------

# Every function reads and compare-and-swaps run records (runs/) and reads/writes run folders.
resource "google_storage_bucket_iam_member" "function_artifacts" {
  for_each = local.functions

  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.function[each.key].email}"
}

# The functions that run the data-drop step: onDatasetFinalized, and the reconciler, which re-runs that step for a
# run whose build claim went stale (functions/src/steps/reconcile.ts). They read the dropped CSV to validate it
# and never change it.
locals {
  dataset_step_functions = toset(["dataset-finalized", "reconcile-tick"])
}

resource "google_storage_bucket_iam_member" "dataset_function_data_reader" {
  for_each = local.dataset_step_functions

  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function[each.key].email}"
}

# The one place the pipeline writes in the data bucket: rejected/<name>.reasons.json, next to the user's data but
# outside the watched prefix. objectAdmin (a new rejection of the same file name replaces the report, which needs
# delete), limited by an IAM condition to rejected/.
resource "google_storage_bucket_iam_member" "dataset_function_rejection_reports" {
  for_each = local.dataset_step_functions

  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.function[each.key].email}"
  condition {
    title       = "rejection-reports-only"
    description = "Only objects under rejected/"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.data.name}/objects/rejected/\")"
  }
}

# Scoring runs write <name>.predictions.csv next to the scored file: objectAdmin (a rescored file's predictions
# replace the old ones), limited by an IAM condition to predictions files under the scoring prefix, so the dropped
# files themselves stay read-only to the functions.
resource "google_storage_bucket_iam_member" "dataset_function_predictions" {
  for_each = local.dataset_step_functions

  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.function[each.key].email}"
  condition {
    title       = "predictions-only"
    description = "Only <name>.predictions.csv under ${var.scoring_prefix}"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.data.name}/objects/${var.scoring_prefix}\") && resource.name.endsWith(\".predictions.csv\")"
  }
}

# They start the data-drop build: CreateBuild, or RunBuildTrigger on the git-push trigger (both check
# cloudbuild.builds.create, which has no resource narrower than the project) ...
resource "google_project_iam_member" "dataset_function_builds" {
  for_each = local.dataset_step_functions

  project = var.project_id
  role    = "roles/cloudbuild.builds.editor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}

# ... and run it as the build account.
resource "google_service_account_iam_member" "dataset_function_acts_as_build" {
  for_each = local.dataset_step_functions

  service_account_id = google_service_account.build.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

moved {
  from = google_storage_bucket_iam_member.dataset_function_data_reader
  to   = google_storage_bucket_iam_member.dataset_function_data_reader["dataset-finalized"]
}

moved {
  from = google_project_iam_member.dataset_function_builds
  to   = google_project_iam_member.dataset_function_builds["dataset-finalized"]
}

moved {
  from = google_service_account_iam_member.dataset_function_acts_as_build
  to   = google_service_account_iam_member.dataset_function_acts_as_build["dataset-finalized"]
}

# The functions that call Vertex AI: training submission, model upload/deploy, polling, and scoring runs (read the
# endpoint, create and read BatchPredictionJobs: onDatasetFinalized starts one for a drop under the scoring prefix).
# aiplatform.user has no resource-level binding for these calls.
resource "google_project_iam_member" "function_vertex_user" {
  for_each = toset(["dataset-finalized", "build-status", "training-status", "reconcile-tick"])

  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}

# onBuildStatus submits training that runs as the training account; so does the reconciler when it re-runs that
# step for a run whose training claim went stale.
resource "google_service_account_iam_member" "build_function_acts_as_training" {
  for_each = toset(["build-status", "reconcile-tick"])

  service_account_id = google_service_account.training.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

moved {
  from = google_service_account_iam_member.build_function_acts_as_training
  to   = google_service_account_iam_member.build_function_acts_as_training["build-status"]
}

# onTrainingStatus deploys models that run as the serving account; the reconciler finishes and retries deploys.
# Batch prediction jobs run as the serving account too (the same container): onDatasetFinalized starts them, the
# reconciler retakes a stale start.
resource "google_service_account_iam_member" "functions_act_as_serving" {
  for_each = toset(["dataset-finalized", "training-status", "reconcile-tick"])

  service_account_id = google_service_account.serving.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

# The reconciler publishes the outcome of a training run that ended without the trainer publishing one.
resource "google_pubsub_topic_iam_member" "reconciler_training_events" {
  topic  = google_pubsub_topic.training_events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.function["reconcile-tick"].email}"
}

# Every function moves runs between states, and publishes each transition on the run-events topic (that topic only).
resource "google_pubsub_topic_iam_member" "function_run_events" {
  for_each = local.functions

  topic  = google_pubsub_topic.run_events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.function[each.key].email}"
}

# ---- trainer image builds -------------------------------------------------------------------------------------

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  location   = google_artifact_registry_repository.trainer.location
  repository = google_artifact_registry_repository.trainer.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

# A user-specified build account must write its logs somewhere; cloudbuild.yaml sends them to Cloud Logging.
resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Data-drop builds fetch the trainer source archive from the artifacts bucket.
resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

# Git-push builds publish the source archive and rewrite the pointer data drops read (cloudbuild.yaml, step
# publish-source) -- only when data drops do read it (not when they run the trigger). objectUser: rewriting the
# pointer needs delete as well as create; the condition keeps it to the pushed-source prefix.
resource "google_storage_bucket_iam_member" "build_pushed_source_writer" {
  count = local.data_drops_run_trigger ? 0 : 1

  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.build.email}"
  condition {
    title       = "pushed-source-only"
    description = "Only objects under ${local.pushed_source_prefix}"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.artifacts.name}/objects/${local.pushed_source_prefix}\")"
  }
}

# ---- training -------------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "training_data_reader" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.training.email}"
}

# Writes the model and metrics.json into the run's folder (overwrites on a retried attempt).
resource "google_storage_bucket_iam_member" "training_artifacts_writer" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.training.email}"
}

resource "google_pubsub_topic_iam_member" "training_events_publisher" {
  topic  = google_pubsub_topic.training_events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.training.email}"
}

# ---- serving --------------------------------------------------------------------------------------------------
# Online serving needs no grant: the model is read from AIP_STORAGE_URI, a Vertex-managed copy that Vertex grants the
# serving account access to itself, and the image is pulled by the Vertex service agent.

# A batch prediction job (a scoring run) runs as the serving account: it reads the instances the function wrote and
# writes its results folder, both under scoring/<run>/ of the artifacts bucket, and nothing else there.
resource "google_storage_bucket_iam_member" "serving_scoring_folder" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.serving.email}"
  condition {
    title       = "scoring-folders-only"
    description = "Only objects under ${local.scoring_artifacts_prefix}"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.artifacts.name}/objects/${local.scoring_artifacts_prefix}\")"
  }
}

# ---- event delivery -------------------------------------------------------------------------------------------

resource "google_project_iam_member" "eventarc_trigger_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc_trigger.email}"
}

# Pub/Sub signs the push requests with an OIDC token of the trigger account (needed explicitly in projects created
# before April 2021; harmless after).
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.eventarc_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.project_agents.pubsub}"
}

# Storage triggers: the Cloud Storage service agent publishes object events into the transport topic Eventarc
# creates at deploy time, whose name is not known in advance, hence the project scope.
resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# ---- function builds ------------------------------------------------------------------------------------------

resource "google_artifact_registry_repository_iam_member" "function_builder_writer" {
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.function_builder.email}"
}

resource "google_project_iam_member" "function_builder_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.function_builder.email}"
}

resource "google_storage_bucket_iam_member" "function_builder_source_reader" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function_builder.email}"
}
