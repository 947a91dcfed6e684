"""Agreement between annotators: Krippendorff's alpha and pairwise Cohen's kappa, per dimension.

Numbers come from maintained libraries: alpha from `krippendorff` (nominal for single-valued
dimensions; for multi-valued ones with NLTK's MASI set distance), kappa from scikit-learn.
Where a number is undefined (one annotator, no shared passage, no variation) it is None with a
reason, never a crash or a misleading 1.0.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import store
from ..errors import InputError

if TYPE_CHECKING:
    from ..store import Project

# Below this many passages with two or more annotators, the report says the numbers are unstable.
SMALL_OVERLAP = 30
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 0


@dataclass
class PairAgreement:
    """Two annotators on the passages both labelled for one dimension."""

    annotator_a: str
    annotator_b: str
    n_shared: int
    agreement: float | None  # share of shared passages with exactly the same value
    kappa: float | None  # Cohen's kappa (for multi-valued dimensions: on the exact set of values)
    kappa_reason: str  # why kappa is None, or ""
    alpha: float | None  # Krippendorff's alpha for this pair (same distance as the dimension's alpha)
    confusion: pd.DataFrame  # rows: annotator_a's values, columns: annotator_b's values


@dataclass
class DimensionAgreement:
    """Agreement on one codebook dimension."""

    dimension: str
    multi: bool
    distance: str  # "nominal" or "MASI"
    annotators: list[str]
    n_passages: int  # passages labelled on this dimension by anyone
    n_overlap: int  # passages labelled on this dimension by two or more annotators
    alpha: float | None
    alpha_reason: str  # why alpha is None, or ""
    alpha_ci: tuple[float, float] | None  # 95% bootstrap interval over passages
    observed_agreement: float | None  # share of overlapping passages where every annotator agrees
    pairs: list[PairAgreement] = field(default_factory=list)
    warning: str = ""  # said out loud when the overlap is small


@dataclass
class AgreementReport:
    """Agreement per dimension; `to_frame()` for one row per dimension, `pairs_frame()` per pair.
    `relabels` names what was left out: {annotator: passages relabelled} (not independent readings)."""

    dimensions: dict[str, DimensionAgreement]
    annotators: list[str]
    relabels: dict[str, int] = field(default_factory=dict)

    def left_out(self) -> str:
        """One line saying which labels agreement did not count, or "" when none."""
        if not self.relabels:
            return ""
        who = ", ".join(f"{n} by {a}" for a, n in self.relabels.items())
        return (f"Left out: relabels ({who}): a passage read again knowing its earlier label is not an "
                "independent reading; they stay in the history and in gold.")

    def __getitem__(self, dimension: str) -> DimensionAgreement:
        return self.dimensions[dimension]

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for d in self.dimensions.values():
            rows.append({
                "dimension": d.dimension, "distance": d.distance, "annotators": len(d.annotators),
                "passages": d.n_passages, "overlap": d.n_overlap, "alpha": d.alpha,
                "alpha_low": d.alpha_ci[0] if d.alpha_ci else None,
                "alpha_high": d.alpha_ci[1] if d.alpha_ci else None,
                "observed_agreement": d.observed_agreement,
                "note": "; ".join(x for x in (d.alpha_reason, d.warning) if x),
            })
        return pd.DataFrame(rows, columns=["dimension", "distance", "annotators", "passages", "overlap", "alpha",
                                           "alpha_low", "alpha_high", "observed_agreement", "note"])

    def pairs_frame(self) -> pd.DataFrame:
        rows = [
            {"dimension": d.dimension, "annotator_a": p.annotator_a, "annotator_b": p.annotator_b,
             "shared": p.n_shared, "agreement": p.agreement, "kappa": p.kappa, "alpha": p.alpha,
             "note": p.kappa_reason}
            for d in self.dimensions.values() for p in d.pairs
        ]
        return pd.DataFrame(rows, columns=["dimension", "annotator_a", "annotator_b", "shared", "agreement",
                                           "kappa", "alpha", "note"])


# -- the label table --------------------------------------------------------------------------------

def label_table(project: Project, dimensions: list[str] | None = None, annotators: list[str] | None = None,
                shared_only: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """{dimension: {passage_id: {annotator: value}}} from each annotator's current independent labels.

    Relabels (source 'relabel': a passage read again, e.g. under a newer codebook, knowing its earlier
    label) are left out, so a relabeller never counts as a second reader and is never a disagreement
    to adjudicate; they stay in the history and gold. Multi-valued values are tuples of sorted value
    names, so they compare and hash as sets do.
    `shared_only` keeps passages with two or more annotators (what disagreements need), read
    straight from SQLite so that a large project is not parsed whole.
    """
    cb = project.codebook
    dims = [cb.dimension(d) for d in (dimensions or cb.dimension_names)]
    if annotators:
        present = store.annotators_with_labels(project.conn)
        missing = sorted(set(annotators) - present)
        if missing:
            raise InputError(f"no labels by {', '.join(map(repr, missing))}; annotators with labels: "
                             f"{', '.join(sorted(present)) or 'none'}")
    table: dict[str, dict[str, dict[str, Any]]] = {d.name: {} for d in dims}
    for pid, who, labels_json in store.current_label_rows(project.conn, annotators, shared_only, independent=True):
        labels = json.loads(labels_json)
        for d in dims:
            value = labels.get(d.name)
            if value in (None, "", []):
                continue
            if d.multi:
                value = tuple(sorted(value if isinstance(value, list) else [value]))
            table[d.name].setdefault(pid, {})[who] = value
    return table


def show_value(value: Any) -> str:
    """A label as text: the value, or a multi-valued set joined with ';'."""
    return ";".join(value) if isinstance(value, (tuple, list)) else str(value)


# -- alpha and kappa ---------------------------------------------------------------------------------

def _masi(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    from nltk.metrics.distance import masi_distance

    return float(masi_distance(set(a), set(b)))


def _alpha_from_counts(counts: np.ndarray, distances: np.ndarray | None) -> float:
    """Krippendorff's alpha from a units x values count matrix (nominal, or a precomputed distance matrix)."""
    import krippendorff

    if distances is None:
        return float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):  # krippendorff's DistanceMetric protocol
        return distances[i1, i2].astype(dtype)

    return float(krippendorff.alpha(value_counts=counts, level_of_measurement=metric))


