"""Parquet tables: one document per row, read in record batches (pyarrow `iter_batches`).

`spans` groups row groups, so a Dask partition reads only its own row groups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .base import Span

BATCH_ROWS = 2048


def _open(path: Path):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except Exception as exc:  # pyarrow raises several unrelated types for unreadable files
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None


def header(path: Path) -> list[str]:
    return [str(n) for n in _open(path).schema_arrow.names]


def rows(path: Path, span: Span | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for every row of the file, or of `span`'s row groups."""
    groups = list(span.row_groups) if span is not None and span.row_groups is not None else None
    number = (span.row if span is not None else 1) - 1
    try:
        for batch in _open(path).iter_batches(batch_size=BATCH_ROWS, row_groups=groups):
            for row in batch.to_pylist():
                number += 1
                yield f"{path}: row {number}", row
    except InputError:
        raise
    except Exception as exc:  # pyarrow's errors for corrupt files
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def spans(path: Path, rows_per_span: int) -> list[Span]:
    """Groups of whole row groups of about `rows_per_span` rows."""
    meta = _open(path).metadata
    bounds: list[Span] = []
    group: list[int] = []
    first, count = 1, 0
    for i in range(meta.num_row_groups):
        group.append(i)
        count += meta.row_group(i).num_rows
        if count >= rows_per_span:
            bounds.append(Span(row_groups=tuple(group), row=first))
            first, group, count = first + count, [], 0
    if group or not bounds:
        bounds.append(Span(row_groups=tuple(group), row=first))
    return bounds
