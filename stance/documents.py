"""Documents: the one place where a reader's record becomes a document with its id and passages.

`stance ingest`, `stance score` on files and the Dask engine all build documents here, from the
readers' records (`stance.readers`) with the same `InputOptions`, so one passage gets one id whichever
path read it. A document's id comes from its outlet and text (or its own id column): metadata that
decides ids is chosen here and nowhere else.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks
from .errors import InputError
from .passages import Passage, split_passages
from .readers import MAX_TEXT_BYTES, Record, Span, reader_for, source_of
from .readers.base import file_errors, normalise_newlines

STANDARD_META = ("outlet", "author", "date", "title", "url")
Skip = Callable[[str, str], None]


@dataclass
class Document:
    """One piece of writing with its metadata and passages."""

    id: str
    source: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)
    is_example: bool = False


@dataclass
class TableOptions:
    """How to read a CSV/JSONL/Parquet table: which column is the text, which are metadata, and which
    columns are the document's own title, date, author... (`columns`, e.g. {"title": "Title"}: the
    column's values are stored under the field's name, so the app, the report and exports show them)."""

    text_col: str = "text"
    meta_cols: list[str] | None = None  # None: every other column
    id_col: str | None = None
    skip_bad: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # {document field: table column}
    target_col: str | None = None  # the target of each row's stance: kept as metadata, part of the id

    def __post_init__(self) -> None:
        unknown = [f for f in self.columns if f not in STANDARD_META]
        if unknown:
            raise InputError(f"cannot map a column to {', '.join(map(repr, unknown))}; the fields a column can "
                             f"become are: {', '.join(STANDARD_META)}")


@dataclass
class InputOptions:
    """How every input becomes documents. Ingest and scoring given the same options give the same ids."""

    table: TableOptions = field(default_factory=TableOptions)
    meta: dict[str, Any] = field(default_factory=dict)  # --meta: on every document, over the file's own
    unit: str = "paragraph"
    split_docs: bool = False
    max_text_bytes: int | None = MAX_TEXT_BYTES  # None: no limit (scoring keeps nothing in a database)


def document_id(text: str, meta: dict[str, Any], target: str | None = None) -> str:
    """Stable id from the outlet and the text (or from an id column when the input has one), and the
    stated target when there is one: one text toward two targets is two items to label and score."""
    if meta.get("external_id") not in (None, ""):
        key = f"id\x1f{meta.get('outlet') or ''}\x1f{meta['external_id']}"
    else:
        key = f"text\x1f{meta.get('outlet') or ''}\x1f{text}"
    if target is not None:
        key += f"\x1ftarget\x1f{target}"
    return "d" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def make_document(text: str, source: str, meta: dict[str, Any], unit: str = "paragraph",
                  is_example: bool = False, target: str | None = None) -> Document:
    """Build a document and its passages; metadata values are kept as strings, empty ones dropped."""
    clean = {k: (v if isinstance(v, (bool, int, float)) else str(v)) for k, v in meta.items()
             if v is not None and str(v).strip() != ""}
    doc_id = document_id(text, clean, target)
    return Document(doc_id, source, text, clean, split_passages(doc_id, text, unit), is_example)


def table_record(where: str, row: dict[str, Any] | str, table: TableOptions) -> Record:
    """A table row as a record: its text column, its metadata columns (`meta_cols`, else every other
    column but the id column) and its own id. A string `row` is the reader's reason it is unreadable."""
    if isinstance(row, str):
        return Record(where, source_of(where), None, error=row)
    mapped = table.columns.values()
    cols = table.meta_cols if table.meta_cols is not None else [
        c for c in row if c not in {table.text_col, table.id_col}]
    if table.target_col and table.target_col not in cols:
        cols = [*cols, table.target_col]
    meta = {c: row.get(c) for c in cols if c not in mapped}  # a mapped column is kept under its field only
    meta.update((name, row.get(col)) for name, col in table.columns.items())
    if table.id_col:
        meta["external_id"] = row.get(table.id_col)
    return Record(where, source_of(where), row.get(table.text_col), meta)


class EmptyText(InputError):
    """A row whose text is empty."""


