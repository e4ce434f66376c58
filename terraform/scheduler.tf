# The reconcile tick. Vertex publishes no completion event for custom training and deploys outlast a 540-s function,
# so every few minutes onReconcileTick polls the runs still in flight (training pipelines, deploy operations).
resource "google_cloud_scheduler_job" "reconcile_tick" {
  name        = "${var.name_prefix}-reconcile-tick"
  region      = var.region
  description = "vertex-retrain: poll in-flight training and deploys."
  schedule    = var.reconcile_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.reconcile_tick.id
    data       = base64encode(jsonencode({ source = "cloud-scheduler" }))
  }

  depends_on = [google_project_service.required]
}
