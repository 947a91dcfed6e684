"""Prediction-powered estimates: shares per group, the restraint index per group and per period, from
the model's predictions on every passage plus the human labels on the validation sample.

For a group with N passages, n of them in the validation sample, the share of value v is estimated as

    lambda * mean over all N of f(x)  +  weighted mean over the n labelled of (y - lambda * f(x))

where f(x) is the model's probability of v and y is 1 when the human label is v (prediction-powered
inference, Angelopoulos et al., Science 2023; power tuning, PPI++, Angelopoulos, Duchi & Zrnic 2023).
The second term measures, on passages a person read, how far the model is off, and removes it; lambda
(chosen from the data, clipped to [0, 1]) uses the predictions only as far as they help, so a useless
model gives the plain labelled-sample mean and its interval, never a confident wrong answer. The
intervals are valid however good or bad the model is; they widen rather than lie.

The computation is `ppi_py.ppi_mean_ci` / `ppi_mean_pointestimate` (the maintained `ppi-python`
package): `w` carries 1 / inclusion probability so a sample stratified by another column still gives
unbiased group figures. Two choices differ from the package's textbook setting, both conservative:
the "unlabelled" set is the whole group (the finite corpus we describe), and no finite-population
correction is applied. Groups with fewer than `min_labels` labelled passages get no such estimate:
their naive share is reported, flagged as unvalidated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.frame import (
    analysable,
    as_list,
    dimension_values,
    has_probabilities,
    label_matrix,
    labelled,
    period,
    prob_matrix,
    require,
)
from ..analysis.shares import group_positions, index_passages, index_values

LEVEL = 0.95
MIN_LABELS = 30  # fewer labels in a group: naive share shown, flagged (intervals undercover below: docs/validation.md)
UNIDENTIFIED = 0.5       # an interval wider than this share of the possible range is not a finding
FEW_EVENTS = 5           # fewer labelled passages with (or without) a value: the Wilson floor applies
SHARE_COLUMNS = ["value", "estimator", "share", "low", "high", "naive", "labels", "passages", "documents",
                 "validated", "identifiable", "lambda"]
INDEX_COLUMNS = ["index", "low", "high", "naive", "labels", "passages", "documents", "validated",
                 "identifiable", "lambda"]


@dataclass(frozen=True)
class Estimate:
    """One prediction-powered mean with its interval and the power-tuning weight used."""

    value: float
    low: float
    high: float
    lam: float


def ppi_mean(y: np.ndarray, yhat: np.ndarray, yhat_all: np.ndarray, weights: np.ndarray | None = None,
             level: float = LEVEL, bounds: tuple[float, float] = (0.0, 1.0), lam: float | None = None) -> Estimate:
    """The power-tuned prediction-powered mean of `y` over the population whose predictions are
    `yhat_all`, from labelled passages (`y`, their predictions `yhat`, design `weights`), clipped to
    `bounds`. With fewer than two labelled passages there is no estimate (NaN). `lam` fixes the weight
    of the predictions instead of tuning it (0: the labels alone; 1: plain PPI)."""
    from ppi_py import ppi_mean_ci, ppi_mean_pointestimate

    y, yhat, yhat_all = (np.asarray(a, dtype=float) for a in (y, yhat, yhat_all))
    if len(y) < 2 or len(yhat_all) == 0:
        return Estimate(np.nan, np.nan, np.nan, np.nan)
    w = None if weights is None else np.asarray(weights, dtype=float)
    lam = power_tuning(y, yhat, yhat_all, w) if lam is None else float(lam)
    est = float(np.ravel(ppi_mean_pointestimate(y, yhat, yhat_all, lam=lam, w=w))[0])
    lo, hi = ppi_mean_ci(y, yhat, yhat_all, alpha=1 - level, lam=lam, w=w)
    lo, hi = float(np.ravel(lo)[0]), float(np.ravel(hi)[0])
    if bounds == (0.0, 1.0) and set(np.unique(y)) <= {0.0, 1.0}:
        k = int(y.sum())
        if min(k, len(y) - k) < FEW_EVENTS:  # the normal approximation collapses near 0 and 1
            w_lo, w_hi = wilson(k, len(y), level)
            lo, hi = min(lo, w_lo), max(hi, w_hi)
    a, b = bounds
    return Estimate(float(np.clip(est, a, b)), float(np.clip(lo, a, b)), float(np.clip(hi, a, b)), lam)


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of k successes in n labelled passages (Wilson 1927). Hand-written (a
    few lines; statsmodels' proportion_confint gives the same) because it is used only as a floor: when
    a group's labels hold fewer than FEW_EVENTS passages of a value (or of its absence), the normal
    interval ppi_mean_ci gives can shrink to a point (0 of 30 labels: [0, 0]); the estimate's interval
    is then widened to hold the labels-alone Wilson interval, which stays valid there."""
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - level) / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def power_tuning(y: np.ndarray, yhat: np.ndarray, yhat_all: np.ndarray, w: np.ndarray | None = None) -> float:
    """The weight lambda in [0, 1] that ppi_mean_ci would choose (the same gradients, through the
    package's own `_calc_lam_glm`); computed here once so that the point estimate, the interval and
    the table all use one value. Constant predictions carry no information: lambda 0."""
    from ppi_py import ppi_mean_pointestimate
    from ppi_py.ppi import _calc_lam_glm

    if np.ptp(np.concatenate([yhat, yhat_all])) == 0:
        return 0.0
    n = len(y)
    ww = (np.ones(n) if w is None else w / w.sum() * n)[:, None]
    centre = ppi_mean_pointestimate(y, yhat, yhat_all, lam=1, w=w)
    lam = _calc_lam_glm(ww * (y[:, None] - centre), ww * (yhat[:, None] - centre), yhat_all[:, None] - centre,
                        np.eye(1), clip=True)
    return float(np.nan_to_num(lam, nan=0.0))


