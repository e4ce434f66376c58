# Source archives, named by a hash of their contents so that a change in the code (and only a change) yields a new
# object name, which is what makes Terraform redeploy the functions / hand the new trainer source to data drops.
# The hash is computed from file contents, not from the zip: zip bytes also change with timestamps.

locals {
  repo_root = abspath("${path.module}/..")

  # What a data-drop build needs: the trainer folder (var.trainer_dir), the npm manifest and lock, the TypeScript configs and the build
  # config itself (the same files a git-push build sees, minus everything else in the repository).
  trainer_source_files = sort([
    for f in setunion(
      fileset(local.repo_root, "${var.trainer_dir}/**"),
      fileset(local.repo_root, "{package.json,package-lock.json,tsconfig*.json,cloudbuild.yaml,.dockerignore}"),
    ) : f if !strcontains(f, "node_modules/")
  ])
  trainer_source_hash = substr(sha256(join("\n", [
    for f in local.trainer_source_files : "${f} ${filesha256("${local.repo_root}/${f}")}"
  ])), 0, 16)

  # What the functions run: the compiled code, the npm manifests and lock (the buildpack installs production
  # dependencies from them), cloudbuild.yaml, which onDatasetFinalized turns into the Build it submits, and the
  # trainer's manifest and dataset schema, which the drop check validates against (TRAINER_DIR; no trainer code is
  # loaded for it). Source maps stay out.
  function_source_files = sort([
    for f in setunion(
      fileset(local.repo_root, "dist/**/*.js"),
      fileset(local.repo_root, "{package.json,package-lock.json,cloudbuild.yaml}"),
      # The manifest of the workspace package.json declares: with it the buildpack's npm ci installs exactly the tree
      # the lock describes (without it, npm skips the workspace without a word).
      fileset(local.repo_root, "trainer/package.json"),
      fileset(local.repo_root, "${var.trainer_dir}/{trainer.yaml,dataset.schema.json}"),
    ) : f if !strcontains(f, "node_modules/")
  ])
  function_source_hash = substr(sha256(join("\n", [
    for f in local.function_source_files : "${f} ${filesha256("${local.repo_root}/${f}")}"
  ])), 0, 16)
}

data "archive_file" "trainer_source" {
  type        = "zip"
  output_path = "${path.module}/.build/trainer-${local.trainer_source_hash}.zip"

  # Text files only (file() reads UTF-8): the trainer tree is TypeScript, CSV, JSON and a Dockerfile.
  dynamic "source" {
    for_each = local.trainer_source_files
    content {
      filename = source.value
      content  = file("${local.repo_root}/${source.value}")
    }
  }
}

data "archive_file" "function_source" {
  type        = "zip"
  output_path = "${path.module}/.build/functions-${local.function_source_hash}.zip"

  dynamic "source" {
    for_each = local.function_source_files
    content {
      filename = source.value
      content  = file("${local.repo_root}/${source.value}")
    }
  }
}

# Cloud Build accepts .zip or .tar.gz storage sources; the archive provider writes zip.
resource "google_storage_bucket_object" "trainer_source" {
  bucket = google_storage_bucket.artifacts.name
  name   = "source/trainer-${local.trainer_source_hash}.zip"
  source = data.archive_file.trainer_source.output_path
}

resource "google_storage_bucket_object" "function_source" {
  bucket = google_storage_bucket.artifacts.name
  name   = "functions/functions-${local.function_source_hash}.zip"
  source = data.archive_file.function_source.output_path

  lifecycle {
    precondition {
      condition     = fileexists("${local.repo_root}/dist/functions/src/index.js")
      error_message = "dist/functions/src/index.js is missing: run `npm ci && npm run build` at the repository root before terraform apply."
    }
  }
}
