"""CSV and TSV tables with a header row: one document per record, read record by record.

Records are named by the line they start on (a quoted field may hold newlines). `spans` cuts a large
file into byte ranges that start at record boundaries, found by one pass of the csv module itself, so
a record that crosses a range's nominal edge is read once, by the range it starts in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..spreadsheet import restore_cell
from .base import MAX_TEXT_BYTES, Span, file_errors, text_lines, utf8_body


def dialect(path: Path) -> str:
    return "excel-tab" if path.suffix.lower() == ".tsv" else "excel"


def _reader(lines: Iterable[str], dialect_name: str):
    # Read huge fields so that we can name them, not crash. The csv module keeps this limit process-wide;
    # setting it to the same value every time is harmless.
    csv.field_size_limit(64 * MAX_TEXT_BYTES)
    return csv.reader(lines, dialect=dialect_name)


def header(path: Path, utf8: bool = False) -> list[str]:
    """The column names (the first record); `utf8` as for `text_lines`."""
    return csv_records(text_lines(path, utf8=utf8), str(path), dialect(path))[0]


def rows(path: Path, span: Span | None = None) -> Iterator[tuple[str, dict[str, str] | str]]:
    """(where, row) for each non-blank record; (where, problem) for a record with the wrong field count."""
    if span is None or span.start == 0:
        names, records = csv_records(text_lines(path), str(path), dialect(path))
    else:
        names = header(path, utf8=True)  # a span of bytes is cut only in a UTF-8 file (`spans`)
        records = _records(_reader(text_lines(path, span), dialect(path)), str(path), span.line)
    for where, values in records:
        if len(values) != len(names):
            yield where, f"{len(values)} fields, but the header has {len(names)}"
        else:  # a cell the toolkit quoted against spreadsheet formulas reads back as written (spreadsheet.py)
            yield where, dict(zip(names, map(restore_cell, values), strict=True))


def csv_records(lines: str | Iterable[str], source: str, dialect_name: str = "excel"
                ) -> tuple[list[str], Iterator[tuple[str, list[str]]]]:
    """The header of CSV text (or lines) and an iterator of (where, fields) for each non-blank record.

    `where` names the file and the line the record starts on; malformed CSV and a missing header raise
    `InputError` with that location. Callers check each record's field count with `check_fields`.
    """
    reader = _reader(io.StringIO(lines, newline="") if isinstance(lines, str) else lines, dialect_name)
    try:
        names = [restore_cell(h.strip()) for h in next(reader)]
    except StopIteration:
        raise InputError(f"{source}: file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{source}: line 1: malformed CSV: {exc}") from None
    return names, _records(reader, source, 1)


def _records(reader, source: str, first_line: int) -> Iterator[tuple[str, list[str]]]:
    offset = first_line - 1  # the reader counts lines from where it started
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{source}: line {offset + start}: malformed CSV: {exc}") from None
        where = f"{source}: line {offset + start}"
        start = reader.line_num + 1
        if any(v.strip() for v in values):
            yield where, values


def check_fields(where: str, values: list[str], names: list[str]) -> dict[str, str]:
    """A CSV record as a dict, or an `InputError` when its field count differs from the header's."""
    if len(values) != len(names):
        raise InputError(f"{where}: {len(values)} fields, but the header has {len(names)}")
    return dict(zip(names, values, strict=True))


def spans(path: Path, rows_per_span: int) -> list[Span]:
    """Byte ranges of about `rows_per_span` records each, every one starting at a record boundary.

    The boundaries come from the csv module reading the file once (quoted newlines and all): where a
    record ends is where the reader stopped consuming lines, so no heuristic about quotes is needed."""
    body = utf8_body(path)
    if body is None:
        return [Span()]
    bounds: list[Span] = []
    count, position = 0, body

    def lines(f) -> Iterator[str]:  # the file's lines, counting the bytes the reader has taken
        nonlocal position
        for raw in f:
            position += len(raw)
            yield raw.decode("utf-8")

    with file_errors(path), open(path, "rb") as f:
        f.seek(body)
        reader = _reader(lines(f), dialect(path))
        try:
            next(reader)  # the header
            start, start_line = position, reader.line_num + 1
            for _ in reader:
                count += 1
                if count == rows_per_span:
                    bounds.append(Span(start, position, start_line))
                    start, start_line, count = position, reader.line_num + 1, 0
        except (StopIteration, csv.Error):
            return [Span()]  # unreadable here: one range, whose reader names the problem
    if count or not bounds:
        bounds.append(Span(start, None, start_line))
    return bounds
