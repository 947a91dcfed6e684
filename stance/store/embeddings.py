"""Sentence embeddings kept on disk, per encoder and passage, so that re-training and re-scoring do not
re-encode.

One SQLite file per encoder identity (name, weights checksum, tokens read, backend: see
`Encoder.identity`), named by a hash of it and recording it in full, in a folder where the researcher's
work lives (the project's `cache/embeddings/`, or `embedding-cache/` beside a model file). Rows are keyed by
a hash of the text the encoder reads and hold its embedding as raw float32 bytes: never a pickle, and
nothing in the file is run. The file is bounded (the oldest rows are dropped past `max_rows`) and safe to
delete at any time: a missing or unreadable file is started afresh, and a row of the wrong size is ignored
(that passage is encoded again). SQLite's write-ahead log lets several scoring processes share a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import numpy as np

MAX_ROWS = 500_000  # embeddings kept per encoder: about 0.8 GB of 384 float32 each
CACHE_FOLDER = ("cache", "embeddings")  # under a project folder
BESIDE_MODEL = "embedding-cache"  # beside a model file scored without a project
_CHUNK = 500  # keys per SELECT (SQLite's limit on bound parameters is far above)


def project_cache_folder(project_path: str | Path) -> Path:
    """Where a project keeps its embeddings."""
    return Path(project_path).joinpath(*CACHE_FOLDER)


def model_cache_folder(model_path: str | Path) -> Path:
    """Where embeddings are kept when a model file scores files without a project."""
    return Path(model_path).resolve().parent / BESIDE_MODEL


class EmbeddingStore:
    """The embeddings of one encoder identity in `folder`; `get` and `put` take text-hash keys."""

    def __init__(self, folder: str | Path, identity: str, dimension: int, max_rows: int = MAX_ROWS):
        self.folder = Path(folder)
        self.identity = identity
        self.dimension = dimension
        self.max_rows = max_rows
        self.path = self.folder / f"{hashlib.sha256(identity.encode()).hexdigest()[:24]}.sqlite"
        self._conn: sqlite3.Connection | None = None

    def __getstate__(self):  # a connection does not cross processes: each opens its own
        return {**self.__dict__, "_conn": None}

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError:  # not a database (truncated, overwritten): start afresh
                with contextlib.suppress(OSError):
                    self.path.unlink()
                self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (identity TEXT NOT NULL, dimension INTEGER NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (id INTEGER PRIMARY KEY, key BLOB UNIQUE NOT NULL, "
                     "vec BLOB NOT NULL)")
        row = conn.execute("SELECT identity, dimension FROM meta").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES (?, ?)", (self.identity, self.dimension))
        elif tuple(row) != (self.identity, self.dimension):  # another encoder's file under this name
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM vectors")
            conn.execute("UPDATE meta SET identity = ?, dimension = ?", (self.identity, self.dimension))
            conn.execute("COMMIT")
        return conn

    def get(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """The stored embeddings of those `keys` that have one."""
        conn = self._connect()
        size = 4 * self.dimension
        found: dict[bytes, np.ndarray] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            rows = conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update((bytes(k), np.frombuffer(v, dtype="<f4").copy()) for k, v in rows if len(v) == size)
        return found

    def put(self, embeddings: dict[bytes, np.ndarray]) -> None:
        """Store embeddings (one transaction), then drop the oldest rows past `max_rows`."""
        if not embeddings:
            return
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                             ((k, np.asarray(v, dtype="<f4").tobytes()) for k, v in embeddings.items()))
            conn.execute("DELETE FROM vectors WHERE id <= (SELECT MAX(id) FROM vectors) - ?", (self.max_rows,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
