"""Finding passages: by their text, their document's fields and metadata, or a model's predicted value.

The one query behind `stance annotate --where` and the annotation app's search box. A `Condition` arrives
here already resolved (`stance.annotate.filters` checks field names against the known ones); here the
field picks a fixed piece of SQL and every value the user typed is a parameter, never SQL text.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .documents import DOCUMENT_ORDER

# the document fields a condition may name, and the SQL each one reads (the only column text used)
DOCUMENT_COLUMNS = {"title": "d.title", "author": "d.author", "outlet": "d.outlet", "date": "d.date",
                    "url": "d.url", "source": "d.source"}
KINDS = ("text", "document", "meta", "prediction")
TEXT_OPERATORS = ("=", "!=", "~", "!~", "<", "<=", ">", ">=")
PREDICTION_OPERATORS = ("=", "!=")


@dataclass(frozen=True)
class Condition:
    """One resolved condition: `kind` says what `name` is (the passage's text, a document field, a
    metadata key, or a dimension whose `model_id`'s predicted value is compared)."""

    kind: str
    name: str
    op: str
    value: str
    model_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown condition kind {self.kind!r}")
        if self.kind == "document" and self.name not in DOCUMENT_COLUMNS:
            raise ValueError(f"unknown document field {self.name!r}")
        allowed = PREDICTION_OPERATORS if self.kind == "prediction" else TEXT_OPERATORS
        if self.op not in allowed:
            raise ValueError(f"operator {self.op!r} is not one of {', '.join(allowed)}")


def _clause(c: Condition) -> tuple[str, list]:
    if c.kind == "prediction":
        predicted = ("EXISTS (SELECT 1 FROM predictions pr WHERE pr.passage_id = p.id AND pr.model_id = ?"
                     " AND pr.dimension = ?)")
        # the label is one value or several joined by ';' (no value name holds one): match whole values
        matches = ("EXISTS (SELECT 1 FROM predictions pr WHERE pr.passage_id = p.id AND pr.model_id = ?"
                   " AND pr.dimension = ? AND instr(?, ';') = 0 AND instr(';' || pr.label || ';', ';' || ? || ';') > 0)")
        if c.op == "=":
            return matches, [c.model_id, c.name, c.value, c.value]
        return f"{predicted} AND NOT {matches}", [c.model_id, c.name, c.model_id, c.name, c.value, c.value]
    if c.kind == "text":
        expr, params = "p.text", []
    elif c.kind == "document":
        expr, params = DOCUMENT_COLUMNS[c.name], []
    else:
        expr, params = "(SELECT CAST(m.value AS TEXT) FROM json_each(d.meta_json) m WHERE m.key = ?)", [c.name]
    if c.op in ("~", "!~"):
        found = f"instr(lower({expr}), lower(?)) > 0"  # a plain substring: no LIKE wildcards to escape
        return (found, [*params, c.value]) if c.op == "~" else (
            f"NOT coalesce({found}, 0)", [*params, c.value])
    if c.op == "=":
        return f"{expr} = ? COLLATE NOCASE", [*params, c.value]
    if c.op == "!=":
        return f"coalesce({expr} <> ? COLLATE NOCASE, 1)", [*params, c.value]
    return f"{expr} {c.op} ?", [*params, c.value]  # c.op is one of the fixed comparison operators


def matching_passages(conn: sqlite3.Connection, conditions: list[Condition]) -> list[str]:
    """Ids of the passages meeting every condition, in document order."""
    clauses, params = [], []
    for c in conditions:
        sql, values = _clause(c)
        clauses.append(f"({sql})")
        params.extend(values)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return [row[0] for row in conn.execute(
        f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id{where} ORDER BY {DOCUMENT_ORDER}",
        params)]


def meta_keys(conn: sqlite3.Connection) -> list[str]:
    """The metadata keys documents have beyond the standard fields (e.g. 'country', 'President')."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT m.key FROM documents d, json_each(d.meta_json) m ORDER BY m.key")]


def field_values(conn: sqlite3.Connection, kind: str, name: str, limit: int = 200) -> list[str]:
    """Up to `limit` distinct non-empty values of a document field or metadata key, sorted (for choosing)."""
    if kind == "document":
        sql, params = f"SELECT DISTINCT {DOCUMENT_COLUMNS[name]} AS v FROM documents d", []
    else:
        sql, params = "SELECT DISTINCT m.value AS v FROM documents d, json_each(d.meta_json) m WHERE m.key = ?", [name]
    return [str(row[0]) for row in conn.execute(
        f"SELECT v FROM ({sql}) WHERE v IS NOT NULL AND v <> '' ORDER BY v LIMIT ?", [*params, limit])]
