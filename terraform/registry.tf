# Artifact Registry. The trainer repository must be in the Vertex region: Vertex pulls serving and training
# images only from a same-region, single-region repository.

resource "google_artifact_registry_repository" "trainer" {
  location      = var.region
  repository_id = var.artifact_repository_id
  description   = "vertex-retrain trainer/prediction images (tagged by run id or commit; pinned by digest in Vertex)."
  format        = "DOCKER"
  labels        = local.labels

  depends_on = [google_project_service.required]
}

# Where Cloud Functions puts the images it builds from the function source. Named here (instead of the implicit
# gcf-artifacts repository) so the function-build service account can be given writer on this repository only.
resource "google_artifact_registry_repository" "functions" {
  location      = var.region
  repository_id = "${var.artifact_repository_id}-functions"
  description   = "vertex-retrain function images built by Cloud Functions."
  format        = "DOCKER"
  labels        = local.labels

  depends_on = [google_project_service.required]
}
