"""Gold labels: one agreed value per passage and dimension, appended with how it was reached
(`method`: unanimous, adjudicated, imported, corpus) and by whom. The *current* gold label of a
passage and dimension is its newest row (`_latest_gold`, the one place that says so)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def _latest_gold(where: str = "") -> str:
    """SQL for the newest gold row of each (passage, dimension), optionally among rows matching `where`
    (a condition on plain columns); columns of `gold_labels`, aliased `g`."""
    condition = f" WHERE {where}" if where else ""
    return (f"SELECT g.* FROM gold_labels g JOIN (SELECT MAX(id) AS id FROM gold_labels{condition}"
            " GROUP BY passage_id, dimension) last ON last.id = g.id")


def add_gold(conn: sqlite3.Connection, passage_id: str, dimension: str, value_json: str, method: str,
             decided_by: str, codebook_version: str, note: str, created_at: str, rule: str = "") -> int:
    """Append one gold row (value already checked against the codebook); returns its id. `rule` names
    the codebook rule(s) that settled it ("P12", "I3/I7"), empty when none was cited."""
    return conn.execute(
        "INSERT INTO gold_labels (passage_id, dimension, value_json, method, decided_by,"
        " codebook_version, note, created_at, rule) VALUES (?,?,?,?,?,?,?,?,?)",
        (passage_id, dimension, value_json, method, decided_by, codebook_version, note, created_at, rule),
    ).lastrowid


def current_gold(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every current gold row (all columns, `value` parsed), oldest first."""
    rows = [dict(r) for r in conn.execute(_latest_gold() + " ORDER BY g.id")]
    for row in rows:
        row["value"] = json.loads(row["value_json"])
    return rows


def current_gold_value(conn: sqlite3.Connection, passage_id: str, dimension: str) -> tuple[bool, Any]:
    """(True, value) of the current gold label of one passage and dimension, or (False, None)."""
    row = conn.execute(_latest_gold("passage_id = ? AND dimension = ?"), (passage_id, dimension)).fetchone()
    return (False, None) if row is None else (True, json.loads(row["value_json"]))


def gold_history(conn: sqlite3.Connection, passage_id: str, dimension: str) -> list[dict[str, Any]]:
    """Every gold row of one passage and dimension, oldest first (the last is current), `value` parsed."""
    rows = [dict(r) for r in conn.execute(
        "SELECT * FROM gold_labels WHERE passage_id = ? AND dimension = ? ORDER BY id", (passage_id, dimension))]
    for row in rows:
        row["value"] = json.loads(row.pop("value_json"))
    return rows


def adjudicated_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """{(passage id, dimension)} ever decided by an adjudicator (such a decision is never overridden)."""
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT DISTINCT passage_id, dimension FROM gold_labels WHERE method = 'adjudicated'")}


def gold_passages(conn: sqlite3.Connection) -> set[str]:
    """Ids of passages with any gold label."""
    return {r[0] for r in conn.execute("SELECT DISTINCT passage_id FROM gold_labels")}


def gold_per_dimension(conn: sqlite3.Connection) -> dict[str, int]:
    """{dimension: passages with a gold label}."""
    return dict(conn.execute(
        "SELECT dimension, COUNT(DISTINCT passage_id) FROM gold_labels GROUP BY dimension").fetchall())
