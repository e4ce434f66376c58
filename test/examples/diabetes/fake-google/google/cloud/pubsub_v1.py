"""A stand-in for google-cloud-pubsub's PublisherClient.publish(topic, data, **attributes) → future, for the tests
only (the real library is not installable on this machine). Each publish is appended to $FAKE_GOOGLE_LOG; with
$FAKE_PUBSUB_FAIL set, the future's result() raises, as a publish that timed out would."""

import json
import os


class _Future:
    def result(self, timeout=None):
        if os.environ.get("FAKE_PUBSUB_FAIL"):
            raise TimeoutError("publish timed out")
        return "1"


class PublisherClient:
    def publish(self, topic, data, **attributes):
        if not isinstance(data, bytes):
            raise TypeError("data must be bytes")
        with open(os.environ["FAKE_GOOGLE_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"call": "publish", "topic": topic, "data": json.loads(data), "attributes": attributes}) + "\n")
        return _Future()
