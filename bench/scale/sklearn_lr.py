"""scikit-learn's LogisticRegression on a Titanic-shaped CSV: 5-fold stratified CV + a final fit on every row.

The comparison for `npm run bench:scale`. Features are the usual simple ones (class, sex, age with a missing flag,
relatives, log fare, port), standardised; lbfgs, C=1.0 (scikit-learn's default). Prints one `RESULT {json}` line:
wall and CPU time (all threads) from reading the file to the final fit (no interpreter start-up or imports) and peak RSS (ru_maxrss).
"""
import json
import resource
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

try:
    import pandas as pd
except ImportError:  # Debian's python3-sklearn does not pull pandas in: read with the csv module then
    pd = None


def load(path):
    if pd is not None:
        frame = pd.read_csv(path)
        columns = {c: frame[c].to_numpy() for c in frame.columns}
    else:
        import csv

        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header, rows = rows[0], rows[1:]
        columns = {c: np.array([r[i] for r in rows], dtype=object) for i, c in enumerate(header)}
    num = lambda c: np.array([float(v) if v not in ("", None) and v == v else np.nan for v in columns[c]], dtype=float) if pd is None else columns[c].astype(float)
    age, fare = num("Age"), num("Fare")
    pclass = num("Pclass")
    sex = np.array([s == "female" for s in columns["Sex"]], dtype=float)
    embarked = columns["Embarked"]
    x = np.column_stack(
        [
            pclass == 1,
            pclass == 2,
            sex,
            np.where(np.isnan(age), np.nanmedian(age), age),
            np.isnan(age),
            num("SibSp"),
            num("Parch"),
            np.log1p(np.where(np.isnan(fare), np.nanmedian(fare), fare)),
            embarked == "C",
            embarked == "Q",
        ]
    ).astype(float)
    return x, num("Survived").astype(int)


def main():
    started = time.perf_counter()
    cpu_started = time.process_time()
    x, y = load(sys.argv[1])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = cross_val_score(model, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=42), scoring="accuracy")
    model.fit(x, y)
    ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"ms": ms, "cpuMs": cpu_ms, "peakRssMb": peak, "cvAccuracy": float(cv.mean()), "pandas": pd is not None}))


if __name__ == "__main__":
    main()
