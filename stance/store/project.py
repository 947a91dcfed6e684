"""A project folder: ``stance.db`` plus the project's editable ``codebook.yaml``.

`Project` opens the database (one connection per thread), checks labels against the codebook
before they are stored, and resolves model paths; the SQL it runs lives in the sibling modules.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..checks import check_name
from ..codebook import Codebook, copy_default_codebook, load_codebook
from ..errors import StoreError
from . import documents, gold, predictions
from . import labels as _labels
from .schema import connect, migrate, now
from .schema import transaction as _transaction

DB_NAME = "stance.db"
CODEBOOK_NAME = "codebook.yaml"


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
    path: str = ""

    def __str__(self) -> str:
        """The summary `stance status` prints, so that `print(project.status())` reads the same."""
        lines = [f"Project {self.path} (codebook version {self.codebook_version})",
                 f"  documents   {self.documents:>8}  ({self.documents - self.example_documents} real, "
                 f"{self.example_documents} written codebook examples)",
                 f"  passages    {self.passages:>8}  ({self.boilerplate_passages} flagged as boilerplate)"]
        if self.annotations_by_annotator:
            lines.append("  labelled passages per annotator:")
            lines += [f"    {name:<24} {count:>6}" for name, count in self.annotations_by_annotator.items()]
        else:
            lines.append("  no annotations yet")
        lines += ["  gold-labelled passages per dimension: "
                  + ", ".join(f"{d} {n}" for d, n in self.gold_by_dimension.items()),
                  f"  models      {self.models:>8}",
                  f"  predictions {self.predictions:>8}"]
        return "\n".join(lines)


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
        with _transaction(self.conn) as conn:
            yield conn

    # -- documents and passages ------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Any],
                      conn: sqlite3.Connection | None = None) -> tuple[int, int, int, int]:
        """Insert documents and their passages; skip documents already present (same id).

        `docs` are `stance.ingest.Document` objects with `.passages`. Returns (documents added, passages
        added, documents already in the project, documents repeating one of the same file). Call inside
        `transaction()` to make a whole import atomic; without `conn` it opens its own.
        """
        if conn is None:
            with self.transaction() as tx:
                return documents.add_documents(tx, docs)
        return documents.add_documents(conn, docs)

    def passages_frame(self, include_examples: bool = True) -> pd.DataFrame:
        """Every passage with its document's metadata, in document order."""
        return documents.passages_frame(self.conn, include_examples)

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
        check_name(annotator)  # names become the authors of labels: no markup, newlines or megabytes
        clean = {dim: cb.validate_label(dim, value) for dim, value in labels.items() if value not in (None, "", [])}
        changed = None
        if suggestion:
            changed = int(any(clean.get(d) != v for d, v in suggestion.items()))
        row = (passage_id, annotator, codebook_version or cb.version, status, json.dumps(clean, ensure_ascii=False),
               note or "", source, json.dumps(suggestion, ensure_ascii=False) if suggestion else None, changed,
               created_at or now())
        if conn is None:
            with self.transaction() as tx:
                return _labels.add_annotation(tx, *row)
        return _labels.add_annotation(conn, *row)

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
        rule: str = "",
    ) -> int:
        """Append a gold label; `method` says how it was reached (unanimous, adjudicated, imported, corpus)
        and `rule` which codebook rule(s) settled it (checked by the caller, `stance.agreement.resolve`)."""
        value = self.codebook.validate_label(dimension, value)
        for name in str(decided_by).replace(";", ",").split(","):  # unanimous gold names every annotator
            check_name(name.strip())
        row = (passage_id, dimension, json.dumps(value, ensure_ascii=False), method, decided_by,
               codebook_version or self.codebook.version, note or "", created_at or now(), rule or "")
        if conn is None:
            with self.transaction() as tx:
                return gold.add_gold(tx, *row)
        return gold.add_gold(conn, *row)

    def current_annotations(self, annotator: str | None = None) -> pd.DataFrame:
        """The latest annotation per passage and annotator (retracted ones excluded)."""
        return _labels.current_labels(self.conn, annotator)

    def gold_frame(self, include_examples: bool = False) -> pd.DataFrame:
        """Passages with a current gold label, one column per codebook dimension.

        Columns: passage_id, doc_id, text, is_example, is_boilerplate, outlet, author, date, title, one per
        dimension (str for single-valued, list[str] for multi-valued, None where no gold label exists), then
        one per custom metadata key of the documents (such as a `--target-col`), as a string or None.
        """
        dims = self.codebook.dimension_names
        by_passage: dict[str, dict[str, Any]] = {}
        for row in gold.current_gold(self.conn):
            if row["dimension"] in dims:
                by_passage.setdefault(row["passage_id"], {})[row["dimension"]] = row["value"]
        passages = self.passages_frame(include_examples=include_examples)
        frame = passages[passages["passage_id"].isin(by_passage)].copy()
        for dim in dims:
            frame[dim] = pd.Series([by_passage[pid].get(dim) for pid in frame["passage_id"]], index=frame.index,
                                   dtype=object)
        keep = ["passage_id", "doc_id", "text", "is_example", "is_boilerplate", "outlet", "author", "date",
                "title", *dims]
        frame = documents.with_custom_meta(frame)  # e.g. the target of each passage's stance (--target-col)
        custom = [c for c in frame.columns if c not in passages.columns and c not in dims]
        return frame[[*keep, *custom]].reset_index(drop=True)

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
            return predictions.add_model(tx, dimension, stored, codebook_version, metrics, card)

    def _absolute(self, stored: str) -> str:
        """A registered model path as stored (relative to the project when inside it) made absolute."""
        return stored if Path(stored).is_absolute() else str(self.path / stored)

    def list_models(self) -> pd.DataFrame:
        frame = predictions.models_frame(self.conn)
        frame["path"] = [self._absolute(p) for p in frame["path"]]
        return frame

    def latest_model(self, dimension: str) -> dict[str, Any] | None:
        """The newest registered model for `dimension`, or None."""
        out = predictions.latest_model(self.conn, dimension)
        if out is not None:
            out["path"] = self._absolute(out["path"])
        return out

    # -- summary ---------------------------------------------------------------------------------

    def status(self) -> Status:
        c = self.conn
        golds = gold.gold_per_dimension(c)
        return Status(
            **documents.document_counts(c),
            annotations_by_annotator=_labels.labels_per_annotator(c),
            gold_by_dimension={d: golds.get(d, 0) for d in self.codebook.dimension_names},
            **predictions.model_counts(c),
            codebook_version=self.codebook.version,
            path=str(self.path),
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
