"""How good the model is on the corpus being measured: accuracy, macro-F1, per-value precision and
recall, the confusion table and the Brier score on the validation sample, each with an interval, beside
the majority baseline on the same sample, and a plain sentence saying whether the model beats it.

A dimension that takes several values per passage (topic) gets the same figures with one choice said
everywhere they are printed: its accuracy is *exact-match* accuracy (the share of passages whose whole
set of values the model got right), its baseline always answers the sample's most common set, its
macro-F1 averages each value's F1 (present or absent per passage), its Brier score averages over values,
and its confusion table counts, per value, passages where both, only people, only the model or neither
gave it.

Every figure weights a passage by 1 / its inclusion probability, so a sample stratified by group still
measures the whole corpus. Intervals are percentile bootstraps that resample the sampled passages within
each stratum: the validation sample is a random sample of passages, so the passage is the sampling unit
and the bootstrap mirrors how the sample was drawn (the figures describe this corpus, not a wider
population of documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError

LEVEL = 0.95


@dataclass
class TargetFigures:
    """Figures of one dimension's model on the validation sample of the target corpus."""

    dimension: str
    classes: list[str]
    n: int
    metrics: dict[str, dict]            # accuracy, macro_f1, brier: {value, low, high}
    baseline: dict[str, dict]           # the same for always choosing `majority`
    majority: str
    difference: dict                    # accuracy of the model minus the baseline's, paired interval
    per_class: pd.DataFrame
    confusion: pd.DataFrame             # labelled passages (rows: human label, columns: model's label)
    verdict: str
    warnings: list[str] = field(default_factory=list)
    held_out: bool = True
    multi: bool = False                 # several values per passage: accuracy is exact-match accuracy

    @property
    def accuracy_kind(self) -> str:
        """What "accuracy" means for this dimension."""
        return "exact-match accuracy (the whole set of values right)" if self.multi else "accuracy"

    @property
    def better_than_baseline(self) -> bool:
        return bool(self.difference["low"] > 0)

    def rows(self) -> list[dict]:
        """One row per metric: model, interval and the baseline (for tables and the report)."""
        return [{"dimension": self.dimension, "metric": m, "value": f["value"], "low": f["low"], "high": f["high"],
                 "baseline": self.baseline[m]["value"], "passages": self.n}
                for m, f in self.metrics.items()]

    def to_dict(self) -> dict:
        return {"dimension": self.dimension, "n": self.n, "multi": self.multi, "accuracy": self.accuracy_kind,
                "metrics": self.metrics, "baseline": self.baseline,
                "majority": self.majority, "difference": self.difference, "verdict": self.verdict,
                "warnings": self.warnings, "held_out": self.held_out,
                "per_class": self.per_class.to_dict(orient="records"),
                "confusion": self.confusion.reset_index().to_dict(orient="records")}


def stratified_weights(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot x n) bootstrap counts: each replicate redraws, within every stratum, as many passages as it
    holds, with replacement."""
    strata = np.asarray(strata)
    W = np.zeros((n_boot, len(strata)))
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        W[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=n_boot)
    return W


def _interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.quantile(samples, [a, 1 - a])
    return float(lo), float(hi)


def _fig(value: float, samples: np.ndarray, level: float) -> dict:
    lo, hi = _interval(samples, level)
    return {"value": float(value), "low": lo, "high": hi}


def _prf(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 per value from (weighted) confusion matrices (..., K, K), rows = truth;
    an undefined ratio counts as 0 (sklearn's zero_division=0)."""
    return _ratios(np.diagonal(cm, axis1=-2, axis2=-1), cm.sum(axis=-2), cm.sum(axis=-1))


