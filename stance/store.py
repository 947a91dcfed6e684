"""The project's SQLite database: documents, passages, annotations, gold labels, models, predictions.

One file per project (``<project>/stance.db``), WAL mode, foreign keys on, a schema version in
``PRAGMA user_version`` with forward migrations. Annotations and gold labels are append-only:
a new row supersedes an old one, so the history of every label is kept.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .codebook import Codebook, copy_default_codebook, load_codebook
from .errors import StoreError

DB_NAME = "stance.db"
CODEBOOK_NAME = "codebook.yaml"

# Forward migrations: MIGRATIONS[i] takes the schema from version i to i + 1.
# Append new steps; never edit a step that has shipped.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        title TEXT, author TEXT, outlet TEXT, date TEXT, url TEXT,
        meta_json TEXT NOT NULL DEFAULT '{}',
        text TEXT NOT NULL,
        is_example INTEGER NOT NULL DEFAULT 0,
        imported_at TEXT NOT NULL
    );
    CREATE TABLE passages (
        id TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT 'paragraph',
        is_boilerplate INTEGER NOT NULL DEFAULT 0,
        UNIQUE (doc_id, unit, seq)
    );
    CREATE INDEX passages_doc ON passages(doc_id, seq);
    CREATE TABLE annotations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        codebook_version TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'labelled' CHECK (status IN ('labelled', 'skipped', 'retracted')),
        labels_json TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'web',
        suggestion_json TEXT,
        changed_suggestion INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE INDEX annotations_passage ON annotations(passage_id, annotator, id);
    CREATE INDEX annotations_annotator ON annotations(annotator, id);
    CREATE TABLE gold_labels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        dimension TEXT NOT NULL,
        value_json TEXT NOT NULL,
        method TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        codebook_version TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX gold_passage ON gold_labels(passage_id, dimension, id);
    CREATE TABLE models (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dimension TEXT NOT NULL,
        path TEXT NOT NULL,
        codebook_version TEXT NOT NULL,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        card_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE predictions (
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        dimension TEXT NOT NULL,
        label_json TEXT NOT NULL,
        probs_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (passage_id, model_id, dimension)
    );
    CREATE TABLE annotators (
        name TEXT PRIMARY KEY,
        token_hash TEXT,
        created_at TEXT NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# Each annotator's current label per passage: the newest row, unless it was a skip or a retraction.
_CURRENT_LABELS = (
    "SELECT a.* FROM annotations a JOIN (SELECT MAX(id) AS id FROM annotations GROUP BY passage_id, annotator)"
    " last ON last.id = a.id WHERE a.status = 'labelled'"
)


def now() -> str:
    """Current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open the database with the settings every connection needs (WAL, foreign keys, busy wait)."""
    conn = sqlite3.connect(str(db_path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to `SCHEMA_VERSION`; refuse a database from a newer toolkit."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the project database has schema version {version}, newer than this toolkit's "
            f"{SCHEMA_VERSION}; upgrade policy-stance"
        )
    for step in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(MIGRATIONS[step]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def _split_sql(script: str) -> list[str]:
    # executescript() would commit our open transaction; split on ';' instead (no ';' in our DDL strings).
    return [s.strip() for s in script.split(";") if s.strip()]


@dataclass
class Status:
    """Counts shown by `stance status`."""

    documents: int
    example_documents: int
    passages: int
    boilerplate_passages: int
    annotations_by_annotator: dict[str, int]
    gold_by_dimension: dict[str, int]
    models: int
    predictions: int
    codebook_version: str


class Project:
    """A project folder: ``stance.db`` plus the project's editable ``codebook.yaml``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db_path = self.path / DB_NAME
        self.codebook_path = self.path / CODEBOOK_NAME
        self.models_dir = self.path / "models"
        self._local = threading.local()
        self._codebook: Codebook | None = None

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | Path, codebook: str | Path | None = None, exist_ok: bool = False) -> Project:
        """Create a project folder with an empty database and a copy of the codebook."""
        path = Path(path)
        if (path / DB_NAME).exists() and not exist_ok:
            raise StoreError(f"{path} is already a project (it has {DB_NAME}); use it or choose another folder")
        path.mkdir(parents=True, exist_ok=True)
        if codebook is not None:
            load_codebook(codebook)  # validate before copying
            (path / CODEBOOK_NAME).write_bytes(Path(codebook).read_bytes())
        elif not (path / CODEBOOK_NAME).exists():
            copy_default_codebook(path / CODEBOOK_NAME)
        (path / "models").mkdir(exist_ok=True)
        project = cls(path)
        migrate(project.conn)
        return project

    @classmethod
    def open(cls, path: str | Path) -> Project:
        """Open an existing project, migrating its schema if it is older than this toolkit."""
        path = Path(path)
        if not (path / DB_NAME).exists():
            raise StoreError(f"{path} is not a project (no {DB_NAME}); create it with: stance init {path}")
        project = cls(path)
        migrate(project.conn)
        return project

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared across threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = connect(self.db_path)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {self.db_path}: {exc}") from None
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @property
    def codebook(self) -> Codebook:
        if self._codebook is None:
            self._codebook = load_codebook(self.codebook_path if self.codebook_path.exists() else None)
        return self._codebook

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- documents and passages ------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Any], conn: sqlite3.Connection | None = None) -> tuple[int, int, int]:
        """Insert documents and their passages; skip documents already present (same id).

        `docs` are `stance.ingest.Document` objects with `.passages`. Returns
        (documents added, passages added, duplicate documents skipped). Call inside
        `transaction()` to make a whole import atomic; without `conn` it opens its own.
        """
        if conn is None:
            with self.transaction() as tx:
                return self.add_documents(docs, tx)
        stamp = now()
        added_docs = added_passages = duplicates = 0
        for doc in docs:
            meta = doc.meta
            inserted = conn.execute(
                "INSERT OR IGNORE INTO documents (id, source, title, author, outlet, date, url, meta_json, text,"
                " is_example, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.id, doc.source, meta.get("title"), meta.get("author"), meta.get("outlet"),
                    meta.get("date"), meta.get("url"),
                    json.dumps({k: v for k, v in meta.items()
                                if k not in {"title", "author", "outlet", "date", "url"}}, ensure_ascii=False),
                    doc.text, int(bool(doc.is_example)), stamp,
                ),
            )
            if inserted.rowcount == 0:  # same id already stored (a re-import): keep the first copy
                duplicates += 1
                continue
            conn.executemany(
                "INSERT INTO passages (id, doc_id, seq, start, end, text, unit, is_boilerplate)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(p.id, doc.id, p.seq, p.start, p.end, p.text, p.unit, int(p.is_boilerplate))
                 for p in doc.passages],
            )
            added_docs += 1
            added_passages += len(doc.passages)
        return added_docs, added_passages, duplicates

    def passages_frame(self, include_examples: bool = True) -> pd.DataFrame:
        """Every passage with its document's metadata, in document order."""
        sql = (
            "SELECT p.id AS passage_id, p.doc_id, p.seq, p.start, p.end, p.text, p.unit,"
            " p.is_boilerplate, d.title, d.author, d.outlet, d.date, d.url, d.source, d.meta_json,"
            " d.is_example FROM passages p JOIN documents d ON d.id = p.doc_id"
        )
        if not include_examples:
            sql += " WHERE d.is_example = 0"
        sql += " ORDER BY d.imported_at, d.rowid, p.seq"
        frame = pd.read_sql_query(sql, self.conn)
        frame["is_boilerplate"] = frame["is_boilerplate"].astype(bool)
        frame["is_example"] = frame["is_example"].astype(bool)
        return frame

    # -- labels ------------------------------------------------------------------------------------

    def add_annotation(
        self,
        passage_id: str,
        annotator: str,
        labels: dict[str, Any],
        note: str = "",
        source: str = "web",
        status: str = "labelled",
        suggestion: dict[str, Any] | None = None,
        conn: sqlite3.Connection | None = None,
        created_at: str | None = None,
        codebook_version: str | None = None,
    ) -> int:
        """Append one annotator's labels for one passage (validated against the codebook)."""
        cb = self.codebook
        clean = {dim: cb.validate_label(dim, value) for dim, value in labels.items() if value not in (None, "", [])}
        changed = None
        if suggestion:
            changed = int(any(clean.get(d) != v for d, v in suggestion.items()))
        sql = (
            "INSERT INTO annotations (passage_id, annotator, codebook_version, status, labels_json, note,"
            " source, suggestion_json, changed_suggestion, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        )
        args = (
            passage_id, annotator, codebook_version or cb.version, status,
            json.dumps(clean, ensure_ascii=False), note or "", source,
            json.dumps(suggestion, ensure_ascii=False) if suggestion else None, changed,
            created_at or now(),
        )
        if conn is None:
            with self.transaction() as tx:
                return tx.execute(sql, args).lastrowid
        return conn.execute(sql, args).lastrowid

    def add_gold(
        self,
        passage_id: str,
        dimension: str,
        value: Any,
        method: str,
        decided_by: str,
        note: str = "",
        conn: sqlite3.Connection | None = None,
        created_at: str | None = None,
        codebook_version: str | None = None,
    ) -> int:
        """Append a gold label; `method` says how it was reached (unanimous, adjudicated, imported, corpus)."""
        value = self.codebook.validate_label(dimension, value)
        sql = (
            "INSERT INTO gold_labels (passage_id, dimension, value_json, method, decided_by,"
            " codebook_version, note, created_at) VALUES (?,?,?,?,?,?,?,?)"
        )
        args = (passage_id, dimension, json.dumps(value, ensure_ascii=False), method, decided_by,
                codebook_version or self.codebook.version, note or "", created_at or now())
        if conn is None:
            with self.transaction() as tx:
                return tx.execute(sql, args).lastrowid
        return conn.execute(sql, args).lastrowid

    def current_annotations(self, annotator: str | None = None) -> pd.DataFrame:
        """The latest annotation per passage and annotator (retracted ones excluded)."""
        sql = f"SELECT * FROM ({_CURRENT_LABELS})" + (" WHERE annotator = ?" if annotator else "")
        frame = pd.read_sql_query(sql, self.conn, params=(annotator,) if annotator else None)
        frame["labels"] = [json.loads(s) for s in frame["labels_json"]]
        return frame

    def gold_frame(self, include_examples: bool = False) -> pd.DataFrame:
        """Passages with a current gold label, one column per codebook dimension.

        Columns: passage_id, doc_id, text, is_example, is_boilerplate and one per dimension
        (str for single-valued, list[str] for multi-valued, None where no gold label exists).
        """
        rows = self.conn.execute(
            "SELECT g.passage_id, g.dimension, g.value_json FROM gold_labels g JOIN"
            " (SELECT passage_id, dimension, MAX(id) AS id FROM gold_labels GROUP BY passage_id, dimension) last"
            " ON last.id = g.id"
        ).fetchall()
        passages = self.passages_frame(include_examples=include_examples)
        dims = self.codebook.dimension_names
        labels: dict[str, dict[str, Any]] = {}
        for pid, dim, value in rows:
            if dim in dims:
                labels.setdefault(pid, {})[dim] = json.loads(value)
        frame = passages[passages["passage_id"].isin(labels)].copy()
        for dim in dims:
            frame[dim] = pd.Series([labels[pid].get(dim) for pid in frame["passage_id"]], index=frame.index,
                                   dtype=object)
        keep = ["passage_id", "doc_id", "text", "is_example", "is_boilerplate", "outlet", "author", "date",
                "title", *dims]
        return frame[keep].reset_index(drop=True)

    # -- models and predictions ------------------------------------------------------------------

    def add_model(self, dimension: str, path: str | Path, codebook_version: str,
                  metrics: dict[str, Any] | None = None, card: dict[str, Any] | None = None) -> int:
        """Register a saved model file (path stored relative to the project when inside it)."""
        path = Path(path)
        try:
            stored = str(path.resolve().relative_to(self.path.resolve()))
        except ValueError:
            stored = str(path.resolve())
        with self.transaction() as tx:
            return tx.execute(
                "INSERT INTO models (dimension, path, codebook_version, metrics_json, card_json, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (dimension, stored, codebook_version, json.dumps(metrics or {}, default=str),
                 json.dumps(card or {}, default=str), now()),
            ).lastrowid

    def _absolute(self, stored: str) -> str:
        """A registered model path as stored (relative to the project when inside it) made absolute."""
        return stored if Path(stored).is_absolute() else str(self.path / stored)

    def list_models(self) -> pd.DataFrame:
        frame = pd.read_sql_query("SELECT * FROM models ORDER BY id", self.conn)
        frame["path"] = [self._absolute(p) for p in frame["path"]]
        return frame

    def latest_model(self, dimension: str) -> dict[str, Any] | None:
        """The newest registered model for `dimension`, or None."""
        row = self.conn.execute(
            "SELECT * FROM models WHERE dimension = ? ORDER BY id DESC LIMIT 1", (dimension,)
        ).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["path"] = self._absolute(out["path"])
        out["metrics"] = json.loads(out.pop("metrics_json"))
        out["card"] = json.loads(out.pop("card_json"))
        return out

    # -- summary ---------------------------------------------------------------------------------

    def status(self) -> Status:
        c = self.conn
        one = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
        by_annotator = dict(c.execute(
            f"SELECT annotator, COUNT(*) FROM ({_CURRENT_LABELS}) GROUP BY annotator ORDER BY annotator"
        ).fetchall())
        gold = dict(c.execute(
            "SELECT dimension, COUNT(DISTINCT passage_id) FROM gold_labels GROUP BY dimension"
        ).fetchall())
        return Status(
            documents=one("SELECT COUNT(*) FROM documents"),
            example_documents=one("SELECT COUNT(*) FROM documents WHERE is_example = 1"),
            passages=one("SELECT COUNT(*) FROM passages"),
            boilerplate_passages=one("SELECT COUNT(*) FROM passages WHERE is_boilerplate = 1"),
            annotations_by_annotator=by_annotator,
            gold_by_dimension={d: gold.get(d, 0) for d in self.codebook.dimension_names},
            models=one("SELECT COUNT(*) FROM models"),
            predictions=one("SELECT COUNT(*) FROM predictions"),
            codebook_version=self.codebook.version,
        )

    def label_counts(self, include_examples: bool = True) -> pd.DataFrame:
        """Gold label counts per dimension and value (codebook order): real passages, written
        examples and the total."""
        frame = self.gold_frame(include_examples=include_examples)
        rows = []
        for dim in self.codebook.dimensions:
            row_counts = {}
            for kind, part in (("real", frame[~frame["is_example"]]), ("example", frame[frame["is_example"]])):
                values = part[dim.name].dropna()
                row_counts[kind] = (values.explode() if dim.multi else values).value_counts()
            for v in dim.value_names:
                real, example = int(row_counts["real"].get(v, 0)), int(row_counts["example"].get(v, 0))
                rows.append({"dimension": dim.name, "value": v, "real": real, "example": example,
                             "total": real + example})
        return pd.DataFrame(rows, columns=["dimension", "value", "real", "example", "total"])
