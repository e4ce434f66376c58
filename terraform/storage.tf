# Two buckets, on purpose: the data bucket is watched by the finalize trigger, so nothing the pipeline writes may
# land there (a function writing into the bucket it watches re-triggers itself). Everything the pipeline writes
# goes to the artifacts bucket.

resource "google_storage_bucket" "data" {
  name     = local.data_bucket_name
  location = upper(local.data_bucket_location)
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets

  # Versioning keeps every generation of every drop: re-uploading train.csv never loses the data an earlier run
  # was trained on (runs record bucket/name#generation).
  versioning {
    enabled = true
  }

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket" "artifacts" {
  name     = local.artifacts_bucket_name
  location = upper(var.region)
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets

  depends_on = [google_project_service.required]
}
