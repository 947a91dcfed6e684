"""Atomic output: scored frames go to a temporary file beside the destination, moved into place only
when the run is complete (.parquet, .csv or .jsonl)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..spreadsheet import safe_cell, safe_frame

if TYPE_CHECKING:  # pandas is imported where a frame is written: the light scoring path writes rows
    import pandas as pd

OUTPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


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
                    safe_frame(frame.iloc[:0]).to_csv(self._text, index=False)
            if self.fmt == "csv":  # for spreadsheets: no cell runs as a formula (read back with restore_frame)
                safe_frame(frame).to_csv(self._text, index=False, header=False)
            elif len(frame):
                self._text.write(frame.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n"))
                self._text.write("\n")
        self.rows += len(frame)

    def write_csv_rows(self, rows: Iterable[list[Any]], header: list[str] | None = None) -> None:
        """CSV rows (after `header`, if given) written as `write` writes a frame's, without pandas: cells that
        a spreadsheet would run as formulas quoted, None empty, floats by `repr` (what pandas writes), the
        line ending of pandas' `to_csv`. For the light scoring path (`stance.score.light`)."""
        import csv

        if self.fmt != "csv":
            raise InputError(f"{self.path}: rows are written to CSV only")
        if self._text is None:
            self._text = open(self.tmp, "w", encoding="utf-8", newline="")
        writer = csv.writer(self._text, lineterminator=os.linesep)
        if header is not None:
            writer.writerow([safe_cell(c) for c in header])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            self.rows += 1

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
    import pandas as pd
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
