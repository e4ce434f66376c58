# Dead letters for the Eventarc-managed subscriptions.
#
# A 2nd-gen function's trigger delivers through a Pub/Sub subscription that Eventarc creates and owns
# (eventarc-<region>-<trigger>-sub-<n>). Neither google_cloudfunctions2_function nor google_eventarc_trigger can set
# a dead-letter policy on it (hashicorp/terraform-provider-google#25069 and #17697, both open), and a
# google_pubsub_subscription cannot adopt it. So after every deploy of a function, scripts/attach-dead-letter.sh asks
# Eventarc for the subscription's name and sets the policy with gcloud. It re-runs whenever the function is updated
# or its trigger replaced (a new trigger comes with a new subscription without the policy).
#
# The topics and the subscriptions that keep what lands there (7 days) are plain Terraform, in pubsub.tf.

# The Pub/Sub service agent forwards undeliverable messages, so it must be allowed to publish to each dead-letter
# topic (it also needs subscriber on the source subscription: the script grants that, on that subscription only).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.functions

  topic  = google_pubsub_topic.dead_letter[each.key].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.project_agents.pubsub}"
}

resource "terraform_data" "dead_letter_policy" {
  for_each = var.attach_dead_letter_policies ? local.functions : {}

  triggers_replace = [
    google_cloudfunctions2_function.fn[each.key].event_trigger[0].trigger,
    google_cloudfunctions2_function.fn[each.key].update_time,
    google_pubsub_topic.dead_letter[each.key].id,
    var.dead_letter_max_delivery_attempts,
  ]

  provisioner "local-exec" {
    interpreter = ["bash"]
    command     = "${path.module}/scripts/attach-dead-letter.sh"
    environment = {
      PROJECT_ID        = var.project_id
      TRIGGER           = google_cloudfunctions2_function.fn[each.key].event_trigger[0].trigger
      DEAD_LETTER_TOPIC = google_pubsub_topic.dead_letter[each.key].id
      MAX_ATTEMPTS      = tostring(var.dead_letter_max_delivery_attempts)
      PUBSUB_AGENT      = local.project_agents.pubsub
    }
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher, google_pubsub_subscription.dead_letter]
}
