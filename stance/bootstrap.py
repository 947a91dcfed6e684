"""A percentile bootstrap over documents for ratio estimates (sums over passages / passage count).

Passages of one article share an author, an argument and an editor, so they are not independent
draws: every replicate resamples whole documents with replacement (as many as there are, within
the group) and recomputes the estimate on their passages; the interval is the 2.5th-97.5th
percentile of the replicates (Efron & Tibshirani 1993, ch. 13, applied to clusters). Documents
are the resampling unit everywhere in the toolkit (see `stance.models.metrics`). With few
documents the interval is wide, and with one document it is not defined (NaN), said in the table.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

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
    return _tallies(D, n_boot, rng).astype(float)


def _tallies(D: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """`resample_counts` as integers."""
    if n_boot <= 0 or D <= 0:
        return np.zeros((max(n_boot, 0), max(D, 0)), dtype=np.int64)
    cells = n_boot * D
    dtype = np.int32 if cells < 2**31 else np.int64
    drawn = rng.integers(0, D, size=(n_boot, D), dtype=dtype)
    drawn += np.arange(n_boot, dtype=dtype)[:, None] * dtype(D)  # replicate r's tallies: cells r*D ..
    tallies = np.bincount(drawn.ravel(), minlength=cells)
    del drawn  # peak memory as with multinomial: the tallies and their float copy
    return tallies.reshape(n_boot, D)


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


class DocumentBootstrap:
    """The replicate weights of each set of documents, drawn once and reused.

    Every table of a report resamples the documents of each group: each dimension's shares, each
    estimator, the index. Drawing the weights anew for every one of them was most of a report's time;
    here a set of documents gets its weights once, from a generator seeded by `random_state` and the
    documents' ids, so every table of one group uses the same replicates (a bootstrap of the whole
    analysis) and a figure does not depend on the order the tables are made in. Weights are kept as
    small integers, the least recently used dropped beyond `max_cells` replicate x document cells.
    """

    def __init__(self, n_boot: int, random_state: int = 0, max_cells: int = 8 * MAX_CELLS) -> None:
        self.n_boot, self.random_state, self.max_cells = n_boot, random_state, max_cells
        self._kept: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._ratios: OrderedDict[bytes, np.ndarray] = OrderedDict()  # a corrected share resamples its uncorrected one

    def weights(self, documents: Sequence[str]) -> np.ndarray:
        """(n_boot x D) how often each of `documents` (distinct ids, in the order of the sums' rows) is drawn."""
        return self._weights(_digest("\x1f".join(map(str, documents)).encode("utf-8", "surrogatepass")),
                             len(documents))

    def _weights(self, key: bytes, D: int) -> np.ndarray:
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        rng = np.random.default_rng([self.random_state, *np.frombuffer(key, dtype=np.uint32).tolist()])
        # One replicate at a time: the tallies of D uniform indices (as `resample_counts` draws them), each
        # replicate's bincount small enough to stay in the processor's cache (6x faster than one bincount
        # over a whole chunk of replicates)
        W = np.zeros((max(self.n_boot, 0), D), dtype=np.uint8)
        chunk = max(1, MAX_CELLS // 8 // max(D, 1))
        for start in range(0, self.n_boot if D else 0, chunk):
            for r, drawn in enumerate(rng.integers(0, D, size=(min(chunk, self.n_boot - start), D), dtype=np.int64),
                                      start):
                tally = np.bincount(drawn, minlength=D)
                if W.dtype == np.uint8 and tally.max() > 255:  # a document drawn 256 times: wider cells
                    W = W.astype(np.uint32)
                W[r] = tally
        self._kept[key] = W
        cells = sum(w.size for w in self._kept.values())
        while cells > self.max_cells and len(self._kept) > 1:
            cells -= self._kept.popitem(last=False)[1].size
        return W

    def ratio_replicates(self, documents: Sequence[str], sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(n_boot x K) replicates of sum(values) / passages, as `ratio_replicates` gives them, with this
        set of documents' weights (row j of `sums` and `counts` is `documents[j]`)."""
        D, K = sums.shape
        if D < 2 or self.n_boot <= 0:
            return np.zeros((0, K))
        doc_key = _digest("\x1f".join(map(str, documents)).encode("utf-8", "surrogatepass"))
        W = self._weights(doc_key, D)
        both = np.column_stack([sums, counts])
        key = _digest(doc_key, both.tobytes())
        if key in self._ratios:
            self._ratios.move_to_end(key)
            return self._ratios[key].copy()
        # Single precision for the weighted sums: converting the small-integer weights is most of the cost,
        # and a replicate's share then differs from the double-precision one by about 1e-7, far below the
        # bootstrap's own Monte Carlo error. Chunks of replicates whose copy stays in the processor's cache.
        chunk = max(1, 2**20 // max(D, 1))
        both32 = both.astype(np.float32)
        with threadpool_limits(1, user_api="blas"):  # threads of a product this small only wait for each other
            out = np.vstack([W[i:i + chunk].astype(np.float32) @ both32 for i in range(0, self.n_boot, chunk)])
        out = out.astype(float)
        n = out[:, K]
        reps = out[:, :K] / np.where(n > 0, n, np.nan)[:, None]
        self._ratios[key] = reps
        if len(self._ratios) > 256:
            self._ratios.popitem(last=False)
        return reps.copy()


def _digest(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part)
    return h.digest()


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
