# Trainer image builds on git push. Data drops start their builds from the functions (functions/src/gcp/cloud-build.ts):
# with local.data_drops_run_trigger they run this trigger on main (BUILD_TRIGGER_ID), otherwise they submit
# cloudbuild.yaml on the source archive the pointer names, which this trigger's builds then publish (_SOURCE_POINTER).

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

  # Where the image goes. _RUN_ID stays empty on pushes: the image is tagged with the commit instead. The source
  # archive is published only when data drops read it (no pointer when they run this trigger).
  substitutions = {
    _IMAGE_REPOSITORY = local.image_repository
    _IMAGE_NAME       = var.image_name
    _TRAINER_DIR      = var.trainer_dir
    _SOURCE_POINTER   = local.data_drops_run_trigger ? "" : local.trainer_source_pointer
  }

  lifecycle {
    precondition {
      condition     = !local.data_drops_run_trigger || can(regex(var.trigger_branch_regex, "main"))
      error_message = "data_drops_run_trigger runs this trigger on main, but trigger_branch_regex does not match main: fix the regex or set data_drops_run_trigger = false."
    }
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.build_log_writer,
    google_artifact_registry_repository_iam_member.build_writer,
  ]
}
