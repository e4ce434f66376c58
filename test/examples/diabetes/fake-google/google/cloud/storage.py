"""A stand-in for google-cloud-storage's surface that examples/diabetes uses (Client().bucket(b).blob(name,
generation=…) with download_as_bytes / upload_from_string), for the tests only: the real library is not installable
on this machine. Objects live under $FAKE_GCS_ROOT/<bucket>/<name> (a pinned generation: <name>#<generation>);
every call is appended to $FAKE_GOOGLE_LOG as a JSON line."""

import json
import os
from pathlib import Path


def _record(**call):
    with open(os.environ["FAKE_GOOGLE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(call) + "\n")


class NotFound(Exception):
    pass


class Blob:
    def __init__(self, bucket, name, generation=None):
        self.bucket, self.name, self.generation = bucket, name, generation

    def _path(self):
        suffix = f"#{self.generation}" if self.generation is not None else ""
        return Path(os.environ["FAKE_GCS_ROOT"], self.bucket, self.name + suffix)

    def download_as_bytes(self):
        _record(call="download_as_bytes", bucket=self.bucket, name=self.name, generation=self.generation)
        if not self._path().exists():
            raise NotFound(f"404 gs://{self.bucket}/{self.name}#{self.generation}")
        return self._path().read_bytes()

    def upload_from_string(self, data, content_type=None):
        _record(call="upload_from_string", bucket=self.bucket, name=self.name, content_type=content_type)
        self._path().parent.mkdir(parents=True, exist_ok=True)
        self._path().write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


class Bucket:
    def __init__(self, name):
        self.name = name

    def blob(self, name, generation=None):
        return Blob(self.name, name, generation)


class Client:
    def bucket(self, name):
        return Bucket(name)
