"""Models and their predictions: the model registry (a row per saved model file) and each model's
label and class probabilities per passage and dimension (stored as `prediction_format` says, and read
back as columns)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from ..errors import StoreError
from .prediction_format import pack, unpack
from .schema import now


def add_model(conn: sqlite3.Connection, dimension: str, stored_path: str, codebook_version: str,
              metrics: dict[str, Any] | None = None, card: dict[str, Any] | None = None) -> int:
    """Register a model file; returns the model id."""
    return conn.execute(
        "INSERT INTO models (dimension, path, codebook_version, metrics_json, card_json, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (dimension, stored_path, codebook_version, json.dumps(metrics or {}, default=str),
         json.dumps(card or {}, default=str), now()),
    ).lastrowid


def models_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every registered model, oldest first (paths as stored)."""
    return pd.read_sql_query("SELECT * FROM models ORDER BY id", conn)


def latest_model(conn: sqlite3.Connection, dimension: str) -> dict[str, Any] | None:
    """The newest registered model for `dimension` (path as stored, metrics and card parsed), or None."""
    row = conn.execute("SELECT * FROM models WHERE dimension = ? ORDER BY id DESC LIMIT 1", (dimension,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["metrics"] = json.loads(out.pop("metrics_json"))
    out["card"] = json.loads(out.pop("card_json"))
    return out


def replace_predictions(conn: sqlite3.Connection, model_id: int, dimension: str, classes: Sequence[str],
                        passage_ids: Sequence[str], labels: Sequence[str], probs: np.ndarray, created_at: str) -> None:
    """Store one model's predictions of one dimension: per passage its label (a multi-valued label's values
    joined by ';') and its probability of each of `classes` (a passages x classes array). A model's earlier
    prediction of the same passage and dimension is replaced, other models' are kept."""
    probs = np.asarray(probs, dtype=float)
    if probs.shape != (len(passage_ids), len(classes)):
        raise ValueError(f"probabilities of shape {probs.shape} for {len(passage_ids)} passages and "
                         f"{len(classes)} classes")
    known = [r[0] for r in conn.execute("SELECT value FROM prediction_classes WHERE model_id = ? AND dimension = ?"
                                        " ORDER BY position", (model_id, dimension))]
    if not known:
        conn.executemany("INSERT INTO prediction_classes VALUES (?,?,?,?)",
                         [(model_id, dimension, i, str(c)) for i, c in enumerate(classes)])
    elif known != [str(c) for c in classes]:
        raise StoreError(f"model {model_id} has stored predictions of {dimension!r} over the classes "
                         f"{', '.join(known)}, not {', '.join(map(str, classes))}")
    conn.executemany("INSERT OR REPLACE INTO predictions (passage_id, model_id, dimension, label, probs, created_at)"
                     " VALUES (?,?,?,?,?,?)",
                     zip(passage_ids, repeat(model_id), repeat(dimension), labels, pack(probs), repeat(created_at),
                         strict=False))


@dataclass
class PredictionColumns:
    """One dimension's predictions as columns: per passage (in `passage_ids`) its label and a row of
    `probs` over `classes` (NaN for a class the model that made the prediction does not have)."""

    passage_ids: list[str]
    labels: list[str]
    classes: list[str]
    probs: np.ndarray


def latest_predictions(conn: sqlite3.Connection) -> dict[str, PredictionColumns]:
    """Per dimension, the latest prediction of each passage (newest run, then newest model)."""
    models: dict[str, list[int]] = {}
    for dimension, model_id in conn.execute("SELECT DISTINCT dimension, model_id FROM prediction_classes"
                                            " ORDER BY dimension, model_id"):
        models.setdefault(dimension, []).append(model_id)
    single = [d for d, ids in models.items() if len(ids) == 1]  # one model: its prediction is the latest
    rows: dict[str, list[tuple]] = {d: [] for d in models}
    if single:  # one pass over the table for all of them (it has no index by dimension)
        for dimension, *row in conn.execute(
                "SELECT dimension, passage_id, model_id, label, probs FROM predictions WHERE dimension IN"
                f" ({', '.join('?' * len(single))})", single):
            rows[dimension].append(row)
    for dimension in [d for d in models if d not in single]:
        rows[dimension] = conn.execute(
            "SELECT passage_id, model_id, label, probs FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY passage_id"
            " ORDER BY created_at DESC, model_id DESC) AS rn FROM predictions WHERE dimension = ?) WHERE rn = 1",
            (dimension,)).fetchall()
    return {dimension: _columns(conn, dimension, got) for dimension, got in rows.items() if got}


def _columns(conn: sqlite3.Connection, dimension: str, rows: list[tuple]) -> PredictionColumns:
    passage_ids, model_ids, labels, blobs = (list(c) for c in zip(*rows, strict=True))
    by_model: dict[int, list[int]] = {}
    for i, model_id in enumerate(model_ids):
        by_model.setdefault(model_id, []).append(i)
    if len(by_model) == 1:
        (model_id,) = by_model
        classes = model_classes(conn, model_id, dimension)
        return PredictionColumns(passage_ids, labels, classes, _matrix(blobs, classes, model_id, dimension))
    per_model = {m: model_classes(conn, m, dimension) for m in sorted(by_model)}
    classes = list(dict.fromkeys(c for cs in per_model.values() for c in cs))
    probs = np.full((len(rows), len(classes)), np.nan)
    for model_id, where in by_model.items():
        cols = [classes.index(c) for c in per_model[model_id]]
        probs[np.ix_(where, cols)] = _matrix([blobs[i] for i in where], per_model[model_id], model_id, dimension)
    return PredictionColumns(passage_ids, labels, classes, probs)


def _matrix(blobs: list[bytes], classes: list[str], model_id: int, dimension: str) -> np.ndarray:
    probs = unpack(blobs, len(classes))
    if probs is None:
        raise StoreError(f"the stored predictions of model {model_id} for {dimension!r} do not hold one "
                         f"probability per class ({len(classes)}); score the project again")
    return probs


def model_classes(conn: sqlite3.Connection, model_id: int, dimension: str) -> list[str]:
    """The classes, in order, of one model's stored probabilities for one dimension."""
    return [r[0] for r in conn.execute("SELECT value FROM prediction_classes WHERE model_id = ? AND dimension = ?"
                                       " ORDER BY position", (model_id, dimension))]


def prediction_models(conn: sqlite3.Connection) -> dict[str, int]:
    """{dimension: the newest model that has predictions stored}."""
    rows = conn.execute("SELECT dimension, MAX(model_id) FROM predictions GROUP BY dimension").fetchall()
    return {dim: int(model_id) for dim, model_id in rows}


def model_probabilities(conn: sqlite3.Connection, model_id: int, dimension: str) -> PredictionColumns:
    """Every passage one model scored on one dimension, with its label and probabilities."""
    rows = conn.execute("SELECT passage_id, model_id, label, probs FROM predictions WHERE model_id = ?"
                        " AND dimension = ?", (model_id, dimension)).fetchall()
    if not rows:
        return PredictionColumns([], [], model_classes(conn, model_id, dimension), np.zeros((0, 0)))
    return _columns(conn, dimension, rows)


def prediction(conn: sqlite3.Connection, passage_id: str, model_id: int, dimension: str
               ) -> tuple[str, dict[str, float]] | None:
    """(label, {class: probability}) of one model's prediction for one passage and dimension, or None."""
    row = conn.execute("SELECT label, probs FROM predictions WHERE passage_id = ? AND model_id = ? AND dimension = ?",
                       (passage_id, model_id, dimension)).fetchone()
    if row is None:
        return None
    classes = model_classes(conn, model_id, dimension)
    probs = _matrix([row[1]], classes, model_id, dimension)[0]
    return row[0], dict(zip(classes, map(float, probs), strict=True))


def model_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts for `stance status`: models registered and predictions stored."""
    return {"models": conn.execute("SELECT COUNT(*) FROM models").fetchone()[0],
            "predictions": conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]}
