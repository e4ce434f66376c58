"""Fits and evaluates: a ridge regression on standardised features (scikit-learn's StandardScaler + RidgeCV, the
penalty chosen by leave-one-out on the training rows), scored on a seeded hold-out and by k-fold cross-validation.

The hold-out is keyed by row id when the data has one: a row is held out when sha256("<seed>:<id>") falls in the
lowest 20 %. So the same ids are held out in every run, whatever else a new drop adds or removes, and the serving
model (the baseline) never trained on the candidate's hold-out rows it is compared on. Without an id column the
split is a seeded permutation of the row order.
"""

import hashlib
import math
import time

import numpy as np
import sklearn
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

import model as artifact

DEFAULT_SEED = 42
HOLDOUT_FRACTION = 0.2
CV_FOLDS = 5
ALPHAS = np.logspace(-3, 3, 25)


def holdout_mask(n, ids, seed, fraction=HOLDOUT_FRACTION):
    """True for the hold-out rows."""
    if ids is not None:
        def position(row_id):
            digest = hashlib.sha256(f"{seed}:{row_id}".encode()).digest()
            return int.from_bytes(digest[:8], "big") / 2**64

        return np.array([position(i) < fraction for i in ids], dtype=bool)
    order = np.random.default_rng(seed).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[: math.ceil(n * fraction)]] = True
    return mask


def describe_holdout(keyed, seed):
    if keyed:
        return f"rows whose sha256('{seed}:<row id>') falls in the lowest {HOLDOUT_FRACTION:.0%} (the same ids every run)"
    return f"seeded {1 - HOLDOUT_FRACTION:.0%}/{HOLDOUT_FRACTION:.0%} permutation split, seed {seed}"


def regression_metrics(actual, predicted):
    return {
        "mae": float(mean_absolute_error(actual, predicted)),
        "rmse": float(math.sqrt(mean_squared_error(actual, predicted))),
        "r2": float(r2_score(actual, predicted)),
    }


def fit(features, X, y, metadata=None):
    """A fitted model.json dict. Missing cells are imputed with the training mean of their column."""
    present = (~np.isnan(X)).sum(axis=0)
    sums = np.nansum(X, axis=0)
    impute = np.divide(sums, present, out=np.zeros_like(sums), where=present > 0)
    filled = np.where(np.isnan(X), impute, X)
    scaler = StandardScaler().fit(filled)
    ridge = RidgeCV(alphas=ALPHAS).fit(scaler.transform(filled), y)
    return artifact.export(
        features,
        impute=impute,
        mean=scaler.mean_,
        scale=scaler.scale_,
        coef=ridge.coef_,
        intercept=ridge.intercept_,
        alpha=ridge.alpha_,
        metadata={**(metadata or {}), "sklearnVersion": sklearn.__version__},
    )


def cross_validate(features, X, y, seed, folds=CV_FOLDS):
    """Mean hold-out-fold metrics over k shuffled folds of the training rows."""
    scores = []
    for train_idx, test_idx in KFold(n_splits=folds, shuffle=True, random_state=seed).split(X):
        fold_model = fit(features, X[train_idx], y[train_idx])
        scores.append(regression_metrics(y[test_idx], artifact.predict(fold_model, X[test_idx])))
    return {"folds": folds, "metrics": {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}}


def train(dataset, seed=DEFAULT_SEED, metadata=None):
    """Fits on the training rows, scores on the hold-out; returns the model and everything metrics.json reports."""
    started = time.perf_counter()
    X, y = dataset.X, dataset.y
    mask = holdout_mask(len(y), dataset.ids, seed)
    if mask.all() or not mask.any():
        raise ValueError(f"the hold-out split left {int(mask.sum())} of {len(y)} rows held out")
    train_X, train_y, hold_X, hold_y = X[~mask], y[~mask], X[mask], y[mask]
    fitted = fit(dataset.features, train_X, train_y, metadata)
    predicted = artifact.predict(fitted, hold_X)
    cv = cross_validate(dataset.features, train_X, train_y, seed)
    # The importance of a feature: the magnitude of its coefficient on the standardised scale, as a share.
    weights = np.abs(np.asarray(fitted["coef"]))
    shares = weights / weights.sum() if weights.sum() > 0 else weights
    return {
        "model": fitted,
        "holdout": {"mask": mask, "X": hold_X, "y": hold_y},
        "rows": {"total": int(len(y)), "train": int((~mask).sum()), "holdout": int(mask.sum())},
        "holdoutInfo": {"description": describe_holdout(dataset.ids is not None, seed), "seed": seed},
        "metrics": regression_metrics(hold_y, predicted),
        "cv": cv,
        "charts": {
            "predictedVsActual": [{"actual": float(a), "predicted": float(p)} for a, p in zip(hold_y, predicted)],
            "residuals": [{"predicted": float(p), "residual": float(a - p)} for a, p in zip(hold_y, predicted)],
            "featureImportance": sorted(
                ({"feature": f, "importance": float(s)} for f, s in zip(dataset.features, shares)),
                key=lambda item: -item["importance"],
            ),
        },
        "trainingMs": round((time.perf_counter() - started) * 1000),
    }
