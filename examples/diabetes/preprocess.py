"""Reads and checks the data against dataset.schema.json: the training CSV (every problem reported with its line and
column, capped, with a count) and the serving instances (the same per-column rules, on JSON values).

The schema is the contract's: a JSON Schema (draft 2020-12) of one row, validated with jsonschema, plus the table
keyword "x-vertex-retrain" (label, id, minRows, features, nullValues). CSV cells are strings: each is coerced to the
property's declared type before validation; a cell in nullValues is missing, which only a non-required property
may be.
"""

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA_FILE = Path(__file__).with_name("dataset.schema.json")
# How many problems a rejection lists; the count covers all of them.
MAX_LISTED = 20
_INTEGER = re.compile(r"^[+-]?\d+$")
# A decimal number as CSV writers write it (float() alone would also take "1_000", "nan", "infinity").
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class DatasetError(Exception):
    """The dataset was rejected: exit code 2. `problems` are the first MAX_LISTED, `count` all of them."""

    def __init__(self, problems, count):
        self.problems = problems
        self.count = count
        listed = "\n".join(f"  {p}" for p in problems)
        more = f"\n  … and {count - len(problems)} more" if count > len(problems) else ""
        super().__init__(f"dataset rejected: {count} problem(s)\n{listed}{more}")


@dataclass
class Dataset:
    features: list  # feature column names, in model order
    X: np.ndarray  # rows × features, float; NaN where a non-required cell was empty
    y: np.ndarray  # the label
    ids: list  # the id column's values, or None when the schema has no id


def _types(prop):
    declared = prop.get("type", "string")
    return [declared] if isinstance(declared, str) else list(declared)


class Schema:
    """dataset.schema.json, with the contract's defaults applied."""

    def __init__(self, doc):
        Draft202012Validator.check_schema(doc)
        self.doc = doc
        self.properties = doc.get("properties", {})
        self.required = list(doc.get("required", []))
        table = doc.get("x-vertex-retrain", {})
        self.label = table["label"]
        if table.get("labelKind", "continuous") != "continuous":
            raise ValueError("this trainer is a regression: x-vertex-retrain.labelKind must be continuous")
        self.id = table.get("id")
        self.min_rows = int(table.get("minRows", 1))
        self.null_values = set(table.get("nullValues", [""]))
        self.features = list(
            table.get("features") or [n for n in self.properties if n not in (self.label, self.id)]
        )
        self.closed = doc.get("additionalProperties", True) is False
        for name in [self.label, *self.features]:
            if name not in self.properties:
                raise ValueError(f"x-vertex-retrain: {name} is not a property")
            kinds = set(_types(self.properties[name])) - {"null"}
            if not kinds <= {"number", "integer", "boolean"}:
                raise ValueError(f"properties.{name}: this trainer reads numbers and booleans only, not {sorted(kinds)}")
        self.validator = Draft202012Validator(doc)

    def expected_inputs(self):
        """The fields a prediction instance may carry: the features (and the id, which is ignored)."""
        return self.features + ([self.id] if self.id else [])


def load_schema(path=SCHEMA_FILE):
    return Schema(json.loads(Path(path).read_text(encoding="utf-8")))


def _coerce(text, prop):
    """A CSV cell as the property's type; raises ValueError saying what was expected."""
    kinds = [k for k in _types(prop) if k != "null"]
    for kind in kinds:
        if kind == "integer" and _INTEGER.match(text.strip()):
            return int(text)
        if kind == "number":
            if _INTEGER.match(text.strip()):
                return int(text)  # 130, not 130.0, in messages; the same number
            if _NUMBER.match(text.strip()) and math.isfinite(float(text)):
                return float(text)
        if kind == "boolean" and text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        if kind == "string":
            return text
    raise ValueError(f"must be {' or '.join(kinds)}, got {text!r}")


def _row_problems(schema, row, where):
    """jsonschema's findings on one row, each as `<where> column <name>: <message>`."""
    found = []
    for error in sorted(schema.validator.iter_errors(row), key=lambda e: list(e.path)):
        if error.validator == "required":
            continue  # reported by the caller with the line, as a missing value
        column = error.path[0] if error.path else None
        if column is None and error.validator == "additionalProperties":
            continue  # unknown columns are reported once, from the header
        found.append(f"{where}, column {column}: {error.message}" if column else f"{where}: {error.message}")
    return found