def build_document(record: Record, options: InputOptions) -> Document:
    """The document of a record, with `--meta` over the file's own metadata; an `InputError` naming the
    record for a row that could not be read, an empty text or one over the size limit."""
    if record.error is not None:
        raise InputError(f"{record.where}: {record.error}")
    text = record.text
    if text is None or (isinstance(text, float) and text != text) or str(text).strip() == "":
        raise EmptyText(f"{record.where}: empty text in column {options.table.text_col!r}")
    if not isinstance(text, str):  # an object, a list or bytes would be stored as its Python repr
        raise InputError(f"{record.where}: text in column {options.table.text_col!r} must be a string, got "
                         f"{_kind(text)}")
    text = normalise_newlines(checks.check_text(text, record.where))
    limit = options.max_text_bytes
    if limit is not None and len(text) > limit // 4 and len(text.encode("utf-8")) > limit:
        what = f"text in column {options.table.text_col!r}" if record.where != record.source else "document"
        raise InputError(  # a table row's `where` ("f: line 3") differs from its source ("f:3"); a file's does not
            f"{record.where}: {what} is {len(text.encode('utf-8')):,} bytes, over the {limit:,}-byte limit; "
            "split the document or use --skip-bad to leave it out")
    meta = dict(record.meta)
    external = meta.pop("external_id", None)
    meta = {k: _meta_value(v, k, record.where) for k, v in meta.items()}
    if isinstance(external, (dict, list, bytes, bytearray)):
        raise InputError(f"{record.where}: the id in column {options.table.id_col!r} must be text or a number, got "
                         f"{_kind(external)}")
    meta.update({k: _meta_value(v, k, "--meta") for k, v in options.meta.items()})
    if external is not None:
        meta["external_id"] = checks.check_text(external, record.where) if isinstance(external, str) else external
    # a file name that is not UTF-8 reaches Python with surrogate escapes; stored, it is shown with U+FFFD
    source = record.source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return make_document(text, source, meta, options.unit, target=_target(record, meta, options))


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bytes: "binary data", bool: "true/false"}.get(
        type(value), type(value).__name__)


def _meta_value(value: Any, key: str, where: str) -> Any:
    """A metadata value as stored: objects and lists as JSON text (not a Python repr); binary refused."""
    if isinstance(value, (bytes, bytearray)):
        raise InputError(f"{where}: column {key!r} holds binary data, not text")
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return checks.check_text(value, f"{where}: column {key!r}") if isinstance(value, str) else value


def _target(record: Record, meta: dict[str, Any], options: InputOptions) -> str | None:
    """The stated target of a record's stance (`--target-col`), from its column or `--meta`; an
    `InputError` naming the record when it has none."""
    column = options.table.target_col
    if not column:
        return None
    value = meta.get(column)
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        raise InputError(f"{record.where}: no target in column {column!r} (--target-col); every passage needs the "
                         f"target of its stance" + ("" if record.meta else f", e.g. --meta {column}=..."))
    return str(value).strip()


def check_columns(columns: list[str], table: TableOptions, source: str) -> None:
    """An `InputError` naming the missing columns, with the option that would name a likely one instead
    (a column that differs only in case, a close spelling, or for the text a usual text column name)."""
    wanted = [(table.text_col, "--text-col"), *((c, "--meta-cols") for c in table.meta_cols or []),
              *([(table.id_col, "--id-col")] if table.id_col else []),
              *([(table.target_col, "--target-col")] if table.target_col else []),
              *((col, _map_option(name)) for name, col in table.columns.items())]
    missing = [(col, option) for col, option in wanted if col not in columns]
    if not missing:
        return
    fixes = []
    for col, option in missing:
        guess = suggest_column(col, columns, text=option == "--text-col")
        if guess:
            fixes.append(f"{option}{guess}" if option.endswith("=") else f"{option} {guess}")
    raise InputError(f"{source}: no column {', '.join(repr(col) for col, _ in missing)}; columns are: "
                     f"{', '.join(columns)}" + (f". Use {', '.join(fixes)}" if fixes else ""))


def suggest_column(name: str, columns: list[str], text: bool = False) -> str | None:
    """The column the user probably meant by `name`: the same name in another case, else a close
    spelling, else (for the text column) one with a usual name for text."""
    by_lower = {c.lower(): c for c in columns}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    if close:
        return by_lower[close[0]]
    if text:
        return next((c for c in columns if c.lower() in {"text", "body", "content", "passage", "transcript"}),
                    None)
    return None


def _map_option(name: str) -> str:
    return f"--{name}-col" if name in ("title", "date", "author") else f"--map {name}="


def read_documents(path: Path, options: InputOptions, on_bad_row: Skip | None = None,
                   on_empty_row: Skip | None = None, span: Span | None = None) -> Iterator[Document]:
    """The documents of one file in file order, streamed (tables are read row by row).

    A row that cannot become a document raises, or with `on_bad_row` is named to it and left out; a row
    without text goes to `on_empty_row` when given (scoring leaves such rows out; ingest calls them
    errors). A table's columns are checked first, unless a `span` of it is read (the whole file's were
    checked when it was cut into spans)."""
    reader = reader_for(path)
    if hasattr(reader, "rows"):
        if span is None:
            check_columns(reader.header(path), options.table, str(path))
        records: Iterator[Record] = (table_record(w, r, options.table) for w, r in reader.rows(path, span))
    else:
        with file_errors(path):
            records = iter(reader.records(path, options.split_docs))
    yield from documents_of(records, options, on_bad_row, on_empty_row)


def documents_of(records, options: InputOptions, on_bad_row: Skip | None = None,
                 on_empty_row: Skip | None = None) -> Iterator[Document]:
    """Records to documents under `read_documents`' rules (also for rows read from stdin)."""
    for record in records:
        try:
            yield build_document(record, options)
        except InputError as exc:
            skip = on_empty_row if isinstance(exc, EmptyText) and on_empty_row else on_bad_row
            if skip is None:
                raise
            skip(record.where, str(exc).removeprefix(f"{record.where}: "))
