"""Annotations: each annotator's labels, skips and retractions, appended and never overwritten.

An annotator's *current* row for a passage is their newest one (`_latest_rows`, the one place that
says so); their current *label* is that row when its status is 'labelled' (not a skip or a retraction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd


def _latest_rows(where: str = "") -> str:
    """SQL for the newest annotation row of each (passage, annotator), optionally among rows matching
    `where` (a condition on plain columns such as annotator = ?); columns of `annotations`, aliased `a`."""
    condition = f" WHERE {where}" if where else ""
    return (f"SELECT a.* FROM annotations a JOIN (SELECT MAX(id) AS id FROM annotations{condition}"
            " GROUP BY passage_id, annotator) last ON last.id = a.id")


_CURRENT_LABELS = _latest_rows() + " WHERE a.status = 'labelled'"

# The source of a label that re-reads a passage someone already labelled (a relabel under a newer codebook,
# made knowing the earlier label): kept in the history and usable as gold, but not an independent reading.
RELABEL = "relabel"
_INDEPENDENT_LABELS = _latest_rows(f"source != '{RELABEL}'") + " WHERE a.status = 'labelled'"


def add_annotation(conn: sqlite3.Connection, passage_id: str, annotator: str, codebook_version: str,
                   status: str, labels_json: str, note: str, source: str, suggestion_json: str | None,
                   changed_suggestion: int | None, created_at: str) -> int:
    """Append one annotation row (values already checked against the codebook); returns its id."""
    return conn.execute(
        "INSERT INTO annotations (passage_id, annotator, codebook_version, status, labels_json, note,"
        " source, suggestion_json, changed_suggestion, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (passage_id, annotator, codebook_version, status, labels_json, note, source, suggestion_json,
         changed_suggestion, created_at),
    ).lastrowid


def current_labels(conn: sqlite3.Connection, annotator: str | None = None) -> pd.DataFrame:
    """Every annotator's (or one annotator's) current labels, one row per passage and annotator,
    with the labels parsed into a `labels` column."""
    sql = f"SELECT * FROM ({_CURRENT_LABELS})" + (" WHERE annotator = ?" if annotator else "")
    frame = pd.read_sql_query(sql, conn, params=(annotator,) if annotator else None)
    frame["labels"] = [json.loads(s) for s in frame["labels_json"]]
    return frame


def current_label_rows(conn: sqlite3.Connection, annotators: Sequence[str] | None = None,
                       shared_only: bool = False, independent: bool = False) -> Iterator[tuple[str, str, str]]:
    """(passage id, annotator, labels_json) of current labels, by `annotators` only when given, on
    passages with two or more such annotators only with `shared_only`; read without a frame so that a
    large project is not loaded whole. With `independent`, relabels are left out: each annotator's
    newest label among their own readings (what agreement may count)."""
    chosen = " AND a.annotator IN (SELECT value FROM json_each(?))" if annotators else ""
    shared = (" WHERE passage_id IN (SELECT passage_id FROM cur GROUP BY passage_id HAVING COUNT(*) >= 2)"
              if shared_only else "")
    base = _INDEPENDENT_LABELS if independent else _CURRENT_LABELS
    sql = f"WITH cur AS ({base}{chosen}) SELECT passage_id, annotator, labels_json FROM cur{shared}"
    yield from conn.execute(sql, (json.dumps(list(annotators)),) if annotators else ())


def annotators_with_labels(conn: sqlite3.Connection) -> set[str]:
    """Everyone who has ever labelled a passage (skips and retractions do not count)."""
    return {row[0] for row in conn.execute("SELECT DISTINCT annotator FROM annotations WHERE status = 'labelled'")}


def relabels_per_annotator(conn: sqlite3.Connection) -> dict[str, int]:
    """{annotator: passages they relabelled}, by name: the labels that agreement leaves out."""
    return dict(conn.execute(
        "SELECT annotator, COUNT(DISTINCT passage_id) FROM annotations WHERE source = ? AND status = 'labelled'"
        " GROUP BY annotator ORDER BY annotator", (RELABEL,)).fetchall())


def labels_per_annotator(conn: sqlite3.Connection) -> dict[str, int]:
    """{annotator: passages with a current label}, by name."""
    return dict(conn.execute(
        f"SELECT annotator, COUNT(*) FROM ({_CURRENT_LABELS}) GROUP BY annotator ORDER BY annotator").fetchall())


def annotator_rows_since(conn: sqlite3.Connection, annotator: str, after_id: int = 0) -> list[tuple[int, str, str]]:
    """(row id, passage id, status) of the annotator's rows newer than `after_id`, oldest first.

    Applied in order over the statuses known at `after_id`, they give the status of each passage's
    current row, because rows are only appended and ids only grow (what `_latest_rows` says in SQL);
    reading them costs what was added since, not the size of the project.
    """
    return conn.execute("SELECT id, passage_id, status FROM annotations WHERE annotator = ? AND id > ? ORDER BY id",
                        (annotator, after_id)).fetchall()


def current_row(conn: sqlite3.Connection, annotator: str, passage_id: str) -> dict[str, Any] | None:
    """The annotator's current row for one passage (status, labels_json, note, ...), or None."""
    row = conn.execute(_latest_rows("annotator = ? AND passage_id = ?"), (annotator, passage_id)).fetchone()
    return dict(row) if row is not None else None


def last_unretracted(conn: sqlite3.Connection, annotator: str) -> dict[str, Any] | None:
    """The annotator's most recent current row that is a label or a skip (what undo takes back), or None."""
    row = conn.execute(_latest_rows("annotator = ?") + " WHERE a.status != 'retracted' ORDER BY a.id DESC LIMIT 1",
                       (annotator,)).fetchone()
    return dict(row) if row is not None else None


def current_notes(conn: sqlite3.Connection, passage_id: str) -> dict[str, str]:
    """{annotator: the note on their current row} for one passage."""
    return {r["annotator"]: r["note"] for r in conn.execute(_latest_rows("passage_id = ?"), (passage_id,))}


def passage_labels(conn: sqlite3.Connection, passage_id: str) -> dict[str, dict[str, Any]]:
    """{annotator: {"labels": {dimension: value}, "note": str}} of the current labels of one passage."""
    return {r["annotator"]: {"labels": json.loads(r["labels_json"]), "note": r["note"]} for r in conn.execute(
        _latest_rows("passage_id = ?") + " WHERE a.status = 'labelled' ORDER BY a.annotator", (passage_id,))}


def first_labellers(conn: sqlite3.Connection, team: Sequence[str]) -> dict[str, str]:
    """{passage id: the member of `team` who labelled or skipped it first} (retractions do not count)."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT passage_id, annotator FROM annotations WHERE id IN"
        " (SELECT MIN(id) FROM annotations WHERE status != 'retracted'"
        "  AND annotator IN (SELECT value FROM json_each(?)) GROUP BY passage_id)",
        (json.dumps(list(team)),),
    )}


def has_annotation_at(conn: sqlite3.Connection, passage_id: str, annotator: str, labels_json: str,
                      created_at: str) -> bool:
    """True when the annotator has a row with exactly these labels and this time (an earlier import)."""
    return conn.execute(
        "SELECT 1 FROM annotations WHERE passage_id = ? AND annotator = ? AND labels_json = ? AND created_at = ?"
        " LIMIT 1", (passage_id, annotator, labels_json, created_at)).fetchone() is not None
