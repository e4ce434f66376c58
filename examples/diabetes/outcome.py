"""The outcome message on the training-events topic (contract vertex-retrain.outcome/v1), published on Vertex only:
a hint that makes the pipeline look at the training now. The pipeline re-reads the training from the API, and its
reconciler catches a trainer that never published, so a failed publish is logged, never fatal."""

import json
import os
import sys

CONTRACT = "vertex-retrain.outcome/v1"


def outcome_message(run_id, status, endpoint_version=None, message=None):
    body = {"contract": CONTRACT, "runId": run_id, "status": status}
    if endpoint_version is not None:
        body["endpointVersion"] = endpoint_version
    if message:
        body["message"] = message[:500]
    return body


def _topic_path(topic, env):
    if topic.startswith("projects/"):
        return topic
    project = env.get("CLOUD_ML_PROJECT_ID") or env.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        raise ValueError(f"TRAINING_EVENTS_TOPIC {topic} is not projects/…/topics/… and no project id is set")
    return f"projects/{project}/topics/{topic}"


def publish_outcome(env_mode, body, env=None):
    """'sent', 'skipped' (local mode, no topic or no run id) or 'failed'."""
    env = os.environ if env is None else env
    topic = env.get("TRAINING_EVENTS_TOPIC")
    if env_mode != "vertex" or not topic or not body.get("runId"):
        return "skipped"
    try:
        from google.cloud import pubsub_v1  # pylint: disable=import-outside-toplevel

        future = pubsub_v1.PublisherClient().publish(
            _topic_path(topic, env), json.dumps(body).encode("utf-8"), runId=body["runId"]
        )
        future.result(timeout=60)
        return "sent"
    except Exception as error:  # pylint: disable=broad-except
        print(f"outcome not published (the reconciler will catch up): {error}", file=sys.stderr)
        return "failed"