def _ratios(tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 per value from (weighted) counts of true positives, predicted and true."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(pred > 0, tp / pred, 0.0)
        r = np.where(true > 0, tp / true, 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    return p, r, f


def _codes(values, classes: list[str], what: str) -> np.ndarray:
    pos = {c: i for i, c in enumerate(classes)}
    bad = sorted({str(v) for v in values if str(v) not in pos})
    if bad:
        raise InputError(f"{what} value(s) {', '.join(map(repr, bad))} are not values of the dimension: "
                         f"{', '.join(classes)}")
    return np.array([pos[str(v)] for v in values], dtype=int)


def target_figures(dimension: str, true, predicted, proba: np.ndarray, classes: list[str],
                   weights=None, strata=None, n_boot: int = 1000, level: float = LEVEL,
                   random_state: int = 0, held_out: bool = True) -> TargetFigures:
    """Figures of a single-valued dimension on validation labels.

    true / predicted: the human label and the model's label per sampled passage; proba: the model's
    probability of each of `classes` (passages x classes; a value the model never predicts is 0);
    weights: 1 / inclusion probability (default: equal); strata: the stratum of each passage (default:
    one). `held_out=False` says the model was trained on some of these passages (figures then flatter)."""
    t = _codes(true, classes, "human label")
    p = _codes(predicted, classes, "predicted")
    n, K = len(t), len(classes)
    if n == 0:
        raise InputError(f"no validation labels for {dimension!r}; label the validation sample first")
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (n, K):
        raise InputError(f"probabilities have shape {proba.shape}; expected ({n}, {K})")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    strata = np.zeros(n, dtype=int) if strata is None else np.asarray(strata)
    rng = np.random.default_rng(random_state)
    Wb = stratified_weights(strata, n_boot, rng) * w  # replicate x passage weights

    onehot = np.eye(K)[t]
    scale = 0.5 if K == 2 else 1.0  # as in stance.models.metrics: 0 perfect, 1 always confidently wrong
    brier_each = scale * ((proba - onehot) ** 2).sum(axis=1)
    cells = np.zeros((n, K * K))
    cells[np.arange(n), t * K + p] = 1.0
    cm = (w @ cells).reshape(K, K)
    cms = (Wb @ cells).reshape(-1, K, K)
    tot, tots = w.sum(), Wb.sum(axis=1)

    class_share = (w @ onehot) / tot
    majority = int(np.argmax(class_share))
    base_p = np.full(n, majority)
    base_cells = np.zeros((n, K * K))
    base_cells[np.arange(n), t * K + base_p] = 1.0
    base_cm, base_cms = (w @ base_cells).reshape(K, K), (Wb @ base_cells).reshape(-1, K, K)
    base_brier_each = scale * ((class_share[None, :] - onehot) ** 2).sum(axis=1)

    present = (cm.sum(axis=1) > 0) | (cm.sum(axis=0) > 0)
    base_present = (base_cm.sum(axis=1) > 0) | (base_cm.sum(axis=0) > 0)
    P, R, F = _prf(cm)
    Ps, Rs, Fs = _prf(cms)
    acc, accs = np.trace(cm) / tot, np.trace(cms, axis1=1, axis2=2) / tots
    base_acc, base_accs = np.trace(base_cm) / tot, np.trace(base_cms, axis1=1, axis2=2) / tots
    metrics = {
        "accuracy": _fig(acc, accs, level),
        "macro_f1": _fig(F[present].mean(), Fs[:, present].mean(axis=1), level),
        "brier": _fig(w @ brier_each / tot, (Wb @ brier_each) / tots, level),
    }
    bF, bFs = _prf(base_cm)[2], _prf(base_cms)[2]
    baseline = {
        "accuracy": _fig(base_acc, base_accs, level),
        "macro_f1": _fig(bF[base_present].mean(), bFs[:, base_present].mean(axis=1), level),
        "brier": _fig(w @ base_brier_each / tot, (Wb @ base_brier_each) / tots, level),
    }
    difference = _fig(acc - base_acc, accs - base_accs, level)
    rows = []
    for k, c in enumerate(classes):
        plo, phi = _interval(Ps[:, k], level)
        rlo, rhi = _interval(Rs[:, k], level)
        rows.append({"value": c, "labelled": int((t == k).sum()), "predicted": int((p == k).sum()),
                     "precision": P[k], "precision_low": plo, "precision_high": phi,
                     "recall": R[k], "recall_low": rlo, "recall_high": rhi, "f1": F[k]})
    counts = np.zeros((K, K), dtype=int)
    np.add.at(counts, (t, p), 1)
    confusion = pd.DataFrame(counts, index=pd.Index(classes, name="human"),
                             columns=pd.Index(classes, name="model"))
    fig = TargetFigures(dimension, list(classes), n, metrics, baseline, classes[majority], difference,
                        pd.DataFrame(rows), confusion, "", [], held_out)
    fig.verdict, fig.warnings = _verdict(fig)
    return fig


def multi_target_figures(dimension: str, true, predicted, proba: np.ndarray, classes: list[str],
                         weights=None, strata=None, n_boot: int = 1000, level: float = LEVEL,
                         random_state: int = 0, held_out: bool = True) -> TargetFigures:
    """Figures of a dimension that takes several values per passage (see the module docstring for
    which statistics). true / predicted: a list of values per sampled passage; the rest as in
    `target_figures`."""
    n, K = len(true), len(classes)
    if n == 0:
        raise InputError(f"no validation labels for {dimension!r}; label the validation sample first")
    Y, P = _indicators(true, classes, "human label"), _indicators(predicted, classes, "predicted")
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (n, K):
        raise InputError(f"probabilities have shape {proba.shape}; expected ({n}, {K})")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    strata = np.zeros(n, dtype=int) if strata is None else np.asarray(strata)
    Wb = stratified_weights(strata, n_boot, np.random.default_rng(random_state)) * w
    tot, tots = w.sum(), Wb.sum(axis=1)

    sets = [";".join(classes[k] for k in np.flatnonzero(r)) for r in Y]
    share = pd.Series(w).groupby(sets).sum()
    majority = str(share.idxmax())
    M = np.isin(np.arange(K), [classes.index(v) for v in majority.split(";") if v]).astype(float)
    prevalence = (w @ Y) / tot

    def figures(pred: np.ndarray, prob: np.ndarray) -> tuple[dict, np.ndarray, tuple]:
        exact = (pred == Y).all(axis=1).astype(float)
        brier = ((prob - Y) ** 2).mean(axis=1)
        tp, pp, tt = pred * Y, pred, Y
        counts = [(w @ a, Wb @ a) for a in (tp, pp, tt)]
        (tp1, tpb), (pp1, ppb), (tt1, ttb) = counts
        f1, f1b = _ratios(tp1, pp1, tt1)[2], _ratios(tpb, ppb, ttb)[2]
        present = (tt1 > 0) | (pp1 > 0)
        return ({"accuracy": _fig(w @ exact / tot, (Wb @ exact) / tots, level),
                 "macro_f1": _fig(f1[present].mean(), f1b[:, present].mean(axis=1), level),
                 "brier": _fig(w @ brier / tot, (Wb @ brier) / tots, level)},
                (Wb @ exact) / tots, (tp1, pp1, tt1, tpb, ppb, ttb))

    metrics, accs, (tp1, pp1, tt1, tpb, ppb, ttb) = figures(P, proba)
    baseline, base_accs, _ = figures(np.tile(M, (n, 1)), np.tile(prevalence, (n, 1)))
    difference = _fig(metrics["accuracy"]["value"] - baseline["accuracy"]["value"], accs - base_accs, level)
    prec, rec, f1 = _ratios(tp1, pp1, tt1)
    precs, recs, _ = _ratios(tpb, ppb, ttb)
    rows, table = [], []
    for k, c in enumerate(classes):
        plo, phi = _interval(precs[:, k], level)
        rlo, rhi = _interval(recs[:, k], level)
        rows.append({"value": c, "labelled": int(Y[:, k].sum()), "predicted": int(P[:, k].sum()),
                     "precision": prec[k], "precision_low": plo, "precision_high": phi,
                     "recall": rec[k], "recall_low": rlo, "recall_high": rhi, "f1": f1[k]})
        yk, pk = Y[:, k].astype(bool), P[:, k].astype(bool)
        table.append([int((yk & pk).sum()), int((yk & ~pk).sum()), int((~yk & pk).sum()), int((~yk & ~pk).sum())])
    confusion = pd.DataFrame(table, index=pd.Index(classes, name="value"),
                             columns=pd.Index(["both", "people only", "model only", "neither"], name="passages"))
    fig = TargetFigures(dimension, list(classes), n, metrics, baseline, majority or "(no value)", difference,
                        pd.DataFrame(rows), confusion, "", [], held_out, multi=True)
    fig.verdict, fig.warnings = _verdict(fig)
    return fig


def _indicators(sets, classes: list[str], what: str) -> np.ndarray:
    """(passages x values) 0/1 matrix from a list of values per passage (a list, or "a;b")."""
    out = np.zeros((len(sets), len(classes)))
    for i, v in enumerate(sets):
        items = [x for x in (v.split(";") if isinstance(v, str) else list(v)) if str(x)]
        out[i, _codes(items, classes, what)] = 1.0
    return out


def _verdict(f: TargetFigures) -> tuple[str, list[str]]:
    """A plain sentence on the model against always choosing the most common value, and warnings."""
    acc, base, diff = f.metrics["accuracy"], f.baseline["accuracy"], f.difference
    always = f"always choosing {'the set ' if f.multi else ''}{f.majority!r}"
    figures = (f"{f.accuracy_kind} {acc['value']:.2f} ({acc['low']:.2f}-{acc['high']:.2f}) against {base['value']:.2f} "
               f"for {always}, on {f.n} validation passages")
    if diff["high"] < 0:
        verdict = f"{f.dimension}: the model is WORSE than {always} on this corpus: {figures}."
    elif not diff["low"] > 0:
        verdict = f"{f.dimension}: the model is NOT clearly better than {always} on this corpus: {figures}."
    else:
        verdict = f"{f.dimension}: the model beats {always} on this corpus: {figures}."
    warnings = []
    if f.metrics["brier"]["value"] >= f.baseline["brier"]["value"]:
        warnings.append(f"{f.dimension}: the model's probabilities are no better than the baseline's (Brier "
                        f"{f.metrics['brier']['value']:.3f} against {f.baseline['brier']['value']:.3f} for the "
                        "sample's own value shares); do not read them as confidence.")
    if not f.held_out:
        warnings.append(f"{f.dimension}: some validation passages were used to train this model, so these "
                        "figures are no longer held out and flatter it.")
    if f.n < 30:
        warnings.append(f"{f.dimension}: only {f.n} validation labels; the intervals are wide for that reason.")
    return verdict, warnings
