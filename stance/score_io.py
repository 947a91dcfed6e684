"""Streaming input and atomic output for scoring: inputs become batches of passages, results are written
to a temporary file that is moved into place only when the run is complete.

Every file is read by the readers that `stance ingest` uses (`stance.readers`, tables streamed row by row)
and becomes documents in `stance.documents` with the same options, so passage and document ids match an
ingested copy of the same input (tests/test_inputs_contract.py).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from .documents import (
    STANDARD_META,
    Document,
    InputOptions,
    check_columns,
    documents_of,
    read_documents,
    table_record,
)
from .errors import InputError
from .readers import is_table, iter_files, reader_for
from .readers.jsonl import object_lines

STDIN = "-"
OUTPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ID_COLUMNS = ["doc_id", "passage_id"]
TAIL_COLUMNS = ["source", "is_boilerplate", "text"]

Skip = Callable[[str, str], None]


@dataclass
class InputPlan:
    """The files to read and the metadata columns the output will have, known before any work starts."""

    files: list[Path]
    meta_columns: list[str]
    stdin: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Passage-frame columns, in output order."""
        return [*ID_COLUMNS, *self.meta_columns, *TAIL_COLUMNS]


def plan_inputs(inputs: Iterable[str | Path], options: InputOptions, on_error: str = "stop",
                stdin_header: list[str] | None = None) -> InputPlan:
    """Expand directories and globs, read every table's header and check its columns.

    A table without the text column is always an error (it is a mistake in the command, not a bad file);
    a file whose header cannot be read stops the run or, with on_error="skip", is named and left out.
    The output's metadata columns: the standard ones, then the tables' others (or only `meta_cols`),
    then the `--meta` keys.
    """
    if on_error not in ("stop", "skip"):
        raise InputError(f"on_error must be 'stop' or 'skip', got {on_error!r}")
    table = options.table
    files: list[Path] = []
    stdin = False
    for raw in inputs:
        if str(raw) == STDIN:
            stdin = True
            continue
        text = str(raw)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            import glob

            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise InputError(f"{text}: no file matches this pattern")
            files.extend(iter_files(matches))
        else:
            files.extend(iter_files([raw]))
    plan = InputPlan([], [], stdin)
    headers = [("<stdin>", stdin_header)] if stdin_header is not None else []
    for path in files:
        if not is_table(path):
            plan.files.append(path)
            continue
        try:
            header = reader_for(path).header(path)
        except InputError as exc:
            if on_error == "stop":
                raise
            plan.skipped.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        headers.append((str(path), header))
        plan.files.append(path)
    extra: list[str] = []
    for source, header in headers:
        check_columns(header, table, source)
        for col in header:
            if col not in extra and col != table.text_col and (table.meta_cols is None or col in table.meta_cols
                                                               or col == table.id_col):
                extra.append(col)
    extra.extend(options.meta)
    reserved = {*STANDARD_META, *ID_COLUMNS, *TAIL_COLUMNS}
    plan.meta_columns = [*STANDARD_META, *dict.fromkeys(c for c in extra if c not in reserved)]
    if not plan.files and not stdin:
        if plan.skipped:
            raise InputError("no readable input: " + "; ".join(f"{w}: {why}" for w, why in plan.skipped))
        raise InputError("no supported files in: " + ", ".join(str(i) for i in inputs))
    return plan


def iter_stdin_rows(stream: TextIO, text_col: str) -> tuple[list[str] | None, Iterator[tuple[str, dict | str]]]:
    """stdin: JSON Lines if the first non-blank line is a JSON object, else one text per line.

    Returns (the JSONL header or None for plain lines, the rows as a table reader gives them)."""
    first_number, first = 0, ""
    for first_number, first in enumerate(stream, start=1):  # noqa: B007 - we need the line after the loop
        if first.strip():
            break
    else:
        return None, iter(())
    if first.lstrip().startswith("{"):
        where, row = next(object_lines([first], "<stdin>", first_number))
        if isinstance(row, str):
            raise InputError(f"{where}: {row}")

        def rows() -> Iterator[tuple[str, dict | str]]:
            yield where, row
            yield from object_lines(stream, "<stdin>", first_number + 1)
        return [str(k) for k in row], rows()

    def lines() -> Iterator[tuple[str, dict]]:
        yield f"<stdin>: line {first_number}", {text_col: first.rstrip("\n")}
        for number, line in enumerate(stream, start=first_number + 1):
            if line.strip():
                yield f"<stdin>: line {number}", {text_col: line.rstrip("\n")}
    return None, lines()


