output "project_id" {
  description = "Project the pipeline runs in."
  value       = var.project_id
}

output "region" {
  description = "Region of Vertex AI, Artifact Registry and the functions."
  value       = var.region
}

output "data_bucket" {
  description = "Bucket users drop CSVs into."
  value       = google_storage_bucket.data.name
}

output "drop_path" {
  description = "Copy a CSV here to start a run: gcloud storage cp train.csv <drop_path>"
  value       = "gs://${google_storage_bucket.data.name}/${var.dataset_prefix}"
}

output "scoring_path" {
  description = "Copy a CSV here to score it with the serving version: gcloud storage cp test.csv <scoring_path>; the predictions land next to it."
  value       = "gs://${google_storage_bucket.data.name}/${var.scoring_prefix}"
}

output "artifacts_bucket" {
  description = "Run ledger (runs/), run folders and source archives."
  value       = google_storage_bucket.artifacts.name
}

output "endpoint_id" {
  description = "Numeric id of the Vertex AI endpoint."
  value       = google_vertex_ai_endpoint.serving.name
}

output "endpoint_resource" {
  description = "Full resource name of the Vertex AI endpoint."
  value       = "projects/${var.project_id}/locations/${var.region}/endpoints/${google_vertex_ai_endpoint.serving.name}"
}

output "image_repository" {
  description = "Artifact Registry path of the trainer images."
  value       = local.image_repository
}

output "trainer_source_uri" {
  description = "Source archive terraform apply uploaded: what data drops build until a git-push build has published a newer one (trainer_source_pointer)."
  value       = local.function_environment.TRAINER_SOURCE_URI
}

output "trainer_source_pointer" {
  description = "Object naming the source archive the last git-push build published; data drops build that one (unless data_drops_run_trigger runs the trigger on main)."
  value       = local.trainer_source_pointer
}

output "data_drop_build" {
  description = "How a data drop gets its code: the trigger on main, or the newest published source archive."
  value       = local.data_drops_run_trigger ? "RunBuildTrigger ${local.build_trigger_id} on main" : "CreateBuild on the archive ${local.trainer_source_pointer} names (else ${local.function_environment.TRAINER_SOURCE_URI})"
}

output "function_names" {
  description = "Deployed function name per entry point."
  value       = { for k, f in local.functions : f.entry_point => google_cloudfunctions2_function.fn[k].name }
}

output "dead_letter_subscriptions" {
  description = "Per entry point, the subscription that keeps its dead-lettered events for 7 days."
  value       = { for k, f in local.functions : f.entry_point => google_pubsub_subscription.dead_letter[k].id }
}

output "service_accounts" {
  description = "Service accounts by role."
  value = merge(
    { for k, f in local.functions : f.entry_point => google_service_account.function[k].email },
    {
      build    = google_service_account.build.email
      training = google_service_account.training.email
      serving  = google_service_account.serving.email
      eventarc = google_service_account.eventarc_trigger.email
    },
  )
}

output "function_environment" {
  description = "The environment every function runs with (the CLI's `--env vertex` settings)."
  value       = local.function_environment
}

output "env_file" {
  description = "function_environment as KEY=VALUE lines, plus DEAD_LETTER_ROUTES for the CLI: terraform output -raw env_file > ../.env.vertex"
  value = join("", concat(
    [for k in sort(keys(local.function_environment)) : "${k}=${local.function_environment[k]}\n"],
    # For `vertex-retrain dead-letters --env vertex`: <keeping subscription>=<topic its function listens on>, comma
    # separated; the storage-triggered function has no topic of ours (Eventarc owns its transport), so its letters
    # can be listed but not replayed.
    ["DEAD_LETTER_ROUTES=${join(",", [for k in sort(keys(local.functions)) : "${google_pubsub_subscription.dead_letter[k].id}=${local.functions[k].pubsub_topic != null ? local.functions[k].pubsub_topic : ""}"])}\n"],
  ))
}

output "git_push_trigger" {
  description = "Cloud Build trigger that rebuilds the trainer on push (null when github_repository is empty)."
  value       = one(google_cloudbuild_trigger.trainer_on_push[*].id)
}

output "run_events_topic" {
  description = "Topic every run transition is published on (CloudEvents, binary mode): subscribe to be notified."
  value       = google_pubsub_topic.run_events.id
}

output "monitoring_dashboard" {
  description = "The Cloud Monitoring dashboard of runs, function errors and dead letters."
  value       = google_monitoring_dashboard.pipeline.id
}
