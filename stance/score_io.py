"""Streaming input and atomic output for scoring: inputs become batches of passages, results are written
to a temporary file that is moved into place only when the run is complete.

Text, Markdown and HTML files are read by `stance.ingest` (one file is one document); CSV, JSONL and
Parquet tables are read in chunks (pandas `chunksize`, line by line, pyarrow `iter_batches`) so that
memory does not grow with the input. Every table row is one document, split into passages exactly as
`stance ingest` splits it, so passage and document ids match an ingested copy of the same input.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from .errors import InputError
from .ingest import (
    STANDARD_META,
    TableOptions,
    _check_columns,
    iter_files,
    make_document,
    parse_json_object,
    read_path,
)

STDIN = "-"
TABLE_KINDS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
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


def plan_inputs(inputs: Iterable[str | Path], table: TableOptions, on_error: str = "stop",
                stdin_header: list[str] | None = None) -> InputPlan:
    """Expand directories and globs, read every table's header and check the text column.

    A table without the text column is always an error (it is a mistake in the command, not a bad file);
    a file whose header cannot be read stops the run or, with on_error="skip", is named and left out.
    """
    if on_error not in ("stop", "skip"):
        raise InputError(f"on_error must be 'stop' or 'skip', got {on_error!r}")
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
    extra: list[str] = []
    plan = InputPlan([], [], stdin)
    headers = [("<stdin>", stdin_header)] if stdin_header is not None else []
    for path in files:
        kind = TABLE_KINDS.get(path.suffix.lower())
        if kind is None:
            plan.files.append(path)
            continue
        try:
            header = table_header(path, kind)
        except InputError as exc:
            if on_error == "stop":
                raise
            plan.skipped.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        headers.append((str(path), header))
        plan.files.append(path)
    for source, header in headers:
        _check_columns(header, table, source)
        for col in header:
            if col not in extra and col != table.text_col and col not in STANDARD_META and col not in ID_COLUMNS \
                    and col not in TAIL_COLUMNS and (table.meta_cols is None or col in table.meta_cols):
                extra.append(col)
    plan.meta_columns = [*STANDARD_META, *extra]
    if not plan.files and not stdin:
        if plan.skipped:
            raise InputError("no readable input: " + "; ".join(f"{w}: {why}" for w, why in plan.skipped))
        raise InputError("no supported files in: " + ", ".join(str(i) for i in inputs))
    return plan


def table_header(path: Path, kind: str) -> list[str]:
    """Column names of a table file, reading as little of it as possible."""
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            try:
                return [str(n) for n in pq.ParquetFile(path).schema_arrow.names]
            except Exception as exc:  # pyarrow raises several unrelated types for unreadable files
                raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
        with open(path, encoding="utf-8-sig", newline="") as f:
            if kind == "csv":
                dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
                try:
                    header = next(csv.reader(f, dialect=dialect))
                except StopIteration:
                    raise InputError(f"{path}: file is empty") from None
                return [h.strip() for h in header]
            for number, line in enumerate(f, start=1):
                if line.strip():
                    row = parse_json_object(line, f"{path}: line {number}")
                    return [str(k) for k in row]
            raise InputError(f"{path}: file is empty")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it first, e.g. iconv -f windows-1252 -t utf-8") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


# -- rows: (where, record) pairs, one per document -------------------------------------------------

def iter_table_rows(path: Path, kind: str, chunk_rows: int = 2048, row_groups: list[int] | None = None,
                    first_row: int = 1) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of a CSV/JSONL/Parquet file as dicts, read in chunks (memory does not grow with the file).

    For Parquet, `row_groups` reads only those row groups, whose first row is number `first_row`."""
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            number = first_row - 1
            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, row_groups=row_groups):
                for row in batch.to_pylist():
                    number += 1
                    yield f"{path}: row {number}", row
        elif kind == "csv":
            sep = "\t" if path.suffix.lower() == ".tsv" else ","
            reader = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, chunksize=chunk_rows,
                                 encoding="utf-8-sig", skip_blank_lines=True)
            number = 0
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                for row in chunk.to_dict("records"):
                    number += 1
                    yield f"{path}: row {number}", row
        else:
            with open(path, encoding="utf-8-sig") as f:
                yield from iter_jsonl_lines(f, str(path))
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it first, e.g. iconv -f windows-1252 -t utf-8") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: malformed {kind.upper()}: {str(exc).strip()}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except Exception as exc:  # pyarrow's errors for corrupt files
        raise InputError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc})") from None


