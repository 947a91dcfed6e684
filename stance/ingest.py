"""Read .txt, .md, .html, .csv, .jsonl and .parquet files (or whole directories) into documents.

Reading is separate from writing: `read_path` yields `Document`s, and `ingest` writes all of
them to a project in one transaction, so a bad file leaves the project exactly as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .passages import Passage, bio_name, split_concatenated, split_passages

MAX_TEXT_BYTES = 1_000_000
TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
TABLE_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | TABLE_SUFFIXES
STANDARD_META = ("outlet", "author", "date", "title", "url")


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
class IngestResult:
    """What an import did: counts, and the files skipped with the reason for each."""

    documents: int = 0
    passages: int = 0
    duplicates: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def document_id(text: str, meta: dict[str, Any]) -> str:
    """Stable id from the outlet and the text (or from an id column when the input has one)."""
    if meta.get("external_id") not in (None, ""):
        key = f"id\x1f{meta.get('outlet') or ''}\x1f{meta['external_id']}"
    else:
        key = f"text\x1f{meta.get('outlet') or ''}\x1f{text}"
    return "d" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def make_document(text: str, source: str, meta: dict[str, Any], unit: str = "paragraph",
                  is_example: bool = False) -> Document:
    """Build a document and its passages; metadata values are kept as strings, empty ones dropped."""
    clean = {k: (v if isinstance(v, (bool, int, float)) else str(v)) for k, v in meta.items()
             if v is not None and str(v).strip() != ""}
    doc_id = document_id(text, clean)
    return Document(doc_id, source, text, clean, split_passages(doc_id, text, unit), is_example)


# -- decoding --------------------------------------------------------------------------------------

def decode(data: bytes, source: str) -> tuple[str, str]:
    """Bytes to text: UTF-8 (with or without BOM), else a confidently detected encoding, else refuse."""
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{source}: looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2 or best.encoding in {"ascii", "utf_8"}:
        line = data[:first_bad].count(b"\n") + 1
        raise InputError(
            f"{source}: line {line}: not UTF-8 and the encoding could not be detected; "
            "convert it first, e.g. iconv -f windows-1252 -t utf-8"
        )
    text = str(best)
    return text.lstrip("\ufeff"), best.encoding


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- readers ---------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def read_text(path: Path, meta: dict[str, Any], unit: str, split_docs: bool = False) -> list[Document]:
    """A .txt file: one document, or several when `split_docs` finds concatenated articles."""
    text, encoding = decode(path.read_bytes(), str(path))
    text = _normalise_newlines(text)
    base = dict(meta)
    if encoding != "utf-8":
        base["encoding"] = encoding
    if not split_docs:
        return [make_document(text, str(path), base, unit)]
    docs = []
    for i, (start, end) in enumerate(split_concatenated(text)):
        part = text[start:end]
        doc_meta = dict(base, part=i + 1)
        if "author" not in doc_meta:
            for line in part.split("\n"):
                name = bio_name(line)
                if name:
                    doc_meta["author"] = name
                    break
        docs.append(make_document(part, f"{path}#{i + 1}", doc_meta, unit))
    return docs


def read_markdown(path: Path, meta: dict[str, Any], unit: str) -> list[Document]:
    """A .md file: YAML front matter (title, author, date, ...) and the first '# ' heading as title."""
    import yaml

    text, _ = decode(path.read_bytes(), str(path))
    text = _normalise_newlines(text)
    doc_meta = dict(meta)
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: front matter is not valid YAML: {exc}") from None
        if isinstance(front, dict):
            for k, v in front.items():
                doc_meta.setdefault(str(k), v)
        text = text[match.end():]
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    if heading:
        doc_meta.setdefault("title", heading.group(1).strip())
    if not text.strip():
        raise InputError(f"{path}: no text after the front matter")
    return [make_document(text, str(path), doc_meta, unit)]


def read_html(path: Path, meta: dict[str, Any], unit: str) -> list[Document]:
    """An .html page: the main text and its title, author and date, extracted by trafilatura."""
    import trafilatura

    html, _ = decode(path.read_bytes(), str(path))
    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                            include_tables=False)
    body = (getattr(extracted, "text", None) or "").strip() if extracted is not None else ""
    if len(body.split()) < 3:  # trafilatura falls back to navigation text on pages with no article
        raise InputError(f"{path}: no main text found in the HTML page")
    found = {k: getattr(extracted, k, None) for k in ("title", "author", "date", "url")}
    sitename = getattr(extracted, "sitename", None)
    if sitename:
        found["outlet"] = sitename
    lines = body.split("\n")
    if found.get("title") and lines[0].strip() == str(found["title"]).strip() and len(lines) > 1:
        body = "\n".join(lines[1:]).strip()
    # trafilatura gives one paragraph per line; blank lines make the paragraphs explicit.
    body = "\n\n".join(line.strip() for line in body.split("\n") if line.strip())
    doc_meta = {**{k: v for k, v in found.items() if v}, **meta}
    return [make_document(body, str(path), doc_meta, unit)]


def parse_json_object(line: str, where: str) -> dict[str, Any]:
    """One JSON Lines line as an object, or an `InputError` naming `where` (file and line)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    return row