# -- documents to passage rows -----------------------------------------------------------------------

def passage_rows(doc: Document, meta_columns: list[str], id_col: str | None = None) -> list[dict[str, Any]]:
    """One output row per passage of a document; the table's id column holds the document's own id."""
    meta = {c: _meta_str(doc.meta.get(c)) for c in meta_columns}
    if id_col in meta:
        meta[id_col] = _meta_str(doc.meta.get("external_id"))
    return [{"doc_id": doc.id, "passage_id": p.id, **meta, "source": doc.source,
             "is_boilerplate": p.is_boilerplate, "text": p.text} for p in doc.passages]


def _meta_str(v) -> str | None:
    return None if v is None else str(v)


def iter_documents(plan: InputPlan, options: InputOptions, on_error: str, on_skip: Skip,
                   stdin_rows: Iterator[tuple[str, dict | str]] | None = None) -> Iterator[Document]:
    """Every input document in order. Rows without text are left out and named; unreadable rows and files
    stop the run or (on_error="skip") are named and left out."""
    bad_row = on_skip if on_error == "skip" else None
    if stdin_rows is not None:
        records = (table_record(where, row, options.table) for where, row in stdin_rows)
        yield from documents_of(records, options, bad_row, on_skip)
    for path in plan.files:
        try:
            yield from read_documents(path, options, bad_row, on_skip, span=None)
        except InputError as exc:
            if on_error == "stop":
                raise
            on_skip(str(path), str(exc).removeprefix(f"{path}: "))


def passage_batches(documents: Iterable[Document], meta_columns: list[str], batch_size: int,
                    id_col: str | None = None) -> Iterator[pd.DataFrame]:
    """Passage frames of about `batch_size` passages; a document is never split across two batches."""
    columns = [*ID_COLUMNS, *meta_columns, *TAIL_COLUMNS]
    rows: list[dict[str, Any]] = []
    for doc in documents:
        rows.extend(passage_rows(doc, meta_columns, id_col))
        if len(rows) >= batch_size:
            yield pd.DataFrame(rows, columns=columns)
            rows = []
    if rows:
        yield pd.DataFrame(rows, columns=columns)


# -- atomic output ---------------------------------------------------------------------------------

def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise InputError(f"{path}: unknown output format {suffix or '(none)'}; use .parquet, .csv or .jsonl")
    return OUTPUT_FORMATS[suffix]


class AtomicWriter:
    """Write frames to a temporary file beside `path`; `commit()` moves it into place.

    Used as a context manager: leaving the block with an exception (or KeyboardInterrupt) deletes the
    temporary file, so the destination is either the complete output or untouched.
    """

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = fmt or output_format(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".partial")
        os.close(fd)
        self.tmp = Path(tmp)
        self.rows = 0
        self._pq = None
        self._schema = None
        self._text: io.TextIOWrapper | None = None

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close()
        if exc_type is not None or self.tmp.exists():
            self.tmp.unlink(missing_ok=True)

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._schema is None:
                self._schema = arrow_schema(frame)
                self._pq = pq.ParquetWriter(self.tmp, self._schema, compression="zstd")
            self._pq.write_table(pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False))
        else:
            if self._text is None:
                self._text = open(self.tmp, "w", encoding="utf-8", newline="")
                if self.fmt == "csv":
                    frame.iloc[:0].to_csv(self._text, index=False)
            if self.fmt == "csv":
                frame.to_csv(self._text, index=False, header=False)
            elif len(frame):
                self._text.write(frame.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n"))
                self._text.write("\n")
        self.rows += len(frame)

    def commit(self, empty: pd.DataFrame | None = None) -> Path:
        """Finish the file and move it into place (an empty run writes `empty`'s columns, if given)."""
        if self._pq is None and self._text is None and empty is not None:
            self.write(empty)
        self._close()
        os.replace(self.tmp, self.path)
        return self.path

    def _close(self) -> None:
        if self._pq is not None:
            self._pq.close()
            self._pq = None
        if self._text is not None:
            self._text.close()
            self._text = None


def arrow_schema(frame: pd.DataFrame):
    """A fixed schema from the first batch: text-like columns are strings even when all empty."""
    import pyarrow as pa

    fields = []
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            typ = pa.bool_()
        elif pd.api.types.is_integer_dtype(dtype):
            typ = pa.int64()
        elif pd.api.types.is_float_dtype(dtype):
            typ = pa.float64()
        else:
            typ = pa.string()
        fields.append(pa.field(str(name), typ))
    return pa.schema(fields)
