"""A percentile bootstrap over documents for ratio estimates (sums over passages / passage count).

Passages of one article share an author, an argument and an editor, so they are not independent
draws: every replicate resamples whole documents with replacement (as many as there are, within
the group) and recomputes the estimate on their passages; the interval is the 2.5th-97.5th
percentile of the replicates (Efron & Tibshirani 1993, ch. 13, applied to clusters). Documents
are the resampling unit everywhere in the toolkit (see `stance.models.metrics`). With few
documents the interval is wide, and with one document it is not defined (NaN), said in the table.
"""

from __future__ import annotations

import numpy as np

LEVEL = 0.95
MAX_CELLS = 20_000_000  # replicate x document weights held in memory at once


def doc_sums(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-document sums of `values` (passages x K) and per-document passage counts."""
    codes = np.asarray(codes)
    _, idx = np.unique(codes, return_inverse=True)
    D = int(idx.max()) + 1 if idx.size else 0
    sums = np.zeros((D, values.shape[1]))
    np.add.at(sums, idx, values)
    counts = np.bincount(idx, minlength=D).astype(float)
    return sums, counts


def resample_counts(D: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot x D) how often each of D documents is drawn when D are drawn with replacement.

    The counts follow Multinomial(D, 1/D each), drawn as the tallies of D uniform document indices
    per replicate: the same distribution as `rng.multinomial(D, [1/D] * D)`, whose D successive
    binomial draws per replicate made it the slowest step of a report (62% of it at 84k documents).
    """
    if n_boot <= 0 or D <= 0:
        return np.zeros((max(n_boot, 0), max(D, 0)))
    cells = n_boot * D
    dtype = np.int32 if cells < 2**31 else np.int64
    drawn = rng.integers(0, D, size=(n_boot, D), dtype=dtype)
    drawn += np.arange(n_boot, dtype=dtype)[:, None] * dtype(D)  # replicate r's tallies: cells r*D ..
    tallies = np.bincount(drawn.ravel(), minlength=cells)
    del drawn  # peak memory as with multinomial: the tallies and their float copy
    return tallies.reshape(n_boot, D).astype(float)


def replicate_weights(D: int, n_boot: int, rng: np.random.Generator):
    """Yield (chunk of replicates x D) weights: how often each document is drawn (`resample_counts`)."""
    chunk = max(1, min(n_boot, MAX_CELLS // max(D, 1)))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        yield resample_counts(D, b, rng)
        done += b


def ratio_replicates(sums: np.ndarray, counts: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot x K) replicates of sum(values) / passages. Empty when there are fewer than 2 documents."""
    D, K = sums.shape
    if D < 2 or n_boot <= 0:
        return np.zeros((0, K))
    out = []
    for W in replicate_weights(D, n_boot, rng):
        n = W @ counts
        est = (W @ sums) / np.where(n > 0, n, np.nan)[:, None]
        out.append(est)
    return np.vstack(out)


def percentile_interval(reps: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise percentile interval; NaN where there are no replicates."""
    if reps.shape[0] == 0:
        nan = np.full(reps.shape[1], np.nan)
        return nan, nan.copy()
    a = (1 - level) / 2
    with np.errstate(all="ignore"):
        lo = np.nanquantile(reps, a, axis=0)
        hi = np.nanquantile(reps, 1 - a, axis=0)
    return lo, hi
