"""The training command (the image's ENTRYPOINT), per the trainer contract:

  main.py --env local|vertex --endpoint_version N --data URI --run-id ID [--baseline-model-dir URI]

Reads the data (vertex: gs://bucket/object#generation, exactly that generation; local: a path), checks it against
dataset.schema.json, trains, and writes model.json and metrics.json (vertex-retrain.metrics/v1) to AIP_MODEL_DIR.
With --baseline-model-dir, the serving model is scored on this run's hold-out rows too (metrics.json "baseline"),
so the gate compares like with like. On vertex, the outcome is published to TRAINING_EVENTS_TOPIC.
Exit codes: 0 trained, 2 dataset rejected (the reasons, with line and column, on stderr), 1 anything else.
"""

import argparse
import hashlib
import json
import os
import sys

import model as artifact
import storage
from outcome import outcome_message, publish_outcome
from preprocess import DatasetError, load_schema, parse_training_csv

METRICS_FILE = "metrics.json"
METRICS_CONTRACT = "vertex-retrain.metrics/v1"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2, which the contract keeps for a rejected dataset
        raise UsageError(f"{message}\n{self.format_usage()}")


def parse_args(argv, env):
    parser = _Parser(prog="main.py", description="Train the diabetes regression (trainer contract v1).")
    parser.add_argument("--env", choices=["local", "vertex"], default="local")
    parser.add_argument("--endpoint_version", type=int)
    parser.add_argument("--data", required=True)
    parser.add_argument("--run-id", dest="run_id")
    parser.add_argument("--baseline-model-dir", dest="baseline_model_dir")
    parser.add_argument("--model-dir", dest="model_dir", default=env.get("AIP_MODEL_DIR"))
    parser.add_argument("--seed", type=int, help="default: train.DEFAULT_SEED (42)")
    args = parser.parse_args(argv)
    if args.endpoint_version is not None and args.endpoint_version < 1:
        raise UsageError(f"--endpoint_version must be >= 1, got {args.endpoint_version}")
    if not args.model_dir:
        raise UsageError("--model-dir is required when AIP_MODEL_DIR is not set")
    if args.env == "local":
        for name, uri in (("--data", args.data), ("--model-dir", args.model_dir), ("--baseline-model-dir", args.baseline_model_dir)):
            if uri and storage.parse_gs(uri):
                raise UsageError(f"{name} {uri}: gs:// URIs need --env vertex (local mode reads paths)")
    return args


def log(message, severity="INFO", **fields):
    print(json.dumps({"severity": severity, "message": message, **fields}), flush=True)


def score_baseline(model_dir, result, features):
    """The serving model's metrics on this run's hold-out rows, or (None, reason) when it cannot read them."""
    from train import regression_metrics  # pylint: disable=import-outside-toplevel

    data = storage.read_bytes(storage.join(model_dir, artifact.MODEL_FILE))  # unreadable: the training fails (1)
    try:
        baseline = artifact.loads(data)
    except (ValueError, KeyError, TypeError) as error:
        # Another trainer's model (the trainer was switched) cannot be scored here; the gate sees no baseline.
        return None, f"the baseline model.json is not this trainer's: {error}"
    missing = [f for f in baseline["features"] if f not in features]
    if missing:
        return None, f"the baseline model needs columns this data lacks: {', '.join(missing)}"
    columns = [features.index(f) for f in baseline["features"]]
    predicted = artifact.predict(baseline, result["holdout"]["X"][:, columns])
    return regression_metrics(result["holdout"]["y"], predicted), None


def run(args):
    # scikit-learn is imported only once the data is accepted: a rejection or a bad argument answers at once.
    data = storage.read_bytes(args.data)
    log("dataset read", uri=args.data, bytes=len(data))
    schema = load_schema()
    dataset = parse_training_csv(data, schema)
    from train import DEFAULT_SEED, train  # pylint: disable=import-outside-toplevel

    seed = DEFAULT_SEED if args.seed is None else args.seed
    metadata = {
        "runId": args.run_id,
        "endpointVersion": args.endpoint_version,
        "trainingData": {"uri": args.data, "sha256": hashlib.sha256(data).hexdigest(), "rows": len(dataset.y)},
        "seed": seed,
    }
    result = train(dataset, seed, metadata)
    metrics = {
        "contract": METRICS_CONTRACT,
        "task": "regression",
        "rows": result["rows"],
        "holdout": result["holdoutInfo"],
        "metrics": result["metrics"],
        "cv": result["cv"],
        "charts": result["charts"],
        "extra": {
            "runId": args.run_id,
            "endpointVersion": args.endpoint_version,
            "alpha": result["model"]["alpha"],
            "trainingMs": result["trainingMs"],
        },
    }
    if dataset.ids is not None:
        mask = result["holdout"]["mask"]
        metrics["extra"]["holdoutRowIds"] = [i for i, held in zip(dataset.ids, mask) if held]
    if args.baseline_model_dir:
        baseline, skipped = score_baseline(args.baseline_model_dir, result, dataset.features)
        if baseline:
            metrics["baseline"] = {"modelDir": args.baseline_model_dir, "metrics": baseline}
        else:
            metrics["extra"]["baselineSkipped"] = skipped
            log("baseline not scored", "WARNING", reason=skipped)
    storage.write_text(storage.join(args.model_dir, artifact.MODEL_FILE), artifact.dumps(result["model"]))
    storage.write_text(storage.join(args.model_dir, METRICS_FILE), json.dumps(metrics, indent=1) + "\n")
    log("model trained", modelDir=args.model_dir, rows=result["rows"], **metrics["metrics"])


def main(argv=None, env=None):
    env = os.environ if env is None else env
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv, env)
    except UsageError as error:
        print(f"invalid arguments: {error}", file=sys.stderr)
        return 1
    code, message = 0, None
    try:
        run(args)
    except DatasetError as error:
        print(str(error), file=sys.stderr)
        log("dataset rejected", "WARNING", problemCount=error.count, problems=error.problems)
        code, message = 2, f"dataset rejected: {error.count} problem(s); first: {error.problems[0]}"
    except Exception as error:  # pylint: disable=broad-except
        print(f"training failed: {type(error).__name__}: {error}", file=sys.stderr)
        code, message = 1, f"{type(error).__name__}: {error}"
    status = {0: "SUCCEEDED", 2: "REJECTED"}.get(code, "FAILED")
    sent = publish_outcome(args.env, outcome_message(args.run_id, status, args.endpoint_version, message), env)
    if sent != "skipped":
        log("outcome message", notice=sent, status=status)
    return code


if __name__ == "__main__":
    sys.exit(main())
