# The endpoint every model version is deployed to. It costs nothing while no model is deployed on it; deployed
# models bill per node-hour around the clock (docs/deploy.md, "What costs money while idle").

# Endpoint ids are numeric and chosen by the caller here; a random one per state avoids clashing with an endpoint
# deleted by an earlier teardown.
resource "random_integer" "endpoint_id" {
  min = 1000000000
  max = 2147483647
  keepers = {
    project = var.project_id
    region  = var.region
  }
}

resource "google_vertex_ai_endpoint" "serving" {
  name         = tostring(random_integer.endpoint_id.result)
  display_name = var.model_display_name != "" ? var.model_display_name : "${var.name_prefix}-${var.model_id}"
  description  = "vertex-retrain: serves the promoted versions of ${var.model_id}."
  location     = var.region
  region       = var.region
  labels       = local.labels

  depends_on = [google_project_service.required]
}
