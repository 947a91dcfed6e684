"""Shares corrected for classifier error: adjusted classify-and-count (ACC) and its probabilistic
variant (PACC).

A classifier that over-predicts a value inflates its share; if we know how it errs, we can undo
that on average. With M[i, j] = P(predicted i | true j) measured by cross-validation, the expected
predicted shares q satisfy q = M p, so p = M^-1 q (Forman 2008, "Quantifying counts and costs via
classification", Data Min. Knowl. Disc. 17). PACC does the same with mean predicted probabilities
instead of hard counts, M[i, j] = E[P(i | x) | true j] (Bella, Ferri, Hernández-Orallo & Ramírez-
Quintana 2010, "Quantification via probability estimators", ICDM). Estimates outside [0, 1] are
clipped and renormalised to sum to one, as QuaPy does (`normalize_prevalence(..., 'clip')`).

Why not QuaPy itself: its ACC/PACC estimators fit their own classifier and estimate M by their own
cross-validation, whereas we already have the toolkit's grouped-by-document cross-validated
predictions; the adjustment is the few lines below; and QuaPy 0.2.3 pulls in data-set downloaders
(ucimlrepo, xlrd) and `abstention` that the toolkit does not need. The linear solve is a least-
squares solve (a pseudo-inverse), so a singular M gives an answer instead of an exception.

The correction assumes that the classifier errs on the scored corpus as it did in cross-validation
(P(x | y) unchanged). On text from another genre that assumption is weak; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..bootstrap import resample_counts
from ..errors import InputError


@dataclass
class ClassifierErrors:
    """How a classifier errs on one single-valued dimension, from cross-validated predictions.

    `confusion` counts passages (rows: true value, columns: predicted value) over `classes`;
    `mean_proba` (optional) holds, per true value, the mean predicted probability of each value.
    With per-passage arrays (`true`, `pred`, `proba`, `docs`) the bootstrap also resamples the
    calibration documents, so the interval includes the uncertainty in M itself.
    """

    dimension: str
    classes: list[str]
    confusion: np.ndarray
    mean_proba: np.ndarray | None = None
    source: str = ""
    true: np.ndarray | None = field(default=None, repr=False)
    pred: np.ndarray | None = field(default=None, repr=False)
    proba: np.ndarray | None = field(default=None, repr=False)
    docs: np.ndarray | None = field(default=None, repr=False)

    @property
    def passages(self) -> int:
        return int(self.confusion.sum())

    @property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @classmethod
    def from_predictions(cls, dimension: str, true, predicted, classes: list[str], proba=None, docs=None,
                         source: str = "cross-validated predictions") -> ClassifierErrors:
        """From out-of-fold predictions: true and predicted values per passage, optionally the
        probabilities (passages x classes) and the document of each passage."""
        pos = {c: i for i, c in enumerate(classes)}
        try:
            t = np.array([pos[str(v)] for v in true])
            p = np.array([pos[str(v)] for v in predicted])
        except KeyError as exc:
            raise InputError(f"value {exc.args[0]!r} is not among the classes {', '.join(classes)}") from None
        K = len(classes)
        cm = np.zeros((K, K))
        np.add.at(cm, (t, p), 1.0)
        mean_proba = None
        if proba is not None:
            proba = np.asarray(proba, dtype=float)
            if proba.shape != (len(t), K):
                raise InputError(f"probabilities have shape {proba.shape}; expected ({len(t)}, {K})")
            mean_proba = _mean_by_class(t, proba, K)
        return cls(dimension, list(classes), cm, mean_proba, source, t, p, proba,
                   None if docs is None else np.asarray(docs).astype(str))

    @classmethod
    def from_confusion(cls, dimension: str, confusion: pd.DataFrame, source: str = "confusion matrix"
                       ) -> ClassifierErrors:
        """From a confusion table (index: true values, columns: predicted values, same order)."""
        classes = [str(c) for c in confusion.index]
        cm = confusion.reindex(index=classes, columns=classes, fill_value=0).to_numpy(dtype=float)
        return cls(dimension, classes, cm, None, source)

    @classmethod
    def from_evaluation(cls, ev) -> ClassifierErrors:
        """From a `stance.models.DimensionEvaluation` (single-valued dimensions only)."""
        if ev.multi:
            raise InputError(f"dimension {ev.dimension!r} takes several values; ACC/PACC apply to "
                             "single-valued dimensions")
        preds = ev.predictions
        source = (f"{ev.n_splits}-fold cross-validation grouped by document on {ev.passages} passages "
                  f"from {ev.documents} documents")
        if preds is None or preds.empty:
            return cls.from_confusion(ev.dimension, ev.confusion, source)
        proba = preds[[f"p_{c}" for c in ev.classes]].to_numpy(dtype=float)
        return cls.from_predictions(ev.dimension, preds["true"], preds["predicted"], list(ev.classes), proba,
                                    preds["doc_id"], source)

    def rates(self, probabilistic: bool = False, confusion: np.ndarray | None = None,
              mean_proba: np.ndarray | None = None) -> np.ndarray:
        """M[i, j] = P(predicted i | true j) (or the mean probability of i given true j)."""
        cm = self.confusion if confusion is None else confusion
        support = cm.sum(axis=-1, keepdims=True)
        if probabilistic:
            mp = self.mean_proba if mean_proba is None else mean_proba
            if mp is None:
                raise InputError("PACC needs cross-validated probabilities; these errors have only counts")
            rows = mp
        else:
            rows = np.divide(cm, support, out=np.zeros_like(cm), where=support > 0)
        return np.swapaxes(rows, -1, -2)

    def resampled_rates(self, n_boot: int, rng: np.random.Generator, probabilistic: bool) -> np.ndarray | None:
        """(n_boot x K x K) rates from calibration sets resampled by document, or None when the
        per-passage predictions are not available."""
        if self.docs is None or self.true is None or n_boot <= 0:
            return None
        K = len(self.classes)
        _, d = np.unique(self.docs, return_inverse=True)
        D = int(d.max()) + 1
        cells = np.zeros((D, K * K))
        np.add.at(cells, (d, self.true * K + self.pred), 1.0)
        W = resample_counts(D, n_boot, rng)
        cm_b = (W @ cells).reshape(n_boot, K, K)
        if not probabilistic:
            return self.rates(False, confusion=cm_b)
        psum = np.zeros((D, K, K))
        np.add.at(psum, (d, self.true), self.proba)
        ps_b = (W @ psum.reshape(D, K * K)).reshape(n_boot, K, K)
        support = cm_b.sum(axis=-1, keepdims=True)
        mp_b = np.divide(ps_b, support, out=np.full_like(ps_b, np.nan), where=support > 0)
        return self.rates(True, confusion=cm_b, mean_proba=mp_b)


def _mean_by_class(t: np.ndarray, proba: np.ndarray, K: int) -> np.ndarray:
    sums = np.zeros((K, K))
    np.add.at(sums, t, proba)
    n = np.bincount(t, minlength=K)[:, None]
    return np.divide(sums, n, out=np.full_like(sums, np.nan), where=n > 0)


def adjust(q: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Solve M p = q for p (least squares), clip to [0, 1] and renormalise to sum to 1.

    Works on one vector (K,) with M (K, K), or on stacks (B, K) with M (K, K) or (B, K, K). Classes
    that never occur in the calibration data (an all-zero or NaN column of M) get share 0."""
    q = np.asarray(q, dtype=float)
    M = np.asarray(M, dtype=float)
    one = q.ndim == 1
    q2 = q[None, :] if one else q
    M3 = np.broadcast_to(M, (q2.shape[0], *M.shape[-2:])) if M.ndim == 2 else M
    usable = np.isfinite(M3).all(axis=-2) & (np.abs(np.nan_to_num(M3)).sum(axis=-2) > 0)  # (B, K)
    out = np.full(q2.shape, np.nan)
    valid = np.isfinite(q2).all(axis=1) & usable.any(axis=1)
    if q2.shape[0] == 1:
        if valid[0]:
            keep = usable[0]
            p = np.zeros(q2.shape[1])
            p[keep] = np.linalg.lstsq(M3[0][:, keep], q2[0], rcond=None)[0]
            out[0] = clip_to_simplex(p)
        return out[0] if one else out
    # a stack (bootstrap replicates): the same least-squares solutions, by the pseudo-inverse of every
    # replicate's M at once (lstsq solves one system per call; its cutoff for small singular values)
    for keep in np.unique(usable[valid], axis=0):
        rows = np.flatnonzero(valid & (usable == keep).all(axis=1))
        A = M3[rows][:, :, keep]
        P = np.linalg.pinv(A, rcond=np.finfo(float).eps * max(A.shape[-2:]))
        p = np.zeros((len(rows), q2.shape[1]))
        p[:, keep] = np.einsum("bkq,bq->bk", P, q2[rows])
        out[rows] = clip_to_simplex(p)
    return out


def clip_to_simplex(p: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and rescale to sum to 1 (uniform if everything clipped to 0)."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    s = p.sum(axis=-1, keepdims=True)
    return np.divide(p, s, out=np.full_like(p, 1.0 / p.shape[-1]), where=s > 0)