class _Problems:
    def __init__(self):
        self.listed, self.count = [], 0

    def add(self, problem):
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def raise_if_any(self):
        if self.count:
            raise DatasetError(self.listed, self.count)


def parse_training_csv(data, schema):
    """The training table as a Dataset; raises DatasetError listing every problem with its line and column."""
    problems = _Problems()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DatasetError([f"byte {error.start}: the file is not UTF-8"], 1) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DatasetError(["line 1: no header row"], 1)
    header = [h.strip() for h in header]
    seen = set()
    for name in header:
        if name in seen:
            problems.add(f"line 1, column {name}: duplicate column")
        seen.add(name)
        if schema.closed and name not in schema.properties:
            problems.add(
                f"line 1, column {name}: unknown column (expected: {', '.join(schema.properties)})"
            )
    for name in schema.required:
        if name not in seen:
            problems.add(f"line 1, column {name}: required column missing")
    problems.raise_if_any()

    rows, lines, first_line_of_id = [], [], {}
    line = 1
    for cells in reader:
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank line
        if len(cells) != len(header):
            problems.add(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            continue
        row, bad = {}, False
        for name, cell in zip(header, cells):
            prop = schema.properties.get(name)
            if prop is None or cell in schema.null_values:
                continue
            try:
                row[name] = _coerce(cell, prop)
            except ValueError as error:
                problems.add(f"line {line}, column {name}: {error}")
                bad = True
        for name in schema.required:
            if name in seen and name not in row and not bad:
                problems.add(f"line {line}, column {name}: required value missing")
                bad = True
        if bad:
            continue
        for problem in _row_problems(schema, row, f"line {line}"):
            problems.add(problem)
            bad = True
        if schema.id and schema.id in row:
            first = first_line_of_id.setdefault(row[schema.id], line)
            if first != line:
                problems.add(f"line {line}, column {schema.id}: duplicate id {row[schema.id]} (first on line {first})")
                bad = True
        if schema.label not in row and not bad:
            problems.add(f"line {line}, column {schema.label}: the label is missing")
            bad = True
        if not bad:
            rows.append(row)
            lines.append(line)
    if problems.count == 0 and len(rows) < schema.min_rows:
        problems.add(f"table: {len(rows)} rows, x-vertex-retrain.minRows is {schema.min_rows}")
    if problems.count == 0 and len({r[schema.label] for r in rows}) < 2:
        problems.add(f"table, column {schema.label}: the label has a single value; nothing to learn")
    problems.raise_if_any()

    X = np.array([[_as_float(r.get(f)) for f in schema.features] for r in rows], dtype=float).reshape(
        len(rows), len(schema.features)
    )
    y = np.array([float(r[schema.label]) for r in rows])
    ids = [r.get(schema.id) for r in rows] if schema.id else None
    return Dataset(features=schema.features, X=X, y=y, ids=ids)


def _as_float(value):
    return math.nan if value is None else float(value)


def instance_problems(schema, instance, where):
    """What is wrong with one prediction instance (a JSON object), each problem naming its field."""
    if not isinstance(instance, dict):
        return [f"{where}: must be an object with the fields {', '.join(schema.features)}"]
    found = []
    allowed = schema.expected_inputs()
    for name in instance:
        if name not in allowed:
            found.append(f"{where}.{name}: unknown field; expected: {', '.join(schema.features)}")
    for name in schema.features:
        value = instance.get(name)
        if value is None:
            if name in schema.required:
                found.append(f"{where}.{name}: required field missing")
            continue
        # The row schema's rules for this one property (type, range, enum), on the JSON value as sent.
        if isinstance(value, float) and not math.isfinite(value):
            found.append(f"{where}.{name}: must be a finite number, got {value}")
            continue
        error = best_match(Draft202012Validator(schema.properties[name]).iter_errors(value))
        if error is None:
            continue
        if error.validator == "type":  # said in JSON's words: true, not Python's True
            expected = " or ".join(_types(schema.properties[name]))
            found.append(f"{where}.{name}: must be {expected}, got {json.dumps(value)}")
        else:
            found.append(f"{where}.{name}: {error.message}")
    return found


def instance_vector(schema, instance):
    """A checked instance as the feature vector (NaN for a missing optional field: the model imputes it)."""
    return [_as_float(instance.get(name)) for name in schema.features]
