"""Import files (or whole directories) into a project, streamed, in one transaction.

Each file is read by its format's reader (`stance.readers`) and its records become documents in
`stance.documents`, the same way scoring reads them. Documents go to the store as they are read, inside
one transaction: memory does not grow with the input, and a bad file or row anywhere (without
`skip_bad`) rolls the whole import back, leaving the project exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import STANDARD_META, Document, InputOptions, TableOptions, make_document, read_documents
from .errors import InputError
from .readers import MAX_TEXT_BYTES, SUPPORTED, decode, is_table, iter_files
from .readers.delimited import check_fields, csv_records
from .readers.jsonl import parse_json_object
from .store import page_cache, passage_units, savepoint

__all__ = [
    "MAX_TEXT_BYTES", "STANDARD_META", "SUPPORTED", "Document", "IngestResult", "TableOptions", "check_fields",
    "csv_records", "decode", "ingest", "iter_files", "make_document", "parse_json_object", "read_path",
]


@dataclass
class IngestResult:
    """What an import did: counts, and the files skipped with the reason for each."""

    documents: int = 0
    passages: int = 0
    duplicates: int = 0  # already in the project
    repeated: int = 0  # repeating an earlier document of the same file (the first copy is kept)
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # README, licence, data card in a folder


def read_path(path: Path, meta: dict[str, Any] | None = None, unit: str = "paragraph",
              table: TableOptions | None = None, split_docs: bool = False,
              on_skip: Callable[[str, str], None] | None = None) -> list[Document]:
    """Read one file into a list of documents (bad rows go to `on_skip` when `table.skip_bad`)."""
    table = table or TableOptions()
    options = InputOptions(table, dict(meta or {}), unit, split_docs)
    docs = list(read_documents(Path(path), options, (on_skip or _ignore) if table.skip_bad else None))
    if not docs and is_table(Path(path)):
        raise InputError(f"{path}: no rows with text")
    return docs


def check_unit(project: Any, unit: str) -> None:
    """An `InputError` when the project's passages are of another unit: shares per passage would compare
    paragraphs with sentences, and documents already in the project would not be split again. The message
    names the commands that give the other unit: a new project, scored with this project's model."""
    units = passage_units(project.conn) - {unit}
    if units:
        held = ", ".join(sorted(units))
        raise InputError(
            f"{project.path} holds {held} passages, and a project keeps one unit (documents already in it are not "
            f"split again, and shares would compare {held}s with {unit}s). For {unit}s, ingest into a new project and "
            f"score it with this project's model: stance init NEW; stance ingest FILES -p NEW --unit {unit}; "
            f"stance score -p NEW --model {project.path}/models/MODEL.skops")


def _ignore(where: str, why: str) -> None:
    return None


# SQLite's page cache while an import writes (its default is 2 MiB): the id indexes take rows in random
# order, and with the default cache an import kept spilling and re-reading their pages (0.72x the CPU time
# at 300,000 rows for 63 MB more memory, the same at any size; benchmarks/ingest.py).
INGEST_CACHE_KIB = 65_536


def ingest(project: Any, paths: Iterable[str | Path], meta: dict[str, Any] | None = None,
           unit: str = "paragraph", table: TableOptions | None = None, split_docs: bool = False,
           skip_bad: bool = False, progress: Callable[[Path], None] | None = None) -> IngestResult:
    """Read files and directories and add their documents to `project` in one transaction.

    Without `skip_bad`, the first unreadable file or row stops the import and nothing is written.
    With it, bad files and bad rows of tables are skipped and listed in `result.skipped` (a file that
    breaks off midway, e.g. at an unclosed quote, adds none of its rows). Documents are written as they
    are read, so memory does not grow with the input.
    """
    table = table or TableOptions()
    table.skip_bad = skip_bad
    options = InputOptions(table, dict(meta or {}), unit, split_docs)
    check_unit(project, unit)
    result = IngestResult()
    files = list(iter_files(paths, left_out=lambda path, why: result.left_out.append((str(path), why))))

    def note_skip(where: str, why: str) -> None:
        result.skipped.append((where, why))

    def file_documents(path: Path) -> Iterator[Document]:
        read = 0
        for doc in read_documents(path, options, note_skip if skip_bad else None):
            read += 1
            yield doc
        if not read and is_table(path):
            raise InputError(f"{path}: no rows with text")

    with project.transaction() as conn, page_cache(conn, INGEST_CACHE_KIB):
        for path in files:
            try:
                with savepoint(conn, "ingest_file"):  # a file skipped midway adds none of its rows
                    added = project.add_documents(file_documents(path), conn)
                result.documents += added[0]
                result.passages += added[1]
                result.duplicates += added[2]
                result.repeated += added[3]
                result.files += 1
            except InputError as exc:
                if not skip_bad:
                    raise
                note_skip(str(path), str(exc).removeprefix(f"{path}: "))
            if progress:
                progress(path)
        if not result.documents and not result.duplicates and not result.repeated and not result.skipped:
            left = f" (left out: {', '.join(w for w, _ in result.left_out)})" if result.left_out else ""
            raise InputError("no supported files found in: " + ", ".join(str(p) for p in paths) + left)
    return result
