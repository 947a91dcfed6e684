"""JSON Lines: one JSON object per line, one document per object, read line by line.

Lines are split at "\\n" only (U+2028 and friends are valid inside JSON strings), and no JSON value may
hold a raw newline, so a byte range that starts after a newline starts at a record: `spans` needs no
parsing, only a seek and a count of newlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import checks
from ..errors import InputError
from .base import Span, text_lines, utf8_body


def parse_json_object(line: str, where: str) -> dict[str, Any]:
    """One JSON Lines line as an object, or an `InputError` naming `where` (file and line)."""
    row = checks.loads(line, where)  # malformed or nested too deep: InputError naming the line
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    return row


def object_lines(lines: Iterable[str], name: str, first_line: int = 1) -> Iterator[tuple[str, dict | str]]:
    """(where, object) for each non-blank line; (where, problem) for a line that is not a JSON object."""
    for number, line in enumerate(lines, start=first_line):
        if line.strip():
            where = f"{name}: line {number}"
            try:
                yield where, parse_json_object(line, where)
            except InputError as exc:
                yield where, str(exc).removeprefix(f"{where}: ")


def header(path: Path) -> list[str]:
    """The keys of the first object."""
    for where, row in object_lines(text_lines(path), str(path)):
        if isinstance(row, str):
            raise InputError(f"{where}: {row}")
        return [str(k) for k in row]
    raise InputError(f"{path}: file is empty")


def rows(path: Path, span: Span | None = None) -> Iterator[tuple[str, dict | str]]:
    """(where, object) for each non-blank line of the file or of `span`; (where, problem) for a bad line."""
    return object_lines(text_lines(path, span), str(path), span.line if span else 1)


def spans(path: Path, rows_per_span: int) -> list[Span]:
    """Byte ranges of about `rows_per_span` lines each, each starting after a newline."""
    body = utf8_body(path)
    if body is None:
        return [Span()]
    bounds: list[Span] = []
    start, line, count, position = body, 1, 0, body
    with open(path, "rb") as f:
        f.seek(body)
        for raw in f:
            position += len(raw)
            count += 1
            if count == rows_per_span:
                bounds.append(Span(start, position, line))
                start, line, count = position, line + count, 0
    if count or not bounds:
        bounds.append(Span(start, None, line))
    return bounds
