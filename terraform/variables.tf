# Inputs. Only project_id is required; everything else has a default that matches the functions' own defaults.

variable "project_id" {
  description = "Google Cloud project id to deploy into (6–30 chars: lowercase letters, digits, hyphens; starts with a letter)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id (not a name or number): 6-30 chars, lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region for Vertex AI, Artifact Registry (must be the same region: Vertex rejects multi-region repositories), the functions, Pub/Sub triggers and Cloud Scheduler."
  type        = string
  default     = "us-central1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a single Google Cloud region such as us-central1 or europe-west1 (no multi-regions, no zones)."
  }
}

variable "name_prefix" {
  description = "Short prefix for resource names (functions, topics, service accounts). 2-8 lowercase letters/digits."
  type        = string
  default     = "vr"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.name_prefix))
    error_message = "name_prefix must be 2-8 lowercase letters or digits, starting with a letter (service-account ids are limited to 30 chars)."
  }
}

variable "data_bucket_name" {
  description = "Name of the bucket users drop CSVs into. Empty: <project_id>-vr-data."
  type        = string
  default     = ""
  validation {
    condition     = var.data_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$", var.data_bucket_name))
    error_message = "data_bucket_name must be 3-63 chars of lowercase letters, digits, '-' or '_' (no dots), starting and ending with a letter or digit."
  }
}

variable "artifacts_bucket_name" {
  description = "Name of the bucket for the run ledger (runs/), run folders and the trainer source archive. Empty: <project_id>-vr-artifacts."
  type        = string
  default     = ""
  validation {
    condition     = var.artifacts_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name must be 3-63 chars of lowercase letters, digits, '-' or '_' (no dots), starting and ending with a letter or digit."
  }
}

variable "data_bucket_location" {
  description = "Location of the data bucket. Empty: the region. The storage trigger is created in this location (Eventarc requires trigger location = bucket location)."
  type        = string
  default     = ""
  validation {
    condition     = var.data_bucket_location == "" || can(regex("^[A-Za-z0-9-]+$", var.data_bucket_location))
    error_message = "data_bucket_location must be a bucket location such as us-central1, US or EU."
  }
}

variable "dataset_prefix" {
  description = "Object prefix in the data bucket that starts a run; objects elsewhere in the bucket are ignored by the function."
  type        = string
  default     = "datasets/"
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$", var.dataset_prefix)) && !startswith(var.dataset_prefix, "rejected/")
    error_message = "dataset_prefix must be a relative folder path ending in '/', e.g. datasets/, and not under rejected/ (the pipeline writes its rejection reports there)."
  }
}

variable "scoring_prefix" {
  description = "Object prefix in the data bucket whose CSVs are scored by the serving version (a scoring run, one BatchPredictionJob each); the predictions are written next to each file as <name>.predictions.csv. Must not overlap dataset_prefix."
  type        = string
  default     = "score/"
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$", var.scoring_prefix)) && !startswith(var.scoring_prefix, "rejected/")
    error_message = "scoring_prefix must be a relative folder path ending in '/', e.g. score/, and not under rejected/ (the pipeline writes its rejection reports there)."
  }
}

variable "artifact_repository_id" {
  description = "Artifact Registry Docker repository for the trainer image (created in var.region)."
  type        = string
  default     = "vertex-retrain"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.artifact_repository_id))
    error_message = "artifact_repository_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "image_name" {
  description = "Image name of the trainer inside the repository."
  type        = string
  default     = "trainer"
  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*$", var.image_name))
    error_message = "image_name must be a Docker image name component (lowercase letters, digits, '.', '_' or '-')."
  }
}

variable "model_id" {
  description = "Id of the parent model in the Vertex Model Registry; every run becomes a version of it. The default names the Titanic trainer's model: set it with trainer_dir."
  type        = string
  default     = "titanic-survival"
  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]{0,62}$", var.model_id))
    error_message = "model_id must be 1-63 chars of lowercase letters, digits, '_' or '-', starting with a letter."
  }
}

variable "model_display_name" {
  description = "Display name of the endpoint that serves the model (shown in the Vertex console). Empty: <name_prefix>-<model_id>."
  type        = string
  default     = ""
  validation {
    condition     = length(var.model_display_name) <= 128
    error_message = "model_display_name must be at most 128 characters."
  }
}

variable "training_machine_type" {
  description = "Machine type for Vertex AI custom training."
  type        = string
  default     = "n1-standard-4"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z]+(-[0-9]+)?$", var.training_machine_type))
    error_message = "training_machine_type must be a Compute Engine machine type such as n1-standard-4."
  }
}

