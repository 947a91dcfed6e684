"""Shares of each value per group, with document-bootstrap intervals, corrected or not for
classifier error; the restraint index per group and over time; composition by a second dimension.

Every table is tidy (one row per group and value) and carries the passage and document counts
behind each figure, and a `small` flag for groups under `min_passages` (shown greyed, not dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..bootstrap import LEVEL, DocumentBootstrap, doc_sums, percentile_interval
from ..codebook import IndexDefinition
from ..errors import InputError
from .correction import ClassifierErrors, adjust
from .frame import (
    analysable,
    as_list,
    dimension_values,
    doc_index,
    has_probabilities,
    label_mask,
    label_matrix,
    labelled,
    period,
    prob_matrix,
    require,
)

MIN_PASSAGES = 30
MISSING = "(missing)"
ESTIMATORS = {
    "CC": "classify and count (uncorrected share of predicted labels)",
    "PCC": "probabilistic classify and count (mean predicted probability, uncorrected)",
    "ACC": "adjusted classify and count (corrected with the cross-validated confusion matrix; Forman 2008)",
    "PACC": "probabilistic ACC (corrected with cross-validated mean probabilities; Bella et al. 2010)",
}


def group_positions(frame: pd.DataFrame, keys: list[str]):
    """(key dict, row positions of the group in `frame`) per group, sorted, with missing keys shown as
    '(missing)'. The one grouping of the report's tables (naive and validated estimates alike)."""
    if not keys:
        yield {}, np.arange(len(frame))
        return
    require(frame, keys, "the scores")
    labels = frame[keys].astype("string").fillna(MISSING).reset_index(drop=True)
    grouper = keys if len(keys) > 1 else keys[0]
    for key, idx in labels.groupby(grouper, sort=True, dropna=False).groups.items():
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(keys, key, strict=True)), idx.to_numpy()


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(key dict, sub-frame) per group, as `group_positions` orders them."""
    for key, pos in group_positions(frame, keys):
        yield key, frame.iloc[pos]


def _rows(key: dict, values: Sequence[str], est: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int,
          docs: int, min_passages: int, **extra) -> list[dict]:
    return [{**key, "value": v, **extra, "share": float(est[j]), "low": float(lo[j]), "high": float(hi[j]),
             "passages": n, "documents": docs, "small": n < min_passages} for j, v in enumerate(values)]


COLUMNS = ["value", "estimator", "share", "low", "high", "passages", "documents", "small"]


def prevalence(frame: pd.DataFrame, dimension: str, by: str | Sequence[str] | None = None, codebook=None,
               estimator: str = "CC", errors: ClassifierErrors | None = None, n_boot: int = 1000,
               level: float = LEVEL, min_passages: int = MIN_PASSAGES, exclude_boilerplate: bool = True,
               random_state: int = 0, cumulative: bool = False,
               replicates: DocumentBootstrap | None = None) -> pd.DataFrame:
    """Share of each value of `dimension` per group, with a percentile-bootstrap interval that
    resamples documents within the group (with `replicates`' weights, shared by every table that
    passes the same one; made from `n_boot` and `random_state` when None).

    estimator: CC (share of predicted labels), PCC (mean probability), ACC or PACC (corrected for
    classifier error; need `errors`, single-valued dimensions only). Multi-valued dimensions give
    the share of passages carrying each value (shares need not sum to one).
    Returns columns [*by, value, estimator, share, low, high, passages, documents, small]; with
    `cumulative` (uncorrected estimators), also the running total over the values in order with its
    interval (cum_share, cum_low, cum_high), for stacked bars.
    """
    estimator = estimator.upper()
    if estimator not in ESTIMATORS:
        raise InputError(f"unknown estimator {estimator!r}; valid: {', '.join(ESTIMATORS)}")
    keys = as_list(by)
    frame = analysable(frame, exclude_boilerplate)
    require(frame, [dimension], "the scores")
    frame = _only(frame, keys, [dimension])
    frame = frame[labelled(frame, dimension)]
    values = dimension_values(frame, dimension, codebook)
    corrected = estimator in ("ACC", "PACC")
    if corrected:
        if errors is None:
            raise InputError(f"{estimator} needs the classifier's cross-validated errors (errors=...)")
        missing = [c for c in errors.classes if c not in values]
        if missing:
            raise InputError(f"the classifier's values {missing} are not values of {dimension!r}: "
                             f"{', '.join(values)}")
        model_values = list(errors.classes)
    else:
        model_values = list(values)
    if estimator in ("PCC", "PACC") and not has_probabilities(frame, dimension, model_values):
        raise InputError(f"{estimator} needs probability columns '{dimension}:<value>'; the scores have none")
    rng = np.random.default_rng(random_state)
    replicates = replicates or DocumentBootstrap(n_boot, random_state)
    rates = rates_b = None
    if corrected:
        probabilistic = estimator == "PACC"
        rates = errors.rates(probabilistic)
        rates_b = errors.resampled_rates(n_boot, rng, probabilistic)

    rows: list[dict] = []
    for key, part in _groups(frame, keys):
        mat = (prob_matrix(part, dimension, model_values) if estimator in ("PCC", "PACC")
               else label_matrix(part, dimension, model_values))
        codes, documents = doc_index(part)
        sums, counts = doc_sums(codes, mat)
        n, D = len(part), len(counts)
        reps = replicates.ratio_replicates(documents, sums, counts)
        if corrected:
            q = sums.sum(axis=0) / max(n, 1)
            est = adjust(_norm(q), rates) if n and q.sum() > 0 else np.full(len(model_values), np.nan)
            if len(reps):
                reps = adjust(_norm(reps), rates if rates_b is None else rates_b[: len(reps)])
            lo, hi = percentile_interval(reps, level)
            est, lo, hi = (_spread(a, model_values, values) for a in (est, lo, hi))
        else:
            est = sums.sum(axis=0) / n if n else np.full(len(values), np.nan)
            lo, hi = percentile_interval(reps, level)
        new = _rows(key, values, est, lo, hi, n, D, min_passages, estimator=estimator)
        if cumulative and not corrected:
            # the running total up to each value, with its own interval: where a stacked bar's segment ends
            c_lo, c_hi = percentile_interval(np.cumsum(reps, axis=1), level)
            for row, c, cl, ch in zip(new, np.cumsum(est), c_lo, c_hi, strict=True):
                row.update(cum_share=float(c), cum_low=float(cl), cum_high=float(ch))
        rows += new
    extra = ["cum_share", "cum_low", "cum_high"] if cumulative and not corrected else []
    return pd.DataFrame(rows, columns=[*keys, *COLUMNS, *extra])


def _only(frame: pd.DataFrame, keys: list[str], dims: Sequence[str], extra: Sequence[str] = ()) -> pd.DataFrame:
    """The columns a table reads (group keys, document ids, the dimensions' labels and probabilities):
    every group is a row selection, and copying the passages' text with each one was a large part of a
    report's time."""
    prefixes = tuple(f"{d}:" for d in dims)
    wanted = {*keys, *dims, *extra, "doc_id"}
    return frame[[c for c in frame.columns if c in wanted or (isinstance(c, str) and c.startswith(prefixes))]]


def _spread(a: np.ndarray, model_values: list[str], values: list[str]) -> np.ndarray:
    """Figures over the classifier's values, placed among all the dimension's values (NaN for a
    value the classifier does not predict)."""
    pos = {v: j for j, v in enumerate(model_values)}
    return np.array([a[pos[v]] if v in pos else np.nan for v in values])


def _norm(q: np.ndarray) -> np.ndarray:
    """Shares over the classifier's values, rescaled to sum to one (rows of a stack)."""
    s = q.sum(axis=-1, keepdims=True)
    return np.divide(q, s, out=np.full_like(q, np.nan), where=s > 0)


def prevalence_table(frame: pd.DataFrame, dimension: str, by: str | Sequence[str] | None = None,
                     codebook=None, errors: ClassifierErrors | None = None, **kwargs) -> pd.DataFrame:
    """The uncorrected shares (CC, and PCC when probabilities exist) beside the corrected ones
    (ACC, and PACC when cross-validated probabilities exist) in one long table."""
    values = dimension_values(analysable(frame), dimension, codebook) if dimension in frame.columns else []
    probs = has_probabilities(frame, dimension, values)
    parts = [prevalence(frame, dimension, by, codebook, "CC", **kwargs)]
    if probs:
        parts.append(prevalence(frame, dimension, by, codebook, "PCC", **kwargs))
    if errors is not None:
        parts.append(prevalence(frame, dimension, by, codebook, "ACC", errors, **kwargs))
        if probs and errors.mean_proba is not None:
            parts.append(prevalence(frame, dimension, by, codebook, "PACC", errors, **kwargs))
    return pd.concat(parts, ignore_index=True)


# The index is defined in the codebook (its `analysis: index:` section), once for the group figures
# here and the document-level scores; a project with another codebook defines its own or passes one.
IndexSpec = IndexDefinition


def default_index(codebook) -> IndexDefinition:
    """The codebook's index; an `InputError` saying so when the codebook defines none."""
    if codebook.index is None:
        raise InputError("the codebook defines no index (an 'analysis: index:' section names its dimension "
                         "and the values that count +1 and -1, as in the default codebook)")
    return codebook.index


def index_passages(frame: pd.DataFrame, spec: IndexDefinition) -> pd.DataFrame:
    """The passages the index is averaged over: those whose predicted value of an excluded dimension
    is not listed (a dimension that was not scored excludes nothing)."""
    for dim, values in spec.exclude:
        if dim in frame.columns and values:
            drop = set(values)
            frame = frame[~label_mask(frame[dim], lambda items, drop=drop: set(items) & drop)]
    return frame


def index_values(frame: pd.DataFrame, spec: IndexDefinition) -> np.ndarray:
    """Per passage: P(positive) − P(negative) from probability columns, else from the labels."""
    vals = [spec.positive, spec.negative]
    if has_probabilities(frame, spec.dimension, vals):
        m = prob_matrix(frame, spec.dimension, vals)
    else:
        m = label_matrix(frame, spec.dimension, vals)
    return m[:, 0] - m[:, 1]


def index_table(frame: pd.DataFrame, spec: IndexDefinition, by: str | Sequence[str] | None = None,
                time: str | None = None, date_col: str = "date", n_boot: int = 1000, level: float = LEVEL,
                min_passages: int = MIN_PASSAGES, exclude_boilerplate: bool = True,
                random_state: int = 0, replicates: DocumentBootstrap | None = None) -> pd.DataFrame:
    """The index per group (and per period when `time` is year/quarter/month), with a document-
    bootstrap interval (`replicates` as in `prevalence`).
    Columns [*by, (period), index, low, high, passages, documents, small]."""
    keys = as_list(by)
    frame = analysable(frame, exclude_boilerplate)
    require(frame, [spec.dimension], "the scores")
    frame = _only(frame, keys, [spec.dimension], [d for d, _ in spec.exclude] + ([date_col] if time else []))
    frame = index_passages(frame[labelled(frame, spec.dimension)], spec)
    if time:
        frame = frame.assign(period=period(frame, time, date_col))
        frame = frame[frame["period"].notna()]
        keys = [*keys, "period"]
    replicates = replicates or DocumentBootstrap(n_boot, random_state)
    rows = []
    for key, part in _groups(frame, keys):
        x = index_values(part, spec)[:, None]
        codes, documents = doc_index(part)
        sums, counts = doc_sums(codes, x)
        n = len(part)
        lo, hi = percentile_interval(replicates.ratio_replicates(documents, sums, counts), level)
        rows.append({**key, "index": float(x.mean()) if n else np.nan, "low": float(lo[0]),
                     "high": float(hi[0]), "passages": n, "documents": len(counts), "small": n < min_passages})
    return pd.DataFrame(rows, columns=[*keys, "index", "low", "high", "passages", "documents", "small"])


def undated(frame: pd.DataFrame, time: str, date_col: str = "date") -> int:
    """How many non-boilerplate passages a time chart leaves out for lack of a usable date."""
    frame = analysable(frame)
    if date_col not in frame.columns:
        return len(frame)
    return int(period(frame, time, date_col).isna().sum())


def composition(frame: pd.DataFrame, dimension: str, by: str | Sequence[str] | None = None,
                split: str | None = None, codebook=None, **kwargs) -> pd.DataFrame:
    """Share of each value of `dimension` (e.g. argument role) per group, optionally within each
    value of a second dimension `split` (e.g. voice: the author's own versus reported stance)."""
    keys = as_list(by)
    if split:
        frame = analysable(frame, kwargs.get("exclude_boilerplate", True))
        frame = frame[labelled(frame, split)]
        keys = [*keys, split]
    return prevalence(frame, dimension, keys, codebook, "CC", cumulative=True, **kwargs)