def iter_jsonl_lines(stream: TextIO, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            where = f"{name}: line {number}"
            yield where, parse_json_object(line, where)


def iter_stdin_rows(stream: TextIO, text_col: str) -> tuple[list[str] | None, Iterator[tuple[str, dict]]]:
    """stdin: JSON Lines if the first non-blank line is a JSON object, else one text per line.

    Returns (the JSONL header or None for plain lines, the rows)."""
    first_number, first = 0, ""
    for first_number, first in enumerate(stream, start=1):  # noqa: B007 - we need the line after the loop
        if first.strip():
            break
    else:
        return None, iter(())
    if first.lstrip().startswith("{"):
        row = parse_json_object(first, f"<stdin>: line {first_number}")

        def rows() -> Iterator[tuple[str, dict]]:
            yield f"<stdin>: line {first_number}", row
            for where, r in iter_jsonl_lines(stream, "<stdin>"):
                n = int(where.rsplit(" ", 1)[1]) + first_number
                yield f"<stdin>: line {n}", r
        return [str(k) for k in row], rows()

    def lines() -> Iterator[tuple[str, dict]]:
        yield f"<stdin>: line {first_number}", {text_col: first.rstrip("\n")}
        for number, line in enumerate(stream, start=first_number + 1):
            if line.strip():
                yield f"<stdin>: line {number}", {text_col: line.rstrip("\n")}
    return None, lines()


# -- documents to passage rows -----------------------------------------------------------------------

def passage_rows(doc, meta_columns: list[str]) -> list[dict[str, Any]]:
    """One output row per passage of a `stance.ingest.Document`."""
    meta = {c: _meta_str(doc.meta.get(c)) for c in meta_columns}
    return [{"doc_id": doc.id, "passage_id": p.id, **meta, "source": doc.source,
             "is_boilerplate": p.is_boilerplate, "text": p.text} for p in doc.passages]


def _meta_str(v) -> str | None:
    return None if v is None else str(v)


def row_document(row: dict[str, Any], where: str, table: TableOptions, unit: str, source: str):
    """A table row as a document (None when its text is empty)."""
    text = row.get(table.text_col)
    if text is None or (isinstance(text, float) and text != text) or str(text).strip() == "":
        return None
    meta = {k: _plain(v) for k, v in row.items() if k != table.text_col}
    if table.id_col:
        meta["external_id"] = meta.get(table.id_col)
    return make_document(str(text).replace("\r\n", "\n").replace("\r", "\n"), source, meta, unit)


def _plain(v):
    """A metadata value as a plain Python value; missing (None, NaN, NA) as None, whatever read it."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v


def iter_documents(plan: InputPlan, table: TableOptions, unit: str, on_error: str, on_skip: Skip,
                   stdin_rows: Iterator[tuple[str, dict]] | None = None, chunk_rows: int = 2048):
    """Every input document in order; unreadable files stop the run or are skipped (named)."""
    if stdin_rows is not None:
        yield from _table_documents(stdin_rows, table, unit, on_skip)
    for path in plan.files:
        kind = TABLE_KINDS.get(path.suffix.lower())
        try:
            if kind is None:
                yield from read_path(path, {}, unit)
            else:
                yield from _table_documents(iter_table_rows(path, kind, chunk_rows), table, unit, on_skip)
        except InputError as exc:
            if on_error == "stop":
                raise
            on_skip(str(path), str(exc).removeprefix(f"{path}: "))


def _table_documents(rows, table: TableOptions, unit: str, on_skip: Skip):
    for where, row in rows:
        doc = row_document(row, where, table, unit, where.replace(": row ", ":").replace(": line ", ":"))
        if doc is None:
            on_skip(where, f"empty text in column {table.text_col!r}")
        else:
            yield doc


def passage_batches(documents: Iterable, meta_columns: list[str], batch_size: int) -> Iterator[pd.DataFrame]:
    """Passage frames of about `batch_size` passages; a document is never split across two batches."""
    columns = [*ID_COLUMNS, *meta_columns, *TAIL_COLUMNS]
    rows: list[dict[str, Any]] = []
    for doc in documents:
        rows.extend(passage_rows(doc, meta_columns))
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
