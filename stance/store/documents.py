"""Documents and their passages: insert, look up, and read as a frame in document order."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .schema import now

STANDARD_COLUMNS = ("title", "author", "outlet", "date", "url")  # document metadata with a column of its own

# Document order: the order documents were imported, then their passages in sequence.
DOCUMENT_ORDER = "d.imported_at, d.rowid, p.seq"


def add_documents(conn: sqlite3.Connection, docs: Iterable[Any]) -> tuple[int, int, int, int]:
    """Insert documents (`stance.ingest.Document`) and their passages; skip documents already present
    (same id: a re-import keeps the first copy). Returns (documents added, passages added, documents
    already in the project, documents repeating an earlier one of these `docs`)."""
    stamp = now()
    added_docs = added_passages = duplicates = repeated = 0
    last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM documents").fetchone()[0]
    for doc in docs:
        meta = doc.meta
        inserted = conn.execute(
            "INSERT OR IGNORE INTO documents (id, source, title, author, outlet, date, url, meta_json, text,"
            " is_example, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id, doc.source, *(meta.get(k) for k in STANDARD_COLUMNS),
                json.dumps({k: v for k, v in meta.items() if k not in STANDARD_COLUMNS}, ensure_ascii=False),
                doc.text, int(bool(doc.is_example)), stamp,
            ),
        )
        if inserted.rowcount == 0:
            if _added_since(conn, doc.id, last_rowid):
                repeated += 1
            else:
                duplicates += 1
            continue
        conn.executemany(
            "INSERT INTO passages (id, doc_id, seq, start, end, text, unit, is_boilerplate)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(p.id, doc.id, p.seq, p.start, p.end, p.text, p.unit, int(p.is_boilerplate)) for p in doc.passages],
        )
        added_docs += 1
        added_passages += len(doc.passages)
    return added_docs, added_passages, duplicates, repeated


def _added_since(conn: sqlite3.Connection, doc_id: str, last_rowid: int) -> bool:
    """Whether the stored document `doc_id` was inserted after row `last_rowid`, i.e. earlier in this call
    (a repeated row of the same input, e.g. an --id-col value used twice), not by an earlier import.
    Asked only for duplicates, which are rare."""
    row = conn.execute("SELECT rowid FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return row is not None and row[0] > last_rowid


def passage_units(conn: sqlite3.Connection) -> set[str]:
    """The units ('paragraph', 'sentence', ...) the passages of real documents were split into."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT p.unit FROM passages p JOIN documents d ON d.id = p.doc_id WHERE d.is_example = 0")}


def passages_frame(conn: sqlite3.Connection, include_examples: bool = True) -> pd.DataFrame:
    """Every passage with its document's metadata, in document order."""
    sql = (
        "SELECT p.id AS passage_id, p.doc_id, p.seq, p.start, p.end, p.text, p.unit,"
        " p.is_boilerplate, d.title, d.author, d.outlet, d.date, d.url, d.source, d.meta_json,"
        " d.is_example FROM passages p JOIN documents d ON d.id = p.doc_id"
    )
    if not include_examples:
        sql += " WHERE d.is_example = 0"
    sql += f" ORDER BY {DOCUMENT_ORDER}"
    frame = pd.read_sql_query(sql, conn)
    frame["is_boilerplate"] = frame["is_boilerplate"].astype(bool)
    frame["is_example"] = frame["is_example"].astype(bool)
    return frame


def with_custom_meta(frame: pd.DataFrame, exclude: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """`frame` (with a `meta_json` column, as `passages_frame` gives it) plus one column per custom
    metadata key (a `--meta` key or a table's own column, such as a `--target-col`), as a string or None;
    keys that would shadow a column of `frame` or a name in `exclude` are left in `meta_json`."""
    extras = [json.loads(m) if m else {} for m in frame["meta_json"]]
    out = frame.copy()
    for key in dict.fromkeys(k for e in extras for k in e):
        if key not in out.columns and key not in exclude:
            out[key] = pd.Series([None if e.get(key) is None else str(e[key]) for e in extras], index=frame.index,
                                 dtype=object)
    return out


def passage_exists(conn: sqlite3.Connection, passage_id: str) -> bool:
    """True when the project has a passage with this id."""
    return conn.execute("SELECT 1 FROM passages WHERE id = ?", (passage_id,)).fetchone() is not None


def known_passages(conn: sqlite3.Connection, passage_ids: Iterable[str]) -> set[str]:
    """The ids among `passage_ids` that the project has."""
    return {row[0] for row in conn.execute(
        "SELECT id FROM passages WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(passage_ids)),))}


def passages_by_text(conn: sqlite3.Connection, texts: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """{text: [(passage id, doc id), ...]} for passages whose text is exactly one of `texts` (by id)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for pid, doc_id, text in conn.execute(
        "SELECT id, doc_id, text FROM passages WHERE text IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(sorted(texts)),),
    ):
        out.setdefault(text, []).append((pid, doc_id))
    return out


def passage_details(conn: sqlite3.Connection, passage_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{passage id: passage and document fields} for the given passages only (a project may hold
    millions): id, doc_id, seq, text, the document's metadata columns, and `order`, a key that sorts
    passages into document order."""
    out = {}
    for row in conn.execute(
        "SELECT p.id, p.doc_id, p.seq, p.text, d.title, d.outlet, d.author, d.date, d.url, d.imported_at,"
        " d.rowid AS doc_row FROM passages p JOIN documents d ON d.id = p.doc_id"
        " WHERE p.id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(passage_ids))),),
    ):
        item = dict(row)
        item["order"] = (item.pop("imported_at"), item.pop("doc_row"), item["seq"])
        out[item["id"]] = item
    return out


def passage_context(conn: sqlite3.Connection, passage_id: str) -> dict[str, Any]:
    """The passages just before and after one passage in its document (same unit; None at either end)
    and the document's extra metadata (`meta`, e.g. a speaker's post or country), for a reader who
    needs the context of a passage. Empty for an unknown passage."""
    row = conn.execute("SELECT p.doc_id, p.unit, p.seq, d.meta_json FROM passages p JOIN documents d"
                       " ON d.id = p.doc_id WHERE p.id = ?", (passage_id,)).fetchone()
    if row is None:
        return {}
    near = dict(conn.execute("SELECT seq, text FROM passages WHERE doc_id = ? AND unit = ? AND seq IN (?, ?)",
                             (row["doc_id"], row["unit"], row["seq"] - 1, row["seq"] + 1)).fetchall())
    return {"previous": near.get(row["seq"] - 1), "next": near.get(row["seq"] + 1),
            "meta": json.loads(row["meta_json"] or "{}")}


def document_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts for `stance status`: documents, example documents, passages, boilerplate passages."""
    docs, examples = conn.execute("SELECT COUNT(*), COALESCE(SUM(is_example), 0) FROM documents").fetchone()
    passages, boilerplate = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(is_boilerplate), 0) FROM passages").fetchone()
    return {"documents": docs, "example_documents": examples, "passages": passages,
            "boilerplate_passages": boilerplate}
