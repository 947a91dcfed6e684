"""What every reader shares: the record it yields, the byte span a worker reads, and decoding.

A reader turns one file into `Record`s: the raw text of one document, where it came from and the
metadata the file itself gives. `stance.documents` turns records into documents, the same way for
ingest, scoring and the Dask engine, so the three give one passage the same id.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

MAX_TEXT_BYTES = 1_000_000
NOT_UTF8 = "not UTF-8 and the encoding could not be detected; convert it first, e.g. iconv -f windows-1252 -t utf-8"
_CHUNK = 1 << 20


@dataclass
class Record:
    """One document's raw material. `error` is set (and `text` empty) for a row that cannot be read,
    so that a caller may skip it and read on."""

    where: str  # "file: line 3", named in messages
    source: str  # "file:3", stored with the document
    text: Any
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Span:
    """The part of a table file one Dask partition reads: bytes [start, end) whose first record starts on
    line `line` (CSV, JSON Lines), or the row groups `row_groups` whose first row is `row` (Parquet)."""

    start: int = 0
    end: int | None = None
    line: int = 1
    row_groups: tuple[int, ...] | None = None
    row: int = 1


def source_of(where: str) -> str:
    """"file: line 3" -> "file:3": how a row's document names its source."""
    return where.replace(": line ", ":").replace(": row ", ":")


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Bytes to text: UTF-8 (with or without BOM), else a confidently detected encoding, else refuse."""
    check_start(data, source)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _detected(data, source, first_bad)


def check_start(data: bytes, source: str) -> None:
    """Refuse an empty file and a binary one (NUL bytes near the start, without a UTF-16 mark)."""
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{source}: looks like a binary file (NUL bytes), not text")


def _detected(data: bytes, source: str, first_bad: int) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2 or best.encoding in {"ascii", "utf_8"}:
        line = data[:first_bad].count(b"\n") + 1
        raise InputError(f"{source}: line {line}: {NOT_UTF8}")
    return str(best).lstrip("\ufeff"), best.encoding


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """Turn the OS's errors while reading `path` into one-line `InputError`s naming it."""
    try:
        yield
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def text_lines(path: Path, span: Span | None = None, utf8: bool = False) -> Iterator[str]:
    """The lines of a text file (ends kept, split at "\\n" only), streamed.

    A UTF-8 file is checked in one cheap pass first (so that a file in another encoding is decoded as a
    whole rather than failing halfway) and then read line by line, from `span.start` to `span.end` when
    given; a file in a detected encoding is decoded whole (such files are rare and small). `utf8`: the
    caller knows the file is UTF-8 (`utf8_body` said so), and the pass is skipped."""
    start, end = (span.start, span.end) if span is not None else (0, None)
    with file_errors(path), open(path, "rb") as f:
        if start == 0:
            head = f.read(8192)
            check_start(head if head.strip() else head + f.read(_CHUNK), str(path))
            f.seek(0)
            bad = None if utf8 else _first_bad_byte(f)
            if bad is not None:
                f.seek(0)
                text, _ = _detected(f.read(), str(path), bad)
                yield from _split(text)
                return
            f.seek(0)
            if f.read(3) != codecs.BOM_UTF8:
                f.seek(0)
        else:
            f.seek(start)
        position = f.tell()
        for raw in f:
            if end is not None and position >= end:
                return
            position += len(raw)
            yield raw.decode("utf-8")


def utf8_body(path: Path) -> int | None:
    """Where the text of a UTF-8 file starts (3 after a byte-order mark, else 0), or None when the file is
    not UTF-8 (then byte offsets do not map to lines, and the file is read whole)."""
    try:
        with open(path, "rb") as f:
            if _first_bad_byte(f) is not None:
                return None
            f.seek(0)
            return 3 if f.read(3) == codecs.BOM_UTF8 else 0
    except OSError:
        return None


def _split(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _first_bad_byte(f) -> int | None:
    """The offset of the first byte that is not valid UTF-8, or None (one incremental pass)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while True:
        chunk = f.read(_CHUNK)
        pending = len(decoder.getstate()[0])  # bytes of a character begun in the previous chunk
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return max(0, offset - pending + exc.start)
        if not chunk:
            return None
        offset += len(chunk)
