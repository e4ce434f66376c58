# Source archives, named by a hash of their contents so that a change in the code (and only a change) yields a new
# object name, which is what makes Terraform redeploy the functions / hand the new trainer source to data drops.
# The hash is computed from file contents, not from the zip: zip bytes also change with timestamps.

locals {
  repo_root = abspath("${path.module}/..")

  # What a data-drop build needs: the trainer folder (var.trainer_dir), the npm manifest and lock, the TypeScript
  # configs and the build config itself (the same files a git-push build sees, minus everything else in the
  # repository; cloudbuild.yaml's pack-source step packs the same list for the archives push builds publish).
  trainer_source_files = sort([
    for f in setunion(
      fileset(local.repo_root, "${var.trainer_dir}/**"),
      fileset(local.repo_root, "{package.json,package-lock.json,tsconfig*.json,cloudbuild.yaml,.dockerignore}"),
    ) : f if !strcontains(f, "node_modules/")
  ])
  # Directories the trainer archive never walks (the archive itself is written under terraform/.build).
  trainer_source_skipped_dirs = [".git", "node_modules", "${var.trainer_dir}/node_modules", "dist", "terraform/.build", "terraform/.terraform"]
  trainer_source_hash = substr(sha256(join("\n", [
    for f in local.trainer_source_files : "${f} ${filesha256("${local.repo_root}/${f}")}"
  ])), 0, 16)

  # What the functions run: the compiled modules functions/src/index.ts reaches (the JSON schemas it requires
  # included), not the local stack, the CLI or the test helpers (functions/src/{local,cli,testing}, which a deployed
  # function never loads; test/infra/crosscheck-sources.test.ts walks the entry module's requires to keep this
  # true); the npm manifests and lock (the buildpack installs production dependencies from them); cloudbuild.yaml,
  # which onDatasetFinalized turns into the Build it submits; and the trainer's manifest and dataset schema, which
  # the drop check validates against (TRAINER_DIR; no trainer code is loaded for it). Source maps stay out.
  function_source_files = sort([
    for f in setunion(
      fileset(local.repo_root, "dist/functions/src/**/*.{js,json}"),
      fileset(local.repo_root, "{package.json,package-lock.json,cloudbuild.yaml}"),
      # The manifest of the workspace package.json declares: with it the buildpack's npm ci installs exactly the tree
      # the lock describes (without it, npm skips the workspace without a word).
      fileset(local.repo_root, "trainer/package.json"),
      fileset(local.repo_root, "${var.trainer_dir}/{trainer.yaml,dataset.schema.json}"),
    ) : f if !strcontains(f, "node_modules/") && !can(regex("^dist/functions/src/(local|cli|testing)/", f))
  ])
  function_source_hash = substr(sha256(join("\n", [
    for f in local.function_source_files : "${f} ${filesha256("${local.repo_root}/${f}")}"
  ])), 0, 16)
}

# The trainer archive is read byte for byte (source_dir), so binary files in the trainer folder (a pickled model, an
# image, a Parquet fixture) arrive intact: `source { content = file(...) }` reads UTF-8 text only. Everything in the
# repository outside trainer_source_files is excluded; whole directories that never belong are not even walked.
data "archive_file" "trainer_source" {
  type                        = "zip"
  output_path                 = "${path.module}/.build/trainer-${local.trainer_source_hash}.zip"
  source_dir                  = local.repo_root
  exclude_symlink_directories = true
  excludes = sort(setunion(
    local.trainer_source_skipped_dirs,
    [
      # Dotfiles and dot-folders named explicitly too (.ci/, .github/, .env), whether or not "**" matches them.
      for f in setsubtract(setunion(
        fileset(local.repo_root, "**"),
        fileset(local.repo_root, "{.*,**/.*,.*/**,**/.*/**}"),
      ), local.trainer_source_files) : f
      if length([for d in local.trainer_source_skipped_dirs : d if startswith(f, "${d}/")]) == 0
    ],
  ))
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
    # The functions would refuse a gate metric the trainer does not write; say so at plan time, by name.
    precondition {
      condition     = var.gate_metric == "" || contains([for m in local.trainer_manifest.metrics : m.name], var.gate_metric)
      error_message = "gate_metric \"${var.gate_metric}\" is not a metric ${var.trainer_dir}/trainer.yaml declares (${join(", ", [for m in local.trainer_manifest.metrics : m.name])})."
    }
    # A drop must be one kind of run: the functions refuse a scoring folder inside the training one, or around it.
    precondition {
      condition     = !startswith(var.scoring_prefix, var.dataset_prefix) && !startswith(var.dataset_prefix, var.scoring_prefix)
      error_message = "scoring_prefix \"${var.scoring_prefix}\" and dataset_prefix \"${var.dataset_prefix}\" overlap: each must be a folder of its own."
    }
  }
}