variable "training_machine_bands" {
  description = "The training machine by dataset size: comma-separated <size>=<machine type> with increasing sizes, the last *=<machine type> (any larger size), e.g. \"100MB=n1-standard-4,1GB=n1-standard-8,*=n1-highmem-16\". Sizes are bytes of the dropped file, in B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB. Empty: every dataset trains on training_machine_type. The functions also check that sizes increase and refuse to start otherwise."
  type        = string
  default     = ""
  validation {
    condition     = var.training_machine_bands == "" || can(regex("^(\\s*([0-9]*[1-9][0-9]*(\\.[0-9]+)?|[0-9]+\\.[0-9]*[1-9][0-9]*)\\s*(([KkMmGgTt][Ii]?)?[Bb])?\\s*=\\s*[a-z][a-z0-9]*(-[a-z0-9]+)+\\s*,)*\\s*\\*\\s*=\\s*[a-z][a-z0-9]*(-[a-z0-9]+)+\\s*$", var.training_machine_bands))
    error_message = "training_machine_bands must be <size>=<machine type>,...,*=<machine type>, e.g. 100MB=n1-standard-4,*=n1-standard-8 (or empty)."
  }
}

variable "serving_machine_type" {
  description = "Machine type of each serving node. Deployed nodes bill every hour, with or without traffic."
  type        = string
  default     = "n1-standard-2"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z]+(-[0-9]+)?$", var.serving_machine_type))
    error_message = "serving_machine_type must be a Compute Engine machine type such as n1-standard-2."
  }
}

variable "traffic_policy" {
  description = "How a new model version gets traffic: 'replace' (100% to the new version) or 'canary:<pct>' (1-99% to the new version, the rest stays on the current one)."
  type        = string
  default     = "replace"
  validation {
    condition     = can(regex("^(replace|canary:([1-9]|[1-9][0-9]))$", var.traffic_policy))
    error_message = "traffic_policy must be 'replace' or 'canary:<pct>' with pct between 1 and 99."
  }
}

variable "keep_deployed_versions" {
  description = "How many model versions stay deployed on the endpoint (older ones are undeployed to stop their node-hours). At least 2: the previous version stays deployed at 0% for an instant rollback."
  type        = number
  default     = 2
  validation {
    condition     = var.keep_deployed_versions >= 2 && var.keep_deployed_versions <= 20 && floor(var.keep_deployed_versions) == var.keep_deployed_versions
    error_message = "keep_deployed_versions must be a whole number from 2 to 20."
  }
}

variable "max_event_age_seconds" {
  description = "Events older than this are acknowledged without action (stops a 24-hour retry storm from acting on stale data)."
  type        = number
  default     = 86400
  validation {
    condition     = var.max_event_age_seconds >= 60
    error_message = "max_event_age_seconds must be at least 60."
  }
}

variable "max_dataset_bytes" {
  description = "Largest CSV accepted as a dataset (refused before any byte is read; smaller ones are streamed)."
  type        = number
  default     = 2147483648
  validation {
    condition     = var.max_dataset_bytes >= 1024
    error_message = "max_dataset_bytes must be at least 1024."
  }
}

variable "gate_metric" {
  description = "Metric the quality gate compares, one the trainer declares in its trainer.yaml `metrics`. Empty: the trainer manifest's gate.metric (the Titanic trainer: accuracy)."
  type        = string
  default     = ""
  validation {
    condition     = var.gate_metric == "" || can(regex("^[A-Za-z][A-Za-z0-9_]*$", var.gate_metric))
    error_message = "gate_metric must be empty (the trainer's own gate) or a metric name such as accuracy or rmse."
  }
}

variable "gate_floor" {
  description = "A new version must score at least this on the gate metric (at most, for a lower-is-better metric). Null: the trainer manifest's gate.floor (the Titanic trainer: 0.75)."
  type        = number
  default     = null
}

variable "gate_tolerance" {
  description = "A new version may score at most this much worse than the serving version and still be promoted. Null: the trainer manifest's gate.tolerance (the Titanic trainer: 0.01)."
  type        = number
  default     = null
  validation {
    condition     = var.gate_tolerance == null || var.gate_tolerance >= 0
    error_message = "gate_tolerance must be 0 or more."
  }
}

variable "log_level" {
  description = "Log level of the functions."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["fatal", "error", "warn", "info", "debug", "trace"], var.log_level)
    error_message = "log_level must be one of fatal, error, warn, info, debug, trace."
  }
}

variable "claim_lease_seconds" {
  description = "How long a function's claim on a side effect (build, training, deploy) holds before a redelivered event may retake it."
  type        = number
  default     = 600
  validation {
    # Longer than the functions' 540-s timeout, so a claim holder that is still running is never presumed dead.
    condition     = var.claim_lease_seconds > 540 && floor(var.claim_lease_seconds) == var.claim_lease_seconds
    error_message = "claim_lease_seconds must be a whole number above 540 (the functions' timeout)."
  }
}