def _units(by_passage: dict[str, dict[str, Any]]) -> tuple[list[str], list[Any], np.ndarray]:
    """Passages with two or more labels, the value domain, and the passages x values count matrix."""
    pids = [pid for pid, choices in by_passage.items() if len(choices) >= 2]
    domain = sorted({v for pid in pids for v in by_passage[pid].values()}, key=show_value)
    index = {v: i for i, v in enumerate(domain)}
    counts = np.zeros((len(pids), len(domain)), dtype=int)
    for row, pid in enumerate(pids):
        for v in by_passage[pid].values():
            counts[row, index[v]] += 1
    return pids, domain, counts


def _alpha(by_passage: dict[str, dict[str, Any]], multi: bool, bootstrap: int = 0
           ) -> tuple[float | None, str, tuple[float, float] | None]:
    """(alpha, reason when undefined, bootstrap interval) for {passage: {annotator: value}}."""
    annotators = {a for choices in by_passage.values() for a in choices}
    if not annotators:
        return None, "no labels on this dimension yet", None
    if len(annotators) == 1:
        return None, f"only 1 annotator ({next(iter(annotators))}): alpha needs two or more", None
    pids, domain, counts = _units(by_passage)
    if not pids:
        return None, "no passage was labelled by two or more annotators: alpha is undefined", None
    if len(domain) == 1:
        return None, (f"every label on the {len(pids)} shared passage{'s' if len(pids) != 1 else ''} is "
                      f"{show_value(domain[0])!r}: no variation, so alpha is undefined (observed agreement 100%)"), None
    distances = None
    if multi:
        distances = np.array([[_masi(a, b) for b in domain] for a in domain])
    value = _alpha_from_counts(counts, distances)
    interval = None
    if bootstrap and len(pids) >= 2:
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        samples = []
        for _ in range(bootstrap):
            sample = counts[rng.integers(0, len(pids), len(pids))]
            used = sample.sum(axis=0) > 0
            if used.sum() < 2:  # one value in the whole resample: alpha undefined, left out
                continue
            sub = distances[np.ix_(used, used)] if distances is not None else None
            samples.append(_alpha_from_counts(sample[:, used], sub))
        finite = np.array([s for s in samples if np.isfinite(s)])
        if len(finite):
            interval = (float(np.quantile(finite, 0.025)), float(np.quantile(finite, 0.975)))
    return value, "", interval


