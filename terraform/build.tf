# Trainer image builds on git push. Data-drop builds are not declared here: onDatasetFinalized submits them through
# the Cloud Build API from the same cloudbuild.yaml, with the trainer source archive (sources.tf) as source.

locals {
  # A 2nd-gen repository lives in a region; its trigger must be created in that same region.
  github_repository_region = var.github_repository == "" ? "" : split("/", var.github_repository)[3]
}

resource "google_cloudbuild_trigger" "trainer_on_push" {
  count = var.github_repository == "" ? 0 : 1

  name            = "${var.name_prefix}-trainer-on-push"
  location        = local.github_repository_region
  description     = "vertex-retrain: test and rebuild the trainer image on every push matching ${var.trigger_branch_regex}."
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  repository_event_config {
    repository = var.github_repository
    push {
      branch = var.trigger_branch_regex
    }
  }

  # Where the image goes. _RUN_ID stays empty on pushes: the image is tagged with the commit instead.
  substitutions = {
    _IMAGE_REPOSITORY = local.image_repository
    _IMAGE_NAME       = var.image_name
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.build_log_writer,
    google_artifact_registry_repository_iam_member.build_writer,
  ]
}
