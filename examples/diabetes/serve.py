"""The serving command (trainer.yaml serve.command): Vertex AI's custom prediction container contract on the
standard library's ThreadingHTTPServer.

  AIP_HTTP_PORT       port to listen on (default 8080)
  AIP_HEALTH_ROUTE    GET: 200 once the model is loaded, 503 before (default /health)
  AIP_PREDICT_ROUTE   POST {"instances":[{…}], "parameters"?: {…}} → {"predictions":[{"value": …}]} (default /predict)
  AIP_STORAGE_URI     the model directory: gs://… through google-cloud-storage, or a local path

Bad input is a 400 naming the field (an unknown field also lists the expected ones); a body over 1.5 MB is a 413;
a 5xx only ever means a fault of the server itself.
"""

import argparse
import json
import os
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import model as artifact
import storage
from preprocess import instance_problems, instance_vector, load_schema

# Vertex's limit for one request on a shared public endpoint.
MAX_BODY_BYTES = int(1.5 * 1024 * 1024)
MAX_LISTED = 20


class BadRequest(Exception):
    def __init__(self, status, message, problems=None):
        super().__init__(message)
        self.status, self.problems = status, problems or []


def log(message, severity="INFO", **fields):
    print(json.dumps({"severity": severity, "message": message, **fields}), flush=True)


class State:
    """What the handlers share: the schema now, the model once loaded."""

    def __init__(self, schema):
        self.schema = schema
        self.model = None
        self.loaded = threading.Event()


def predict_body(state, body):
    """The response for a predict request body (bytes); raises BadRequest."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(400, f"body: not JSON ({error})") from None
    if not isinstance(request, dict):
        raise BadRequest(400, 'body: must be an object {"instances": [...]}')
    unknown = [k for k in request if k not in ("instances", "parameters")]
    if unknown:
        raise BadRequest(400, f"{unknown[0]}: unknown field; expected: instances, parameters")
    instances = request.get("instances")
    if not isinstance(instances, list):
        raise BadRequest(400, "instances: required, a list of objects")
    problems = []
    for index, instance in enumerate(instances):
        problems.extend(instance_problems(state.schema, instance, f"instances[{index}]"))
    if problems:
        listed = problems[:MAX_LISTED]
        raise BadRequest(400, listed[0] if len(problems) == 1 else f"{len(problems)} problems; first: {listed[0]}", listed)
    if not instances:
        return {"predictions": []}
    vectors = [instance_vector(state.schema, i) for i in instances]
    values = artifact.predict(state.model, vectors)
    return {"predictions": [{"value": float(v)} for v in values]}


def make_handler(state, health_route, predict_route):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "diabetes-serve"

        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            pass  # one JSON line per request instead, from _send

        def _send(self, status, payload):
            data = (json.dumps(payload) + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log("request", method=self.command, path=self.path, status=int(status))

        def do_GET(self):  # noqa: N802
            if self.path.split("?")[0] != health_route:
                return self._send(404, {"error": f"no route GET {self.path}"})
            if state.loaded.is_set():
                return self._send(200, {"status": "ok"})
            return self._send(503, {"status": "loading"})

        def do_POST(self):  # noqa: N802
            if self.path.split("?")[0] != predict_route:
                return self._send(404, {"error": f"no route POST {self.path}"})
            try:
                body = self._read_body()
                if not state.loaded.is_set():
                    return self._send(503, {"error": "the model is still loading"})
                return self._send(200, predict_body(state, body))
            except BadRequest as error:
                if error.status == 413:
                    self.close_connection = True  # the unread rest of the body must not be parsed as a request
                payload = {"error": str(error)}
                if error.problems:
                    payload["problems"] = error.problems
                return self._send(error.status, payload)
            except Exception as error:  # pylint: disable=broad-except
                log("prediction failed", "ERROR", error=f"{type(error).__name__}: {error}")
                return self._send(500, {"error": "internal error"})

        def _read_body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.close_connection = True
                raise BadRequest(411, "send the body with a Content-Length")
            text = self.headers.get("Content-Length")
            try:
                length = int(text) if text is not None else 0
            except ValueError:
                self.close_connection = True
                raise BadRequest(400, f"Content-Length: not a number ({text!r})") from None
            if length > MAX_BODY_BYTES:
                raise BadRequest(413, f"body: {length} bytes, over the 1.5 MB limit ({MAX_BODY_BYTES} bytes)")
            return self.rfile.read(length)

    return Handler


def load_model(state, storage_uri):
    try:
        model = artifact.loads(storage.read_bytes(storage.join(storage_uri, artifact.MODEL_FILE)))
        if model["features"] != state.schema.features:
            raise ValueError(f"the model's features {model['features']} differ from the schema's {state.schema.features}")
        state.model = model
        state.loaded.set()
        log("model loaded", uri=storage_uri, features=len(model["features"]))
    except Exception as error:  # pylint: disable=broad-except
        log("model not loaded", "ERROR", uri=storage_uri, error=f"{type(error).__name__}: {error}")
        os._exit(1)  # health never turns 200; exiting lets Vertex restart the container and shows the cause


def main(argv=None, env=None):
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="serve.py")
    # Vertex needs every interface (the default); SERVE_HOST lets a local runner keep the server on one address.
    parser.add_argument("--host", default=env.get("SERVE_HOST") or "0.0.0.0")
    args = parser.parse_args(argv)
    storage_uri = env.get("AIP_STORAGE_URI")
    if not storage_uri:
        print("AIP_STORAGE_URI is not set: it names the model directory", file=sys.stderr)
        return 1
    port = int(env.get("AIP_HTTP_PORT", "8080"))
    health = env.get("AIP_HEALTH_ROUTE", "/health")
    predict = env.get("AIP_PREDICT_ROUTE", "/predict")
    state = State(load_schema())
    server = ThreadingHTTPServer((args.host, port), make_handler(state, health, predict))
    server.daemon_threads = True
    log("listening", port=port, health=health, predict=predict)
    # Listen first, load after: health answers 503 while the model loads.
    threading.Thread(target=load_model, args=(state, storage_uri), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