def _labelled_rows(frame: pd.DataFrame, validation: pd.DataFrame, dimension: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Which rows of `frame` carry a validation label for `dimension` (a boolean array over frame's
    rows), and those labels with their design weight, in frame's row order."""
    require(validation, ["passage_id", "inclusion_prob"], "the validation labels")
    if dimension not in validation.columns:
        return np.zeros(len(frame), dtype=bool), validation.iloc[0:0]
    lab = validation[labelled(validation, dimension)].drop_duplicates("passage_id")
    lab = lab.set_index("passage_id")
    has = frame["passage_id"].isin(lab.index).to_numpy()
    return has, lab.loc[frame["passage_id"].to_numpy()[has]].reset_index()


def _estimates(frame: pd.DataFrame, keys: list[str], values: Sequence[str], has: np.ndarray, y: np.ndarray,
               w: np.ndarray, yhat: np.ndarray, naive: np.ndarray, min_labels: int, level: float,
               bounds: tuple[float, float]) -> list[dict]:
    """One row per group and value: the prediction-powered estimate of the mean of column j of `y`
    (human labels of the labelled rows, in frame order) from `yhat` (the model's figure for every row)
    where the group holds `min_labels` labels, else the mean of `naive` (the model's own figure)."""
    lab_pos = np.cumsum(has) - 1  # a labelled row's position among the labels
    span = bounds[1] - bounds[0]
    rows = []
    for key, rows_all in group_positions(frame, keys):
        f_rows = rows_all[has[rows_all]]
        y_rows = lab_pos[f_rows]
        common = {"labels": len(f_rows), "passages": len(rows_all),
                  "documents": int(frame["doc_id"].iloc[rows_all].nunique()),
                  "validated": len(f_rows) >= min_labels}
        for j, v in enumerate(values):
            row = {**key, "value": v, **common,
                   "naive": float(naive[rows_all, j].mean()) if len(rows_all) else np.nan}
            if common["validated"]:
                e = ppi_mean(y[y_rows, j], yhat[f_rows, j], yhat[rows_all, j], w[y_rows], level, bounds=bounds)
                row.update(estimator="PPI", estimate=e.value, low=e.low, high=e.high, lam=e.lam,
                           identifiable=_identifiable(e.low, e.high, span))
            else:
                row.update(estimator="naive", estimate=row["naive"], low=np.nan, high=np.nan, lam=np.nan,
                           identifiable=False)
            rows.append(row)
    return rows


def _identifiable(low: float, high: float, span: float) -> bool:
    return bool(np.isfinite(low) and np.isfinite(high) and (high - low) <= UNIDENTIFIED * span)


def ppi_shares(scores: pd.DataFrame, validation: pd.DataFrame, dimension: str,
               by: str | Sequence[str] | None = None, codebook=None, min_labels: int = MIN_LABELS,
               level: float = LEVEL, exclude_boilerplate: bool = True) -> pd.DataFrame:
    """Share of each value of `dimension` per group, estimated from the predictions on every passage
    and the validation labels (prediction-powered, power-tuned), beside the naive share of predicted
    labels.

    `scores`: passage-level predictions (columns passage_id, doc_id, the group columns, `dimension` and
    its `dimension:value` probabilities); `validation`: one row per sampled passage with passage_id,
    inclusion_prob and the human label in column `dimension` (None where not labelled yet).
    Returns [*by, value, estimator, share, low, high, naive, labels, passages, documents, validated,
    identifiable, lambda]. A group with fewer than `min_labels` labels gets estimator "naive",
    validated False and no interval: its share is the model's alone, unchecked."""
    keys = as_list(by)
    frame = analysable(scores, exclude_boilerplate)
    require(frame, ["passage_id", "doc_id", dimension], "the scores")
    frame = frame[labelled(frame, dimension)]
    values = dimension_values(frame, dimension, codebook)
    yhat = (prob_matrix(frame, dimension, values) if has_probabilities(frame, dimension, values)
            else label_matrix(frame, dimension, values))
    naive = label_matrix(frame, dimension, values)
    has, lab = _labelled_rows(frame, validation, dimension)
    y = label_matrix(lab, dimension, values) if len(lab) else np.zeros((0, len(values)))
    w = 1.0 / lab["inclusion_prob"].to_numpy(dtype=float) if len(lab) else np.zeros(0)
    rows = _estimates(frame, keys, values, has, y, w, yhat, naive, min_labels, level, (0.0, 1.0))
    out = pd.DataFrame(rows).rename(columns={"lam": "lambda", "estimate": "share"})
    return out.reindex(columns=[*keys, *SHARE_COLUMNS])


def ppi_index(scores: pd.DataFrame, validation: pd.DataFrame, spec, by: str | Sequence[str] | None = None,
              time: str | None = None, date_col: str = "date", min_labels: int = MIN_LABELS,
              level: float = LEVEL, exclude_boilerplate: bool = True) -> pd.DataFrame:
    """The codebook's bipolar index `spec` (`codebook.index`: mean of P(positive) − P(negative))
    per group, and per period with `time`, estimated from the predictions plus the validation labels
    (a human label counts +1 for the positive value, −1 for the negative, 0 otherwise).

    The passages averaged over are those the report's index uses (not boilerplate; none whose predicted
    value of an excluded dimension is excluded), so naive and validated figures describe the same
    passages. Returns [*by, (period), index, low, high, naive, labels, passages, documents, validated,
    identifiable, lambda]."""
    keys = as_list(by)
    frame = analysable(scores, exclude_boilerplate)
    require(frame, ["passage_id", "doc_id", spec.dimension], "the scores")
    frame = index_passages(frame[labelled(frame, spec.dimension)], spec)
    if time:
        frame = frame.assign(period=period(frame, time, date_col))
        frame = frame[frame["period"].notna()]
        keys = [*keys, "period"]
    yhat = index_values(frame, spec)[:, None]  # the report's index: mean P(positive) - P(negative)
    has, lab = _labelled_rows(frame, validation, spec.dimension)
    h = label_matrix(lab, spec.dimension, [spec.positive, spec.negative]) if len(lab) else np.zeros((0, 2))
    y = (h[:, 0] - h[:, 1])[:, None]
    w = 1.0 / lab["inclusion_prob"].to_numpy(dtype=float) if len(lab) else np.zeros(0)
    rows = _estimates(frame, keys, ["index"], has, y, w, yhat, yhat, min_labels, level, (-1.0, 1.0))
    out = pd.DataFrame(rows).rename(columns={"lam": "lambda", "estimate": "index"})
    return out.reindex(columns=[*keys, *INDEX_COLUMNS])


def unvalidated_groups(table: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    """The groups of a `ppi_shares` / `ppi_index` table that had too few validation labels."""
    keys = as_list(by)
    part = table[~table["validated"].astype(bool)]
    if not keys or part.empty:
        return ["(all passages)"] if keys == [] and not part.empty else []
    return sorted({" / ".join(map(str, r)) for r in part[keys].astype(str).itertuples(index=False)})

