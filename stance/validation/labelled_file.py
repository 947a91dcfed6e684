"""A saved model measured on any labelled file (`stance evaluate --model M.skops --labels FILE.csv`):
the figures of `stance validate report` (accuracy, macro-F1, per-value precision and recall, confusion
table, Brier score, with intervals, beside the majority baseline on the same file), for a file of
passages labelled by people, such as a sample of a new corpus read by the codebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..errors import InputError
from ..models.targets import check_target_column, target_values
from ..spreadsheet import restore_frame
from .figures import TargetFigures, multi_target_figures, target_figures


def read_labelled(path: str | Path, text_col: str = "text") -> pd.DataFrame:
    """A labelled CSV, JSONL or Parquet file as a DataFrame, with a clear error for a missing text column."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".json"):
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False,
                                              sep="\t" if suffix == ".tsv" else ","))  # see spreadsheet.py
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot be read as a {suffix.lstrip('.') or 'csv'} table: {exc}") from None
    if text_col not in frame.columns:
        raise InputError(f"{path}: no column {text_col!r}; columns are: {', '.join(map(str, frame.columns))}. "
                         "Name the text column with --text-col")
    return frame


def evaluate_labelled_file(model, path: str | Path, text_col: str = "text", codebook: Codebook | None = None,
                           n_boot: int = 1000, target_col: str | None = None) -> dict[str, TargetFigures]:
    """Figures of `model` (a fitted `StanceModel`) on every dimension that `path` labels (several values
    of a multi-valued one, such as topic, joined with ";": its accuracy is then exact-match accuracy).

    Values outside the codebook are refused, naming the row; rows without a label for a dimension are
    left out of that dimension's figures. `target_col` names the column with each row's target, for a
    model trained with targets (a one-line error when one is needed and missing, or given and unused)."""
    codebook = codebook or load_codebook()
    check_target_column([model], target_col)
    frame = read_labelled(path, text_col)
    targets = None if target_col is None else target_values(frame, target_col, str(path))
    dims = [d for d in model.dimensions_ if d in frame.columns]
    if not dims:
        raise InputError(f"{path}: no column for a dimension this model labels ({', '.join(model.dimensions_)}); "
                         f"columns are: {', '.join(map(str, frame.columns))}")
    for d in dims:
        valid = set(codebook.dimension(d).value_names)
        multi = model.multi_.get(d, False)
        for i, v in frame[d].items():
            for item in (str(v).split(";") if multi else [str(v)]):
                if item.strip() and item not in valid:
                    raise InputError(f"{path}: row {int(i) + 2}: {d} value {item!r} is not in the codebook; valid: "
                                     f"{', '.join(codebook.dimension(d).value_names)}")
    texts = frame[text_col].fillna("").astype(str).tolist()
    X = model.transform(texts, targets)
    out = {}
    for d in dims:
        has = frame[d].fillna("").astype(str).str.strip() != ""
        if not has.any():
            continue
        classes = codebook.dimension(d).value_names
        proba = model.predict_proba_from_features(X[has.to_numpy()], d)
        predicted = model.labels_from_proba(proba, d)
        full = np.zeros((int(has.sum()), len(classes)))
        for k, v in enumerate(model.classes_[d]):
            if v in classes:
                full[:, classes.index(v)] = proba[:, k]
        if model.multi_.get(d, False):
            out[d] = multi_target_figures(d, frame.loc[has, d].astype(str).tolist(), list(predicted), full, classes,
                                          n_boot=n_boot)
        else:
            out[d] = target_figures(d, frame.loc[has, d].astype(str), predicted, full, classes, n_boot=n_boot)
    if not out:
        raise InputError(f"{path}: no labelled rows for {', '.join(dims)}")
    return out
