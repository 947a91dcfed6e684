"""Validation samples: the passages drawn at random (`stance validate sample`) for people to label, so
that a model can be checked on the project's own corpus. A project has one current sample (the newest);
every sampled passage keeps its stratum and inclusion probability. Labels on these passages are the
ordinary annotations and gold labels; what makes them validation labels is membership here."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .schema import now

PASSAGE_COLUMNS = ["passage_id", "stratum", "inclusion_prob", "stratum_passages", "draw_order"]


def add_sample(conn: sqlite3.Connection, size: int, by_column: str | None, seed: int, floor: int, pool: int,
               rows: Iterable[tuple[str, str, float, int, int]]) -> int:
    """Store a sample and its (passage id, stratum, inclusion probability, stratum passages, draw order)
    rows; returns the sample id."""
    sample_id = conn.execute(
        "INSERT INTO validation_samples (size, by_column, seed, floor, pool, created_at) VALUES (?,?,?,?,?,?)",
        (size, by_column, seed, floor, pool, now())).lastrowid
    conn.executemany(
        "INSERT INTO validation_passages (sample_id, passage_id, stratum, inclusion_prob, stratum_passages,"
        " draw_order) VALUES (?,?,?,?,?,?)", [(sample_id, *r) for r in rows])
    return sample_id


def delete_samples(conn: sqlite3.Connection) -> int:
    """Remove every validation sample (its passages become ordinary passages again); returns how many."""
    return conn.execute("DELETE FROM validation_samples").rowcount


def current_sample(conn: sqlite3.Connection) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    """(the newest sample's settings, its passages in draw order), or (None, empty frame)."""
    row = conn.execute("SELECT * FROM validation_samples ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None, pd.DataFrame(columns=PASSAGE_COLUMNS)
    frame = pd.read_sql_query(
        "SELECT passage_id, stratum, inclusion_prob, stratum_passages, draw_order FROM validation_passages"
        " WHERE sample_id = ? ORDER BY draw_order", conn, params=(row["id"],))
    return dict(row), frame


def validation_passage_ids(conn: sqlite3.Connection) -> set[str]:
    """Ids of every passage in a validation sample (held out of training)."""
    return {r[0] for r in conn.execute("SELECT DISTINCT passage_id FROM validation_passages")}
