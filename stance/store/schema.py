"""The database schema, its forward migrations, and the settings every connection needs.

The schema version lives in ``PRAGMA user_version``. To change the schema, append one step to
`MIGRATIONS` (never edit a step that has shipped) and put the new table's statements in a module of
its own beside this one (as `labels.py` holds the annotations table's), re-exported in `__init__.py`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StoreError
from .prediction_format import convert_json_predictions

# Forward migrations: MIGRATIONS[i] takes the schema from version i to i + 1.
# Append new steps; never edit a step that has shipped.
# A step is SQL, or a function of the connection where SQL cannot convert the data.
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
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
    # 2: validation samples (stance/store/validation.py): random passages to label for checking a model
    # on the project's own corpus, each with its inclusion probability.
    """
    CREATE TABLE validation_samples (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        size INTEGER NOT NULL,
        by_column TEXT,
        seed INTEGER NOT NULL,
        floor INTEGER NOT NULL,
        pool INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE validation_passages (
        sample_id INTEGER NOT NULL REFERENCES validation_samples(id) ON DELETE CASCADE,
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        stratum TEXT NOT NULL,
        inclusion_prob REAL NOT NULL,
        stratum_passages INTEGER NOT NULL,
        draw_order INTEGER NOT NULL,
        PRIMARY KEY (sample_id, passage_id)
    );
    CREATE INDEX validation_passages_passage ON validation_passages(passage_id);
    """,
    # 3: the codebook rule(s) that settled a gold label (an adjudicator's decision cites one), in a field
    # of its own rather than only inside the free-text note (stance/store/gold.py).
    """
    ALTER TABLE gold_labels ADD COLUMN rule TEXT NOT NULL DEFAULT ''
    """,
    # 4: predictions as a label and an array of float64 probabilities in the order of the model's classes
    # (prediction_classes) instead of JSON, so that a report loads them as columns without decoding every
    # row (stance/store/prediction_format.py); the JSON of earlier versions is converted.
    convert_json_predictions,
]
SCHEMA_VERSION = len(MIGRATIONS)


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
            if callable(MIGRATIONS[step]):
                MIGRATIONS[step](conn)
            else:
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


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on `conn`: everything inside commits together or not at all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, a failed COMMIT)
            conn.execute("ROLLBACK")
        raise


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str = "step") -> Iterator[sqlite3.Connection]:
    """A part of an open transaction that is rolled back alone when it raises (the error propagates)."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def set_durable(conn: sqlite3.Connection, durable: bool) -> None:
    """Whether commits on `conn` wait for fsync (FULL) or only for the WAL write (NORMAL, the default)."""
    conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")


@contextmanager
def page_cache(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """SQLite's page cache on `conn` set to `kib` KiB for the block, then put back."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")
