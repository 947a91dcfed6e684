"""Classification figures with percentile-bootstrap intervals over documents.

Passages of one document are not independent (same author, same argument), so intervals resample
whole documents: each bootstrap replicate draws as many documents as there are, with replacement,
and recomputes every figure on their passages. The interval is the 2.5th-97.5th percentile of the
replicates (a plain percentile bootstrap). With few documents, intervals are wide: that is the
honest answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..bootstrap import resample_counts

CONFIDENCE = 0.95


def document_weights(doc_ids, n_boot: int, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(doc index per passage, B x D matrix of how often each document is drawn per replicate)."""
    docs, idx = np.unique(np.asarray(doc_ids, dtype=object).astype(str), return_inverse=True)
    rng = np.random.default_rng(random_state)
    D = len(docs)
    W = resample_counts(D, n_boot, rng)
    return idx, W


def _interval(samples: np.ndarray) -> tuple[float, float]:
    samples = samples[~np.isnan(samples)]
    if samples.size == 0:
        return (float("nan"), float("nan"))
    a = (1 - CONFIDENCE) / 2
    lo, hi = np.quantile(samples, [a, 1 - a])
    return float(lo), float(hi)


def _fig(value: float, samples: np.ndarray | None) -> dict:
    lo, hi = _interval(samples) if samples is not None and samples.size else (float("nan"), float("nan"))
    return {"value": float(value), "low": lo, "high": hi}