def _pair(a: str, b: str, by_passage: dict[str, dict[str, Any]], multi: bool,
          order: list[str]) -> PairAgreement:
    from sklearn.metrics import cohen_kappa_score

    shared = [pid for pid, choices in by_passage.items() if a in choices and b in choices]
    ya = [show_value(by_passage[p][a]) for p in shared]
    yb = [show_value(by_passage[p][b]) for p in shared]
    used = set(ya) | set(yb)
    values = [v for v in order if v in used] + sorted(used - set(order))
    index = {v: i for i, v in enumerate(values)}
    cells = np.zeros((len(values), len(values)), dtype=int)
    for x, y in zip(ya, yb, strict=True):
        cells[index[x], index[y]] += 1
    confusion = pd.DataFrame(cells, index=pd.Index(values, name=a), columns=pd.Index(values, name=b))
    kappa, reason = None, ""
    if len(shared) < 2:
        reason = f"{len(shared)} shared passage{'' if len(shared) == 1 else 's'}: kappa needs at least two"
    elif len(used) == 1:
        reason = f"both chose {ya[0]!r} on every shared passage: no variation, so kappa is undefined"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = cohen_kappa_score(ya, yb, labels=values)
        if np.isfinite(k):
            kappa = float(k)
        else:
            reason = "kappa is undefined: each annotator used a single value"
    pair_alpha, _, _ = _alpha({p: {a: by_passage[p][a], b: by_passage[p][b]} for p in shared}, multi)
    agreement = float(np.mean([x == y for x, y in zip(ya, yb, strict=True)])) if shared else None
    return PairAgreement(a, b, len(shared), agreement, kappa, reason, pair_alpha, confusion)


def agreement(project: Project, dimensions: list[str] | None = None, annotators: list[str] | None = None,
              bootstrap: int = BOOTSTRAP_SAMPLES) -> AgreementReport:
    """Agreement per dimension on each annotator's current independent labels (relabels left out,
    and named in the report's `relabels`).

    Krippendorff's alpha (nominal; MASI for multi-valued dimensions) over every passage with two or
    more annotators, with a 95% bootstrap interval over passages (`bootstrap` resamples; 0 for none),
    and Cohen's kappa with a confusion table for every pair of annotators.
    """
    cb = project.codebook
    table = label_table(project, dimensions, annotators)
    everyone: set[str] = set()
    out: dict[str, DimensionAgreement] = {}
    for name, by_passage in table.items():
        dim = cb.dimension(name)
        names = sorted({a for choices in by_passage.values() for a in choices})
        everyone.update(names)
        alpha, reason, interval = _alpha(by_passage, dim.multi, bootstrap)
        overlap = [choices for choices in by_passage.values() if len(choices) >= 2]
        observed = (float(np.mean([len(set(c.values())) == 1 for c in overlap])) if overlap else None)
        order = dim.value_names
        pairs = [_pair(a, b, by_passage, dim.multi, order) for a, b in combinations(names, 2)]
        warning = ""
        if 0 < len(overlap) < SMALL_OVERLAP:
            warning = (f"only {len(overlap)} passage{'s' if len(overlap) != 1 else ''} with two or more "
                       f"annotators: treat alpha and kappa as rough (see the interval)")
        out[name] = DimensionAgreement(
            dimension=name, multi=dim.multi, distance="MASI" if dim.multi else "nominal", annotators=names,
            n_passages=len(by_passage), n_overlap=len(overlap), alpha=alpha, alpha_reason=reason,
            alpha_ci=interval, observed_agreement=observed, pairs=pairs, warning=warning,
        )
    relabels = store.relabels_per_annotator(project.conn)
    if annotators:
        relabels = {a: n for a, n in relabels.items() if a in annotators}
    return AgreementReport(out, sorted(everyone), relabels)
