"""Reads and writes a URI: gs://bucket/object[#generation] through google-cloud-storage (imported only when a gs://
URI is used, so local runs need no Google library), anything else as a local path."""

import re
from pathlib import Path

_GS = re.compile(r"^gs://([^/]+)/(.*)$")


def parse_gs(uri):
    """(bucket, object, generation or None) for a gs:// URI, else None."""
    match = _GS.match(uri)
    if not match:
        return None
    bucket, name = match.groups()
    generation = None
    pinned = re.match(r"^(.*)#(\d+)$", name)
    if pinned:
        name, generation = pinned.group(1), int(pinned.group(2))
    return bucket, name, generation


def join(directory, file):
    return directory.rstrip("/") + "/" + file


def _client():
    from google.cloud import storage  # pylint: disable=import-outside-toplevel

    return storage.Client()


def read_bytes(uri):
    """The object's bytes: exactly the pinned generation when the URI has one."""
    gs = parse_gs(uri)
    if not gs:
        return Path(uri).read_bytes()
    bucket, name, generation = gs
    return _client().bucket(bucket).blob(name, generation=generation).download_as_bytes()


def write_text(uri, text, content_type="application/json"):
    gs = parse_gs(uri)
    if not gs:
        path = Path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return
    bucket, name, _ = gs
    _client().bucket(bucket).blob(name).upload_from_string(text, content_type=content_type)