def _prf(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support per class from confusion matrices (..., K, K); rows = truth.

    Undefined ratios (no prediction / no support) count as 0, as in sklearn's zero_division=0."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    pred = cm.sum(axis=-2)
    true = cm.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(pred > 0, tp / pred, 0.0)
        r = np.where(true > 0, tp / true, 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return p, r, f, true


def single_label_figures(y_true, y_pred, proba: np.ndarray, classes: list[str], doc_ids,
                         n_boot: int = 1000, random_state: int = 0, average_classes: list[str] | None = None,
                         ) -> dict:
    """Accuracy, macro/weighted F1, per-class P/R/F1, confusion matrix, Brier score and a
    reliability table, each figure with a document-bootstrap interval.

    `average_classes` restricts the macro-F1 average to some classes (e.g. SemEval's favor/against)
    and adds it as `macro_f1_selected`.
    """
    K = len(classes)
    pos = {c: i for i, c in enumerate(classes)}
    t = np.asarray([pos[str(v)] for v in y_true])
    p = np.asarray([pos[str(v)] for v in y_pred])
    onehot = np.eye(K)[t]
    scale = 0.5 if K == 2 else 1.0
    brier_each = scale * ((proba - onehot) ** 2).sum(axis=1)
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == t).astype(float)

    doc_idx, W = document_weights(doc_ids, n_boot, random_state)
    D = W.shape[1]
    cell = t * K + p
    doc_cells = np.zeros((D, K * K))
    np.add.at(doc_cells, (doc_idx, cell), 1.0)
    doc_brier = np.bincount(doc_idx, weights=brier_each, minlength=D)
    doc_n = np.bincount(doc_idx, minlength=D).astype(float)

    cm = doc_cells.sum(axis=0).reshape(K, K)
    cms = (W @ doc_cells).reshape(-1, K, K)
    P, R, F, S = _prf(cm)
    Ps, Rs, Fs, Ss = _prf(cms)
    n_b = W @ doc_n
    acc_s = np.trace(cms, axis1=1, axis2=2) / n_b
    present = (S > 0) | (cm.sum(axis=0) > 0)  # classes in truth or predictions, as sklearn's macro
    sel = present if average_classes is None else np.asarray([c in average_classes for c in classes])
    out = {
        "n": len(t),
        "documents": int(D),
        "accuracy": _fig(np.trace(cm) / cm.sum(), acc_s),
        "macro_f1": _fig(F[present].mean(), Fs[:, present].mean(axis=1)),
        "weighted_f1": _fig((F * S).sum() / S.sum(), (Fs * Ss).sum(axis=1) / Ss.sum(axis=1)),
        "brier": _fig(brier_each.mean(), (W @ doc_brier) / n_b),
    }
    if average_classes is not None:
        out["macro_f1_selected"] = _fig(F[sel].mean(), Fs[:, sel].mean(axis=1))
    rows = []
    for k, c in enumerate(classes):
        rows.append({
            "value": c, "support": int(S[k]),
            "precision": P[k], "precision_low": _interval(Ps[:, k])[0], "precision_high": _interval(Ps[:, k])[1],
            "recall": R[k], "recall_low": _interval(Rs[:, k])[0], "recall_high": _interval(Rs[:, k])[1],
            "f1": F[k], "f1_low": _interval(Fs[:, k])[0], "f1_high": _interval(Fs[:, k])[1],
        })
    out["per_class"] = pd.DataFrame(rows)
    out["confusion"] = pd.DataFrame(cm.astype(int), index=pd.Index(classes, name="true"),
                                    columns=pd.Index(classes, name="predicted"))
    out["reliability"] = reliability_table(conf, correct, doc_idx=doc_idx, W=W)
    return out


def multi_label_figures(Y_true: np.ndarray, Y_pred: np.ndarray, proba: np.ndarray, classes: list[str],
                        doc_ids, n_boot: int = 1000, random_state: int = 0) -> dict:
    """Per-value P/R/F1 (each value a yes/no question), macro and micro F1, exact-match accuracy (the
    share of passages whose whole set of values is right), Brier score averaged over values, per-value
    2x2 confusion counts and a reliability table over all (passage, value) pairs."""
    L = len(classes)
    doc_idx, W = document_weights(doc_ids, n_boot, random_state)
    D = W.shape[1]
    tp = (Y_true == 1) & (Y_pred == 1)
    fp = (Y_true == 0) & (Y_pred == 1)
    fn = (Y_true == 1) & (Y_pred == 0)
    tn = (Y_true == 0) & (Y_pred == 0)
    counts = np.stack([tp, fp, fn, tn], axis=-1).astype(float)  # n x L x 4
    doc_counts = np.zeros((D, L * 4))
    np.add.at(doc_counts, doc_idx, counts.reshape(len(Y_true), L * 4))
    brier_each = ((proba - Y_true) ** 2).mean(axis=1)
    doc_brier = np.bincount(doc_idx, weights=brier_each, minlength=D)
    doc_n = np.bincount(doc_idx, minlength=D).astype(float)
    exact = (Y_true == Y_pred).all(axis=1).astype(float)
    doc_exact = np.bincount(doc_idx, weights=exact, minlength=D)

    def figures(c):  # c: (..., L, 4)
        TP, FP, FN = c[..., 0], c[..., 1], c[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            prec = np.where(TP + FP > 0, TP / (TP + FP), 0.0)
            rec = np.where(TP + FN > 0, TP / (TP + FN), 0.0)
            f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
            mtp, mfp, mfn = TP.sum(-1), FP.sum(-1), FN.sum(-1)
            micro = np.where(2 * mtp + mfp + mfn > 0, 2 * mtp / (2 * mtp + mfp + mfn), 0.0)
        return prec, rec, f1, micro

    c = doc_counts.sum(axis=0).reshape(L, 4)
    cs = (W @ doc_counts).reshape(-1, L, 4)
    P, R, F, micro = figures(c)
    Ps, Rs, Fs, micro_s = figures(cs)
    out = {
        "n": len(Y_true),
        "documents": int(D),
        "macro_f1": _fig(F.mean(), Fs.mean(axis=1)),
        "micro_f1": _fig(micro, micro_s),
        "accuracy": _fig(exact.mean(), (W @ doc_exact) / (W @ doc_n)),
        "brier": _fig(brier_each.mean(), (W @ doc_brier) / (W @ doc_n)),
    }
    rows = []
    for k, name in enumerate(classes):
        rows.append({
            "value": name, "support": int(c[k, 0] + c[k, 2]),
            "precision": P[k], "precision_low": _interval(Ps[:, k])[0], "precision_high": _interval(Ps[:, k])[1],
            "recall": R[k], "recall_low": _interval(Rs[:, k])[0], "recall_high": _interval(Rs[:, k])[1],
            "f1": F[k], "f1_low": _interval(Fs[:, k])[0], "f1_high": _interval(Fs[:, k])[1],
        })
    out["per_class"] = pd.DataFrame(rows)
    out["confusion"] = pd.DataFrame(c.astype(int), index=pd.Index(classes, name="value"),
                                    columns=["tp", "fp", "fn", "tn"])
    flat_p = proba.ravel()
    flat_conf = np.maximum(flat_p, 1 - flat_p)
    flat_correct = ((flat_p >= 0.5) == (Y_true.ravel() == 1)).astype(float)
    out["reliability"] = reliability_table(flat_conf, flat_correct, doc_idx=np.repeat(doc_idx, L), W=W)
    return out


def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = 10,
                      doc_idx: np.ndarray | None = None, W: np.ndarray | None = None) -> pd.DataFrame:
    """Top-label reliability: in each confidence bin, the mean confidence against the share correct
    (with a document-bootstrap interval when `doc_idx` and the replicate weights `W` are given).

    A calibrated model has accuracy close to confidence in every bin."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    boot = doc_idx is not None and W is not None and W.shape[0] > 0
    if boot:
        D = W.shape[1]
        n_db = np.zeros((D, bins))
        c_db = np.zeros((D, bins))
        np.add.at(n_db, (doc_idx, which), 1.0)
        np.add.at(c_db, (doc_idx, which), correct)
        with np.errstate(divide="ignore", invalid="ignore"):
            acc_s = (W @ c_db) / (W @ n_db)
    rows = []
    for b in range(bins):
        m = which == b
        if m.any():
            lo, hi = _interval(acc_s[:, b]) if boot else (float("nan"), float("nan"))
            rows.append({"bin_low": edges[b], "bin_high": edges[b + 1], "count": int(m.sum()),
                         "mean_confidence": float(confidence[m].mean()),
                         "accuracy": float(correct[m].mean()), "accuracy_low": lo, "accuracy_high": hi})
    return pd.DataFrame(rows, columns=["bin_low", "bin_high", "count", "mean_confidence", "accuracy",
                                       "accuracy_low", "accuracy_high"])
