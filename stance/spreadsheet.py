"""CSV cells that a spreadsheet will not run as formulas (CSV injection, as OWASP describes it).

Excel, LibreOffice and Google Sheets treat a cell that begins with '=', '+', '-', '@', a tab or a
carriage return as a formula: a passage text or an outlet named ``=HYPERLINK(...)`` would run when a
researcher opens the export. Following OWASP's advice, such a text cell is written with a leading
single quote, which spreadsheets show as text. Cells that already begin with quotes before one of
those characters get one more quote, so `restore_cell` gives back the original exactly: a CSV export
re-imports without loss. Numbers are left alone (a negative share is a number, not a formula).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is handled: the CSV readers import this module
    import pandas as pd

_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")


def safe_cell(value: Any) -> Any:
    """`value` with a leading "'" when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The inverse of `safe_cell` for text read back from a CSV written with it."""
    return value[1:] if _QUOTED.match(value) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) are safe to open in a spreadsheet."""
    out = frame.rename(columns=safe_cell)
    for i in range(out.shape[1]):
        values = out.iloc[:, i]
        hits = _matches(values, _FORMULA)
        if hits is not None and hits.any():
            out.iloc[:, i] = values.where(~hits, "'" + values[hits].astype(str))
    return out


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of `safe_frame`, for a CSV the toolkit wrote being read back (scores, samples)."""
    out = frame.rename(columns=lambda c: restore_cell(c) if isinstance(c, str) else c)
    for i in range(out.shape[1]):
        values = out.iloc[:, i]
        hits = _matches(values, _QUOTED)
        if hits is not None and hits.any():
            out.iloc[:, i] = values.where(~hits, values[hits].astype(str).str.slice(1))
    return out


def _matches(values: pd.Series, pattern: re.Pattern) -> pd.Series | None:
    """Which cells of a text column match `pattern` (vectorised), or None for a column without text."""
    import pandas as pd

    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return None
    try:
        return values.str.match(pattern.pattern, na=False).astype(bool)
    except AttributeError:  # an object column holding no strings at all
        return None
