"""The model artifact, model.json: a standardised ridge regression as plain numbers (training means for imputation,
scaler, coefficients, intercept). Plain JSON instead of a pickle: loading it runs no code, and serving needs only
numpy, whatever scikit-learn version trained it. `predict` is the one place a prediction is computed: the hold-out
metrics, the baseline scoring and the server all call it.
"""

import json

import numpy as np

MODEL_FILE = "model.json"
FORMAT = "vertex-retrain.examples.diabetes.ridge/v1"


def export(features, impute, mean, scale, coef, intercept, alpha, metadata):
    return {
        "format": FORMAT,
        "features": list(features),
        "impute": [float(v) for v in impute],
        "mean": [float(v) for v in mean],
        "scale": [float(v) for v in scale],
        "coef": [float(v) for v in coef],
        "intercept": float(intercept),
        "alpha": float(alpha),
        "metadata": metadata,
    }


def loads(data):
    """Parses model.json; raises ValueError when it is not this trainer's model."""
    model = json.loads(data)
    if not isinstance(model, dict) or model.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} model (format {model.get('format') if isinstance(model, dict) else None!r})")
    n = len(model["features"])
    for key in ("impute", "mean", "scale", "coef"):
        if len(model[key]) != n:
            raise ValueError(f"model.json: {key} has {len(model[key])} values for {n} features")
    return model


def dumps(model):
    return json.dumps(model, indent=1) + "\n"


def predict(model, X):
    """Predictions for the rows of X (columns in model['features'] order; NaN = missing, imputed)."""
    X = np.asarray(X, dtype=float).reshape(-1, len(model["features"]))
    X = np.where(np.isnan(X), np.asarray(model["impute"]), X)
    z = (X - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return z @ np.asarray(model["coef"]) + model["intercept"]
