"""The reader registry: one reader module per input format, chosen by the file's suffix.

A document reader (`records(path, split_docs)`) gives whole documents' `Record`s. A table reader gives
`header(path)`, `rows(path, span)` streamed (one document per row: `(where, row)`, or `(where, problem)`
for a row that cannot be read) and `spans(path, rows)`, the parts a Dask worker reads alone.
Adding a format is one module here and one entry in `READERS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from ..errors import InputError
from . import delimited, html, jsonl, markdown, parquet, text
from .base import MAX_TEXT_BYTES, Record, Span, decode, source_of

READERS: dict[str, ModuleType] = {
    ".txt": text, ".text": text,
    ".md": markdown, ".markdown": markdown,
    ".html": html, ".htm": html,
    ".csv": delimited, ".tsv": delimited,
    ".jsonl": jsonl, ".ndjson": jsonl,
    ".parquet": parquet,
}
SUPPORTED = frozenset(READERS)

__all__ = ["MAX_TEXT_BYTES", "READERS", "SUPPORTED", "Record", "Span", "decode", "is_table", "iter_files",
           "reader_for", "source_of"]


def reader_for(path: Path) -> ModuleType:
    """The reader of `path`'s format, or an `InputError` listing the supported suffixes."""
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise InputError(
            f"{path}: unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED))}")
    return READERS[suffix]


def is_table(path: Path) -> bool:
    """Whether `path` is a table (one document per row) rather than one document (or a few)."""
    reader = READERS.get(path.suffix.lower())
    return reader is not None and hasattr(reader, "rows")


# Files that describe a corpus rather than belong to it: README, licence, data card, citation, changelog.
_ABOUT_THE_CORPUS = re.compile(r"^(?:readme|licen[cs]e|copying|changelog|citation|contributing|code[_-]of[_-]conduct"
                               r"|data[_-]?card|datasheet)(?:[._-].*)?$", re.I)
LEFT_OUT = "describes the corpus (a README, licence or data card), not a document of it; name the file to read it"


def iter_files(paths: Iterable[str | Path], left_out: Callable[[Path, str], None] | None = None) -> Iterator[Path]:
    """Expand directories (recursively, sorted) into the supported files they hold.

    In a directory, files that describe the corpus (README.md, LICENSE, a data card) are left out and
    named to `left_out` with the reason: ingested, each would become a document and a "(missing)" group
    in every chart. A file named on its own is always read."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not (child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith(".")):
                    continue
                if _ABOUT_THE_CORPUS.match(child.name):
                    if left_out:
                        left_out(child, LEFT_OUT)
                    continue
                yield child
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or directory")
