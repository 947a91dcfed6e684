"""Models and their predictions: the model registry (a row per saved model file) and each model's
label and class probabilities per passage and dimension."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

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


def replace_predictions(conn: sqlite3.Connection, rows: Iterable[tuple[str, int, str, str, str, str]]) -> None:
    """Store (passage id, model id, dimension, label_json, probs_json, created_at) rows; a model's earlier
    prediction of the same passage and dimension is replaced, other models' are kept."""
    conn.executemany("INSERT OR REPLACE INTO predictions (passage_id, model_id, dimension, label_json,"
                     " probs_json, created_at) VALUES (?,?,?,?,?,?)", rows)


def latest_predictions(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(passage id, dimension, label_json, probs_json): the latest prediction of each passage and
    dimension (newest run, then newest model)."""
    return conn.execute(
        "SELECT passage_id, dimension, label_json, probs_json FROM (SELECT *, ROW_NUMBER() OVER"
        " (PARTITION BY passage_id, dimension ORDER BY created_at DESC, model_id DESC) AS rn FROM predictions)"
        " WHERE rn = 1").fetchall()


def prediction_models(conn: sqlite3.Connection) -> dict[str, int]:
    """{dimension: the newest model that has predictions stored}."""
    rows = conn.execute("SELECT dimension, MAX(model_id) FROM predictions GROUP BY dimension").fetchall()
    return {dim: int(model_id) for dim, model_id in rows}


def model_probabilities(conn: sqlite3.Connection, model_id: int, dimension: str) -> Iterator[tuple[str, str]]:
    """(passage id, probs_json) of every passage one model scored on one dimension."""
    yield from conn.execute("SELECT passage_id, probs_json FROM predictions WHERE model_id = ? AND dimension = ?",
                            (model_id, dimension))


def prediction(conn: sqlite3.Connection, passage_id: str, model_id: int, dimension: str) -> tuple[str, str] | None:
    """(label_json, probs_json) of one model's prediction for one passage and dimension, or None."""
    row = conn.execute(
        "SELECT label_json, probs_json FROM predictions WHERE passage_id = ? AND model_id = ? AND dimension = ?",
        (passage_id, model_id, dimension)).fetchone()
    return None if row is None else (row[0], row[1])


def model_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts for `stance status`: models registered and predictions stored."""
    return {"models": conn.execute("SELECT COUNT(*) FROM models").fetchone()[0],
            "predictions": conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]}
