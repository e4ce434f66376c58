# Monitoring: log-based metrics over the functions' own log lines, three alert policies and one dashboard.
#
# The filters match what the code writes (pino JSON on stdout → jsonPayload; `severity` → the entry's severity; the
# run id in jsonPayload.runId, bound on the run's logger). test/infra/crosscheck-monitoring.test.ts checks every
# message and field named here against the log calls under functions/src and against the lines the handlers write for
# runs driven to each final state, so a reworded log line fails a test instead of silencing an alert.

locals {
  # The functions' log entries: 2nd-gen functions run as Cloud Run services named like the functions.
  function_log_filter = join(" AND ", [
    "resource.type=\"cloud_run_revision\"",
    "resource.labels.service_name=(${join(" OR ", [for k in sort(keys(local.functions)) : "\"${var.name_prefix}-${k}\""])})",
  ])

  # A run's final state → the message prefix of the one line the functions log when a run reaches it (once per run,
  # like the `run transition: <from> → <to>` line). A run superseded by a newer generation of its dataset also ends
  # FAILED but logs "run superseded": it is no failure, so it is not counted and raises no alert.
  run_final_state_messages = {
    deployed = "run deployed"
    rejected = "dataset rejected"
    held     = "version held by the quality gate"
    failed   = "run failed"
  }

  # The DEPLOYED counter under its PromQL name (logging.googleapis.com/user/<m> → logging_googleapis_com:user_<m>).
  runs_deployed_promql = "logging_googleapis_com:user_${google_logging_metric.runs_final["deployed"].name}"

  dead_letter_subscription_filter = join(" AND ", [
    "resource.type=\"pubsub_subscription\"",
    "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\"",
    "resource.label.subscription_id=monitoring.regex.full_match(\"${var.name_prefix}-.*-dead-letter-keep\")",
  ])
}

# One counter per final state: runs that ended DEPLOYED, REJECTED, HELD or FAILED.
resource "google_logging_metric" "runs_final" {
  for_each = local.run_final_state_messages

  name   = "${var.name_prefix}_runs_${each.key}"
  filter = "${local.function_log_filter} AND jsonPayload.message=~\"^${each.value}\" AND jsonPayload.runId:*"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "vertex-retrain runs ${upper(each.key)}"
  }

  depends_on = [google_project_service.required]
}

# Every entry at ERROR or above from the functions (failed runs, permanent errors, malformed events, crashes).
resource "google_logging_metric" "function_errors" {
  name   = "${var.name_prefix}_function_errors"
  filter = "${local.function_log_filter} AND severity>=ERROR"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "vertex-retrain function errors"
    labels {
      key         = "function"
      value_type  = "STRING"
      description = "Cloud Run service of the function"
    }
  }
  label_extractors = {
    function = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [google_project_service.required]
}

# Dead letters leave no log line (Pub/Sub moves an event to the dead-letter topic without telling the function), so
# this alert watches the keeping subscriptions' backlog, Pub/Sub's own metric: replayed (acked) letters leave it.
resource "google_monitoring_alert_policy" "dead_letters_waiting" {
  display_name          = "vertex-retrain: dead letters waiting"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "undelivered messages on a dead-letter subscription"
    condition_threshold {
      filter          = local.dead_letter_subscription_filter
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_dead_letters_threshold
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Events exhausted their retries. List and replay them: `npx vertex-retrain dead-letters --env vertex [--replay]`."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_alert_policy" "run_failed" {
  display_name          = "vertex-retrain: a run FAILED"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "runs that ended FAILED"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.runs_final["failed"].name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_failed_runs_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "A run failed. `npx vertex-retrain runs --env vertex` lists it with its reason; `show <run>` has the build and training logs."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.required]
}

# Metric-absence conditions stop at 23.5 hours, so "no successful run for N days" is a PromQL condition.
resource "google_monitoring_alert_policy" "no_successful_run" {
  display_name          = "vertex-retrain: no run DEPLOYED for ${var.alert_no_success_days} days"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "no DEPLOYED run in ${var.alert_no_success_days} days"
    condition_prometheus_query_language {
      query               = "absent_over_time(${local.runs_deployed_promql}{monitored_resource=\"cloud_run_revision\"}[${var.alert_no_success_days}d])"
      duration            = "0s"
      evaluation_interval = "3600s"
    }
  }

  documentation {
    content   = "No dataset has produced a deployed model for ${var.alert_no_success_days} days: check that data still arrives and why recent runs were held, rejected or failed."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_dashboard" "pipeline" {
  dashboard_json = jsonencode({
    displayName = "vertex-retrain"
    mosaicLayout = {
      columns = 12
      tiles = concat(
        [for i, state in sort(keys(local.run_final_state_messages)) : {
          xPos   = (i % 2) * 6
          yPos   = floor(i / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = "Runs ${upper(state)}"
            xyChart = {
              dataSets = [{
                plotType = "STACKED_BAR"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.runs_final[state].name}\" AND resource.type=\"cloud_run_revision\""
                    aggregation = {
                      alignmentPeriod    = "3600s"
                      perSeriesAligner   = "ALIGN_SUM"
                      crossSeriesReducer = "REDUCE_SUM"
                    }
                  }
                }
              }]
            }
          }
        }],
        [
          {
            xPos   = 0
            yPos   = 8
            width  = 6
            height = 4
            widget = {
              title = "Function errors"
              xyChart = {
                dataSets = [{
                  plotType = "LINE"
                  timeSeriesQuery = {
                    timeSeriesFilter = {
                      filter = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.function_errors.name}\" AND resource.type=\"cloud_run_revision\""
                      aggregation = {
                        alignmentPeriod    = "300s"
                        perSeriesAligner   = "ALIGN_SUM"
                        crossSeriesReducer = "REDUCE_SUM"
                        groupByFields      = ["metric.label.function"]
                      }
                    }
                  }
                }]
              }
            }
          },
          {
            xPos   = 6
            yPos   = 8
            width  = 6
            height = 4
            widget = {
              title = "Dead letters waiting"
              xyChart = {
                dataSets = [{
                  plotType = "LINE"
                  timeSeriesQuery = {
                    timeSeriesFilter = {
                      filter = local.dead_letter_subscription_filter
                      aggregation = {
                        alignmentPeriod  = "300s"
                        perSeriesAligner = "ALIGN_MAX"
                      }
                    }
                  }
                }]
              }
            }
          },
        ],
      )
    }
  })

  depends_on = [google_project_service.required]
}
