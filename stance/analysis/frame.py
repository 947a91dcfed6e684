"""Reading the passage-level scores frame: value columns, label indicators, groups and periods.

The frame has one row per passage: ``doc_id``, ``passage_id``, metadata (``outlet``, ``author``,
``date``, ...), ``is_boilerplate``, and per dimension D a label column ``D`` (several values joined
by ";" for multi-valued dimensions) and one probability column ``D:value`` per value. Gold-label
frames (lists in ``D``, no probability columns) are read the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

SEP = ";"
PERIODS = {"year": "Y", "month": "M", "quarter": "Q"}


def as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def require(frame: pd.DataFrame, columns: Sequence[str], what: str = "the scores") -> None:
    """Raise a clear error naming the missing columns and the ones that exist."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} have no column {', '.join(repr(m) for m in missing)}; columns are: "
                         f"{', '.join(map(str, frame.columns))}")


def dimension_values(frame: pd.DataFrame, dim: str, codebook=None) -> list[str]:
    """The values of `dim` in codebook order; without a codebook, from the ``D:value`` columns,
    else from the labels that occur (never from a hard-coded list)."""
    if codebook is not None and dim in codebook.dimension_names:
        return codebook.dimension(dim).value_names
    prefix = f"{dim}:"
    cols = [c[len(prefix):] for c in frame.columns if isinstance(c, str) and c.startswith(prefix)]
    if cols:
        return cols
    if dim not in frame.columns:
        require(frame, [dim])
    seen: dict[str, None] = {}
    for v in frame[dim].dropna():
        for item in split_values(v):
            seen.setdefault(item, None)
    return sorted(seen)


def split_values(v) -> list[str]:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.split(SEP) if x.strip()]
    return [str(x) for x in v]


def _distinct(column: pd.Series) -> tuple[np.ndarray, list] | None:
    """(code of each cell, the distinct cells) of a label column, or None when cells hold lists (gold
    frames). A column holds a handful of distinct labels and up to millions of rows, so what is read from
    a label is computed once per distinct label."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
    except TypeError:  # unhashable cells
        return None
    return codes, list(uniques)


def label_matrix(frame: pd.DataFrame, dim: str, values: Sequence[str]) -> np.ndarray:
    """(passages x values) 0/1 matrix: 1 where the passage's label (or one of its labels) is the value."""
    require(frame, [dim])
    pos = {v: j for j, v in enumerate(values)}

    def row(v) -> np.ndarray:
        out = np.zeros(len(values))
        for item in split_values(v):
            if (j := pos.get(item)) is not None:
                out[j] = 1.0
        return out

    distinct = _distinct(frame[dim])
    if distinct is None:
        return np.array([row(v) for v in frame[dim]]).reshape(len(frame), len(values))
    codes, uniques = distinct
    return np.array([row(v) for v in uniques]).reshape(len(uniques), len(values))[codes]


def has_probabilities(frame: pd.DataFrame, dim: str, values: Sequence[str]) -> bool:
    return any(f"{dim}:{v}" in frame.columns for v in values)


def prob_matrix(frame: pd.DataFrame, dim: str, values: Sequence[str]) -> np.ndarray:
    """(passages x values) probabilities from the ``D:value`` columns; a value without a column is 0
    (the model never predicts it)."""
    out = np.zeros((len(frame), len(values)))
    for j, v in enumerate(values):
        col = f"{dim}:{v}"
        if col in frame.columns:
            out[:, j] = pd.to_numeric(frame[col], errors="coerce").fillna(0.0).to_numpy()
    return out


def labelled(frame: pd.DataFrame, dim: str) -> pd.Series:
    """True where the passage has a label for `dim` (unlabelled gold rows are left out)."""
    if dim not in frame.columns:
        return pd.Series(False, index=frame.index)
    return pd.Series(label_mask(frame[dim], bool), index=frame.index)


def label_mask(column: pd.Series, test) -> np.ndarray:
    """True where `test` of the cell's values (`split_values`) is true; tested once per distinct label."""
    distinct = _distinct(column)
    if distinct is None:
        return np.array([bool(test(split_values(v))) for v in column], dtype=bool)
    codes, uniques = distinct
    return np.array([bool(test(split_values(v))) for v in uniques], dtype=bool)[codes]


def analysable(frame: pd.DataFrame, exclude_boilerplate: bool = True) -> pd.DataFrame:
    """Drop boilerplate passages (credits, bios, subscribe lines), which carry no stance."""
    if exclude_boilerplate and "is_boilerplate" in frame.columns:
        return frame[~frame["is_boilerplate"].fillna(False).astype(bool)]
    return frame


def period(frame: pd.DataFrame, time: str, date_col: str = "date") -> pd.Series:
    """The year ("2023"), quarter ("2023Q2") or month ("2023-05") of each passage's date; missing
    or unparseable dates give NaN (and are left out of a time chart, with their count reported)."""
    if time not in PERIODS:
        raise InputError(f"unknown time unit {time!r}; valid: {', '.join(PERIODS)}")
    require(frame, [date_col])
    dates = pd.to_datetime(frame[date_col].astype("string").str.slice(0, 10), errors="coerce", format="mixed")
    out = dates.dt.to_period(PERIODS[time]).astype("string")
    return out.where(dates.notna())


def doc_codes(frame: pd.DataFrame) -> np.ndarray:
    """Integer code of each passage's document (the unit the bootstrap resamples)."""
    return doc_index(frame)[0]


def doc_index(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(integer code of each passage's document, the document ids in code order)."""
    col = "doc_id" if "doc_id" in frame.columns else None
    if col is None:
        raise InputError("the scores have no column 'doc_id'; intervals resample documents, so every "
                         f"passage needs its document id; columns are: {', '.join(map(str, frame.columns))}")
    codes, documents = pd.factorize(frame[col].astype(str))
    return codes, np.asarray(documents)