def csv_records(text: str, source: str, dialect: str = "excel") -> tuple[list[str], Iterator[tuple[str, list[str]]]]:
    """The header of a CSV text and an iterator of (where, fields) for each non-blank record.

    `where` names the file and the line the record starts on; malformed CSV and a missing header raise
    `InputError` with that location. Callers check each record's field count with `check_fields`.
    """
    csv.field_size_limit(64 * MAX_TEXT_BYTES)  # read huge fields so that we can name them, not crash
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{source}: file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{source}: line 1: malformed CSV: {exc}") from None

    def records() -> Iterator[tuple[str, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{source}: line {start}: malformed CSV: {exc}") from None
            where = f"{source}: line {start}"
            start = reader.line_num + 1
            if any(v.strip() for v in values):
                yield where, values

    return header, records()


def check_fields(where: str, values: list[str], header: list[str]) -> dict[str, str]:
    """A CSV record as a dict, or an `InputError` when its field count differs from the header's."""
    if len(values) != len(header):
        raise InputError(f"{where}: {len(values)} fields, but the header has {len(header)}")
    return dict(zip(header, values, strict=True))


@dataclass
class TableOptions:
    """How to read a CSV/JSONL/Parquet table: which column is the text, which are metadata."""

    text_col: str = "text"
    meta_cols: list[str] | None = None  # None: every other column
    id_col: str | None = None
    skip_bad: bool = False


def _row_document(row: dict[str, Any], where: str, opts: TableOptions, meta: dict[str, Any],
                  unit: str, source: str) -> Document:
    text = row.get(opts.text_col)
    if text is None or (isinstance(text, float) and text != text) or str(text).strip() == "":
        raise InputError(f"{where}: empty text in column {opts.text_col!r}")
    text = _normalise_newlines(str(text))
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InputError(
            f"{where}: text in column {opts.text_col!r} is {len(text.encode('utf-8')):,} bytes, over the "
            f"{MAX_TEXT_BYTES:,}-byte limit; split the document or use --skip-bad to leave it out"
        )
    cols = opts.meta_cols if opts.meta_cols is not None else [
        c for c in row if c not in {opts.text_col, opts.id_col}]
    doc_meta = {c: row.get(c) for c in cols}
    doc_meta.update(meta)
    if opts.id_col:
        doc_meta["external_id"] = row.get(opts.id_col)
    return make_document(text, source, doc_meta, unit)


def _check_columns(columns: list[str], opts: TableOptions, source: str) -> None:
    wanted = [opts.text_col, *(opts.meta_cols or []), *([opts.id_col] if opts.id_col else [])]
    missing = [c for c in wanted if c not in columns]
    if missing:
        hint = ""
        if opts.text_col in missing:
            guess = next((c for c in columns if c.lower() in {"text", "body", "content", "passage"}), None)
            hint = f". Use --text-col {guess}" if guess else ""
        raise InputError(
            f"{source}: no column {', '.join(repr(m) for m in missing)}; columns are: {', '.join(columns)}{hint}"
        )


def read_csv(path: Path, meta: dict[str, Any], unit: str, opts: TableOptions,
             on_skip: Callable[[str, str], None]) -> list[Document]:
    """A CSV (or TSV) file with a header row; one document per row."""
    text, _ = decode(path.read_bytes(), str(path))
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    header, records = csv_records(text, str(path), dialect)
    _check_columns(header, opts, str(path))
    docs = []
    for where, values in records:
        try:
            docs.append(_row_document(check_fields(where, values, header), where, opts, meta, unit,
                                      where.replace(": line ", ":")))
        except InputError as exc:
            if not opts.skip_bad:
                raise
            on_skip(where, str(exc).split(": ", 2)[-1])
    if not docs:
        raise InputError(f"{path}: no rows with text")
    return docs


def read_jsonl(path: Path, meta: dict[str, Any], unit: str, opts: TableOptions,
               on_skip: Callable[[str, str], None]) -> list[Document]:
    """A JSON Lines file: one JSON object per line, one document per object."""
    text, _ = decode(path.read_bytes(), str(path))
    docs = []
    checked = False
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 is valid inside JSON strings
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        try:
            row = parse_json_object(line, where)
            if not checked:
                _check_columns(list(row), opts, f"{path}: line {number}")
                checked = True
            docs.append(_row_document(row, where, opts, meta, unit, f"{path}:{number}"))
        except InputError as exc:
            if not opts.skip_bad or "no column" in str(exc):
                raise
            on_skip(where, str(exc).split(": ", 2)[-1])
    if not docs:
        raise InputError(f"{path}: no rows with text")
    return docs


def read_parquet(path: Path, meta: dict[str, Any], unit: str, opts: TableOptions,
                 on_skip: Callable[[str, str], None]) -> list[Document]:
    """A Parquet file; one document per row."""
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for unreadable files
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    _check_columns([str(c) for c in frame.columns], opts, str(path))
    docs = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        where = f"{path}: row {number}"
        try:
            docs.append(_row_document(row, where, opts, meta, unit, f"{path}:{number}"))
        except InputError as exc:
            if not opts.skip_bad:
                raise
            on_skip(where, str(exc).split(": ", 2)[-1])
    if not docs:
        raise InputError(f"{path}: no rows with text")
    return docs


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand directories (recursively, sorted) into the supported files they hold."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith("."):
                    yield child
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or directory")


def read_path(path: Path, meta: dict[str, Any] | None = None, unit: str = "paragraph",
              table: TableOptions | None = None, split_docs: bool = False,
              on_skip: Callable[[str, str], None] | None = None) -> list[Document]:
    """Read one file into documents, choosing the reader by its suffix."""
    meta = dict(meta or {})
    table = table or TableOptions()
    on_skip = on_skip or (lambda where, why: None)
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return read_text(path, meta, unit, split_docs)
        if suffix in MARKDOWN_SUFFIXES:
            return read_markdown(path, meta, unit)
        if suffix in HTML_SUFFIXES:
            return read_html(path, meta, unit)
        if suffix in {".csv", ".tsv"}:
            return read_csv(path, meta, unit, table, on_skip)
        if suffix in {".jsonl", ".ndjson"}:
            return read_jsonl(path, meta, unit, table, on_skip)
        if suffix == ".parquet":
            return read_parquet(path, meta, unit, table, on_skip)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    raise InputError(
        f"{path}: unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED))}"
    )


def ingest(project: Any, paths: Iterable[str | Path], meta: dict[str, Any] | None = None,
           unit: str = "paragraph", table: TableOptions | None = None, split_docs: bool = False,
           skip_bad: bool = False, progress: Callable[[Path], None] | None = None) -> IngestResult:
    """Read files and directories and add their documents to `project` in one transaction.

    Without `skip_bad`, the first unreadable file stops the import and nothing is written.
    With it, bad files (and bad rows of tables) are skipped and listed in `result.skipped`.
    """
    table = table or TableOptions()
    table.skip_bad = skip_bad
    result = IngestResult()

    def note_skip(where: str, why: str) -> None:
        result.skipped.append((where, why))

    docs: list[Document] = []
    for path in iter_files(paths):
        try:
            docs.extend(read_path(path, meta, unit, table, split_docs, note_skip))
            result.files += 1
        except InputError as exc:
            if not skip_bad:
                raise
            note_skip(str(path), str(exc).removeprefix(f"{path}: "))
        if progress:
            progress(path)
    if not docs and not result.skipped:
        raise InputError("no supported files found in: " + ", ".join(str(p) for p in paths))
    with project.transaction() as conn:
        result.documents, result.passages, result.duplicates = project.add_documents(docs, conn)
    return result
