"""Stance toward a stated target: which models need a target per passage, and the one-line errors when a
target column is missing where a model needs one, or given where no model uses it.

A model trained with a target column (`stance train --target-col COLUMN`) reads the target of every
passage beside its text; `stance score`, `stance evaluate` and the Python API pass it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..errors import InputError, ModelError


def uses_targets(model) -> bool:
    """True for a model trained with a target per passage."""
    return getattr(model, "target_column_", None) is not None or getattr(model, "target_features_", None) is not None


def check_target_column(models: Iterable, target_column: str | None) -> None:
    """A `ModelError` when a model that needs targets gets no target column, or a target column is given
    but no model uses one (it would be ignored, and the scores would not be what the user asked for)."""
    models = list(models)
    needing = [m for m in models if uses_targets(m)]
    if needing and target_column is None:
        column = getattr(needing[0], "target_column_", None)
        trained = f" (trained with --target-col {column})" if column else ""
        dims = ", ".join(d for m in needing for d in getattr(m, "dimensions_", []))
        raise ModelError(f"the model for {dims} scores stance toward a stated target{trained}: give the column "
                         "with each passage's target, --target-col COLUMN")
    if target_column is not None and not needing:
        raise ModelError(f"--target-col {target_column}: the model was trained without a target column, so it "
                         "cannot use one; leave out --target-col, or train with --target-col")


def target_values(frame: pd.DataFrame, column: str, where: str = "the input") -> list[str]:
    """The targets in `column` of `frame` as strings; an `InputError` naming the column (and the columns
    there are) when it is missing, or how many rows have no target."""
    if column not in frame.columns:
        raise InputError(f"{where} has no target column {column!r}; columns are: "
                         f"{', '.join(map(str, frame.columns))}")
    values = frame[column]
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if empty.any():
        raise InputError(f"{where}: {int(empty.sum())} of {len(values)} rows have no target in column {column!r}; "
                         "every passage needs the target of its stance")
    return values.astype(str).str.strip().tolist()
