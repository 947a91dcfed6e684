"""How predictions are stored: per passage, model and dimension the label as text and the class
probabilities as one little-endian float64 array, in the order of the model's classes (kept once per
model and dimension in `prediction_classes`). Many rows' arrays join into one matrix without decoding
any row, so a report loads 100,000 passages' predictions as columns.

Also the migration (schema step 4) that converts the JSON form earlier versions wrote."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

import numpy as np

# Multi-valued labels are stored as their values joined by ';' (no value name may contain one).
SEP = ";"
FLOAT = np.dtype("<f8")

TABLES = """
CREATE TABLE prediction_classes (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_id, dimension, position)
);
CREATE TABLE predictions_typed (
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    label TEXT NOT NULL,
    probs BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (passage_id, model_id, dimension)
)
"""


def pack(probs: np.ndarray) -> list[bytes]:
    """One bytes value per row of a (passages x classes) probability matrix."""
    probs = np.ascontiguousarray(probs, dtype=FLOAT)
    width = probs.shape[1] * FLOAT.itemsize
    buf = probs.tobytes()
    return [buf[i:i + width] for i in range(0, len(buf), width)] if width else [b""] * len(probs)


def unpack(blobs: Sequence[bytes], classes: int) -> np.ndarray | None:
    """The (rows x classes) matrix of stored probability arrays; None when a row is not `classes` wide."""
    width = classes * FLOAT.itemsize
    if any(len(b) != width for b in blobs):
        return None
    return np.frombuffer(b"".join(blobs), dtype=FLOAT).reshape(len(blobs), classes)


def label_text(value) -> str:
    """A label as stored: the value, or a multi-valued label's values joined by ';'."""
    if isinstance(value, list):
        return SEP.join(str(v) for v in value)
    return "" if value is None else str(value)


def convert_json_predictions(conn: sqlite3.Connection) -> None:
    """Schema step 4: rewrite the JSON predictions (label_json, probs_json) into the typed table.

    A model's classes are its probability keys in the order they were written (every row of one model
    and dimension has the same keys); a key a row lacks, or a row whose probabilities are not a JSON
    object, gives NaN, as reading the JSON did."""
    for statement in TABLES.split(";"):
        conn.execute(statement)
    keys = conn.execute(
        "SELECT p.model_id, p.dimension, j.key FROM predictions p, json_each(CASE WHEN json_valid(p.probs_json)"
        " AND json_type(p.probs_json) = 'object' THEN p.probs_json ELSE '{}' END) j GROUP BY p.model_id, p.dimension, j.key ORDER BY p.model_id, p.dimension, MIN(p.rowid), MIN(j.id)")
    classes: dict[tuple[int, str], list[str]] = {}
    for model_id, dimension, key in keys:
        classes.setdefault((model_id, dimension), []).append(key)
    conn.executemany("INSERT INTO prediction_classes VALUES (?,?,?,?)",
                     [(*group, i, value) for group, values in classes.items() for i, value in enumerate(values)])
    rows = conn.execute("SELECT passage_id, model_id, dimension, label_json, probs_json, created_at FROM predictions")
    while chunk := rows.fetchmany(20_000):
        conn.executemany("INSERT INTO predictions_typed VALUES (?,?,?,?,?,?)",
                         [_converted(row, classes.get((row[1], row[2]), [])) for row in chunk])
    conn.execute("DROP TABLE predictions")
    conn.execute("ALTER TABLE predictions_typed RENAME TO predictions")


def _converted(row: tuple, classes: list[str]) -> tuple:
    passage_id, model_id, dimension, label_json, probs_json, created_at = row
    try:
        label = json.loads(label_json)
    except (TypeError, ValueError):
        label = label_json
    try:
        probs = json.loads(probs_json)
    except (TypeError, ValueError):
        probs = None
    if not isinstance(probs, dict):
        probs = {}
    vector = np.array([_number(probs.get(c)) for c in classes], dtype=FLOAT)
    return passage_id, model_id, dimension, label_text(label), vector.tobytes(), created_at


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