variable "reconcile_schedule" {
  description = "Cron schedule of the reconcile tick (polls in-flight training pipelines and deploy operations)."
  type        = string
  default     = "*/5 * * * *"
}

variable "function_max_instances" {
  description = "Upper bound on instances per function (caps cost and concurrent Vertex calls)."
  type        = number
  default     = 5
  validation {
    condition     = var.function_max_instances >= 1 && var.function_max_instances <= 100
    error_message = "function_max_instances must be between 1 and 100."
  }
}

variable "dead_letter_max_delivery_attempts" {
  description = "Deliveries of one event before Pub/Sub moves it to the function's dead-letter topic (Pub/Sub allows 5-100)."
  type        = number
  default     = 10
  validation {
    condition     = var.dead_letter_max_delivery_attempts >= 5 && var.dead_letter_max_delivery_attempts <= 100
    error_message = "dead_letter_max_delivery_attempts must be between 5 and 100."
  }
}

variable "attach_dead_letter_policies" {
  description = "Run scripts/attach-dead-letter.sh (needs gcloud) after each function deploy to put a dead-letter policy on the subscription Eventarc manages. See docs/deploy.md."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "Cloud Build 2nd-gen repository for the git-push trigger: projects/<p>/locations/<region>/connections/<c>/repositories/<r>. Empty: no trigger."
  type        = string
  default     = ""
  validation {
    condition     = var.github_repository == "" || can(regex("^projects/[^/]+/locations/[a-z0-9-]+/connections/[^/]+/repositories/[^/]+$", var.github_repository))
    error_message = "github_repository must be empty or projects/<p>/locations/<region>/connections/<c>/repositories/<r>."
  }
}

variable "trigger_branch_regex" {
  description = "Branches whose pushes rebuild the trainer image. With data_drops_run_trigger it must match main, the branch data drops build."
  type        = string
  default     = "^main$"
}

variable "data_drops_run_trigger" {
  description = "With github_repository set: a data drop runs the git-push trigger on main (RunBuildTrigger), so it builds main as it is at the drop. false (or no github_repository): a data drop builds the source archive the last git-push build published (TRAINER_SOURCE_POINTER), or the one terraform apply uploaded before any push build ran. See docs/deploy.md."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete non-empty buckets (and every dataset and model in them). Keep false unless tearing down for good."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Extra labels merged into every labelled resource."
  type        = map(string)
  default     = {}
}

variable "trainer_dir" {
  description = "Folder of the trainer (its trainer.yaml, dataset schema, Dockerfile and code), relative to the repository root. The default is the Titanic trainer. Its whole tree, binary files included, goes into the source archive data-drop builds use."
  type        = string
  default     = "trainer"
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", var.trainer_dir)) && !startswith(var.trainer_dir, ".")
    error_message = "trainer_dir must be a relative folder path without a trailing '/', e.g. trainer, and not start with '.'."
  }
}

variable "alert_notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/<p>/notificationChannels/<id>) the alert policies notify. Empty: the policies still open incidents in the console."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for c in var.alert_notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "alert_notification_channels must be notification channel names: projects/<p>/notificationChannels/<id>."
  }
}

variable "alert_failed_runs_threshold" {
  description = "The 'a run FAILED' alert opens when more than this many runs fail within 5 minutes (0: on the first failure)."
  type        = number
  default     = 0
  validation {
    condition     = var.alert_failed_runs_threshold >= 0 && floor(var.alert_failed_runs_threshold) == var.alert_failed_runs_threshold
    error_message = "alert_failed_runs_threshold must be a whole number of 0 or more."
  }
}

variable "alert_dead_letters_threshold" {
  description = "The 'dead letters waiting' alert opens when a dead-letter subscription holds more than this many undelivered events for 5 minutes."
  type        = number
  default     = 0
  validation {
    condition     = var.alert_dead_letters_threshold >= 0 && floor(var.alert_dead_letters_threshold) == var.alert_dead_letters_threshold
    error_message = "alert_dead_letters_threshold must be a whole number of 0 or more."
  }
}

variable "alert_no_success_days" {
  description = "The 'no successful run' alert opens when no run has reached DEPLOYED for this many days."
  type        = number
  default     = 7
  validation {
    condition     = var.alert_no_success_days >= 1 && var.alert_no_success_days <= 90 && floor(var.alert_no_success_days) == var.alert_no_success_days
    error_message = "alert_no_success_days must be a whole number from 1 to 90."
  }
}
