# Terraform and provider pins. The google provider range covers the 6.x and 7.x lines: every resource used here
# (cloudfunctions2, eventarc-backed triggers with retry_policy, vertex_ai_endpoint, cloudbuild_trigger with
# repository_event_config) exists unchanged in both. `archive` zips the function and trainer sources; `random`
# picks the numeric Vertex endpoint id once per state.
terraform {
  # 1.5+ for strcontains() and terraform_data.
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.14.0, < 8.0.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
  # Labels every resource that takes labels, on top of the explicit `labels = local.labels` (belt and braces:
  # the explicit ones are what the tests check and what show up in `terraform plan`).
  default_labels = local.labels
}
