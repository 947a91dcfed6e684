"""Transfer checks: how far a corpus is from the data the model was trained on, measured before anyone
looks at a chart. Three figures per model and corpus:

- the share of passages whose words the model has barely seen: fewer than half of a passage's content
  words (scikit-learn's English stop words and numbers left out) are in the model's word vocabulary,
  which is all a TF-IDF model reads. For scale: the embedded op-ed passages the demo model was trained
  on have a median coverage of 78% and none is barely seen; in the US presidential speeches the median
  is 50% and about half are barely seen;
- per dimension, the shift of the predicted distribution against the training labels' distribution
  (total variation distance: half the summed absolute differences, 0 same, 1 disjoint);
- per dimension, the mean confidence (the probability of the predicted value), beside the share of
  passages the model labels with under 0.5 confidence.

None of these says the model is wrong on the corpus; a validation sample does. They say how much the
cross-validated figures from the training corpus can be trusted here: little, when they are large.

A project's checks use every scored passage. `stance score FILE` keeps a uniform random sample of the
passages as its batches go by (`TransferSample`, at most SAMPLE_SIZE) and measures the checks on it:
5,000 passages put a share within about ±0.014 (95%) of the whole run's, and the run stays as fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BARELY_SEEN = 0.5        # a passage with under this share of its word tokens known to the model
SHIFT_WARNING = 0.25     # total variation distance above which the predicted mix is called far off
UNSEEN_WARNING = 0.25    # share of barely-seen passages above which the corpus is called unfamiliar
SAMPLE_SIZE = 5000       # passages of a file run kept for its transfer checks


@dataclass
class TransferChecks:
    """Transfer figures of one model on one corpus."""

    passages: int
    vocabulary_coverage: float | None          # median share of a passage's word tokens the model knows
    barely_seen: float | None                  # share of passages under BARELY_SEEN coverage
    dimensions: pd.DataFrame                   # dimension, shift, mean_confidence, low_confidence
    distributions: pd.DataFrame                # dimension, value, training_share, predicted_share
    warnings: list[str] = field(default_factory=list)
    sampled_from: int | None = None            # the run's passages, when the checks are on a sample of them

    def lines(self) -> list[str]:
        """The checks as short lines for the terminal and the report."""
        out = []
        if self.sampled_from is not None and self.sampled_from > self.passages:
            out.append(f"Measured on a random sample of {self.passages:,} of the {self.sampled_from:,} passages.")
        if self.barely_seen is not None:
            out.append(f"{self.barely_seen:.0%} of {self.passages:,} passages use words the model has barely seen "
                       f"(under {BARELY_SEEN:.0%} of their content words in its vocabulary; median coverage "
                       f"{self.vocabulary_coverage:.0%}).")
        for r in self.dimensions.itertuples():
            shift = "n/a" if not np.isfinite(r.shift) else f"{r.shift:.2f}"
            out.append(f"{r.dimension}: predicted mix vs training labels, distance {shift}; mean confidence "
                       f"{r.mean_confidence:.2f} ({r.low_confidence:.0%} of passages under 0.5).")
        return out


def word_coverage(model, texts: Sequence[str]) -> np.ndarray | None:
    """Per text, the share of its content words (not stop words, not numbers) in the model's word
    vocabulary (None when the model has no word vocabulary to compare with). A text without a content
    word counts as unseen."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectorizer = getattr(model, "vectorizer_", None)
    parts = dict(getattr(vectorizer, "transformer_list", []))
    word = parts.get("word")
    vocab = getattr(word, "vocabulary_", None)
    if word is None or vocab is None:
        return None
    known = {t for t in vocab if " " not in t}  # unigrams of the 1-2-gram vocabulary
    tokenize, prep = word.build_tokenizer(), word.build_preprocessor()
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        tokens = [t for t in tokenize(prep(str(text or ""))) if t not in ENGLISH_STOP_WORDS and not t.isdigit()]
        out[i] = sum(t in known for t in tokens) / len(tokens) if tokens else 0.0
    return out


def training_distribution(model, dimension: str) -> dict[str, float]:
    """Share of each value among the model's training labels (from its recorded class counts)."""
    counts = (getattr(model, "training_", {}) or {}).get(dimension, {}).get("class_counts", {})
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def transfer_checks(model, scores: pd.DataFrame, dimensions: Sequence[str] | None = None,
                    text_col: str = "text") -> TransferChecks:
    """Transfer figures of `model` (a fitted `StanceModel`) on the scored passages `scores` (passage-level
    frame with `D` labels and `D:value` probabilities; boilerplate rows are left out)."""
    frame = scores
    if "is_boilerplate" in frame.columns:
        frame = frame[~frame["is_boilerplate"].fillna(False).astype(bool)]
    dims = [d for d in (dimensions or getattr(model, "dimensions_", [])) if d in frame.columns]
    cover = word_coverage(model, frame[text_col].tolist()) if text_col in frame.columns else None
    dim_rows, dist_rows = [], []
    for d in dims:
        classes = list(getattr(model, "classes_", {}).get(d, []))
        cols = [f"{d}:{v}" for v in classes if f"{d}:{v}" in frame.columns]
        multi = bool(getattr(model, "multi_", {}).get(d, False))
        train = training_distribution(model, d)
        labels = frame[d].dropna().astype(str)
        if multi:
            items = labels.str.split(";").explode()
            predicted = (items[items != ""].value_counts() / max(len(labels), 1)).to_dict()
        else:
            predicted = labels.value_counts(normalize=True).to_dict()
        values = list(dict.fromkeys([*classes, *train, *predicted]))
        for v in values:
            dist_rows.append({"dimension": d, "value": v, "training_share": train.get(v, 0.0),
                              "predicted_share": predicted.get(v, 0.0)})
        shift = (0.5 * sum(abs(train.get(v, 0.0) - predicted.get(v, 0.0)) for v in values)
                 if train and not multi else np.nan)
        if cols:
            P = frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
            conf = np.where(P >= 0.5, P, 1 - P).mean(axis=1) if multi else np.nanmax(P, axis=1)
            mean_conf, low = float(np.nanmean(conf)), float(np.mean(conf < 0.5))
        else:
            mean_conf = low = np.nan
        dim_rows.append({"dimension": d, "shift": shift, "mean_confidence": mean_conf, "low_confidence": low})
    checks = TransferChecks(
        passages=len(frame),
        vocabulary_coverage=None if cover is None or not len(cover) else float(np.median(cover)),
        barely_seen=None if cover is None or not len(cover) else float(np.mean(cover < BARELY_SEEN)),
        dimensions=pd.DataFrame(dim_rows, columns=["dimension", "shift", "mean_confidence", "low_confidence"]),
        distributions=pd.DataFrame(dist_rows, columns=["dimension", "value", "training_share", "predicted_share"]),
    )
    checks.warnings = _warnings(checks)
    return checks


def _warnings(c: TransferChecks) -> list[str]:
    out = []
    if c.barely_seen is not None and c.barely_seen > UNSEEN_WARNING:
        out.append(f"{c.barely_seen:.0%} of the passages use words this model has barely seen: it is reading text "
                   "unlike its training data, and its cross-validated figures do not carry over.")
    far = c.dimensions[c.dimensions["shift"] > SHIFT_WARNING]
    for r in far.itertuples():
        out.append(f"{r.dimension}: the predicted mix is far from the training labels' (distance {r.shift:.2f}); "
                   "either the corpus really differs or the model misreads it; only a validation sample can tell.")
    return out


def merge_checks(checks: Sequence[TransferChecks]) -> TransferChecks | None:
    """The checks of several models on the same passages (one per model file) as one; None for none."""
    if not checks:
        return None
    first = checks[0]
    return TransferChecks(first.passages, first.vocabulary_coverage, first.barely_seen,
                          pd.concat([c.dimensions for c in checks], ignore_index=True),
                          pd.concat([c.distributions for c in checks], ignore_index=True),
                          list(dict.fromkeys(w for c in checks for w in c.warnings)), first.sampled_from)


class TransferSample:
    """A uniform random sample, without replacement, of at most `size` scored passages of a run, kept
    while its batches stream by: every passage gets a seeded random key and the `size` smallest keys
    stay (bottom-k sampling), so memory stays flat however long the run."""

    def __init__(self, size: int = SAMPLE_SIZE, seed: int = 0) -> None:
        self.size, self.seen = size, 0
        self._rng = np.random.default_rng(seed)
        self._kept: pd.DataFrame | None = None

    def add(self, scored: pd.DataFrame) -> None:
        """Offer one scored passage-level batch (with its text column); boilerplate is left out, as the
        checks leave it out."""
        if "is_boilerplate" in scored.columns:
            scored = scored[~scored["is_boilerplate"].fillna(False).astype(bool)]
        if not len(scored):
            return
        self.seen += len(scored)
        part = scored.assign(_key=self._rng.random(len(scored)))
        both = part if self._kept is None else pd.concat([self._kept, part], ignore_index=True)
        self._kept = both.nsmallest(self.size, "_key") if len(both) > self.size else both

    @property
    def frame(self) -> pd.DataFrame:
        """The kept passages (empty before any batch)."""
        return pd.DataFrame() if self._kept is None else self._kept.drop(columns="_key").reset_index(drop=True)

    def checks(self, groups: Sequence[tuple[object, Sequence[str]]]) -> TransferChecks | None:
        """The transfer checks of each (model, dimensions) of a scoring plan on the kept passages."""
        frame = self.frame
        if frame.empty or "text" not in frame.columns:
            return None
        merged = merge_checks([transfer_checks(model, frame, dims) for model, dims in groups])
        if merged is not None:
            merged.sampled_from = self.seen
        return merged


def model_file_transfer(path, scores: pd.DataFrame, codebook=None) -> TransferChecks | None:
    """Transfer checks of the model file `path` on a scores table (word coverage only when the table
    has its text, as `stance score --with-text` writes it); None when the file cannot be read."""
    from ..errors import StanceError
    from ..models import load_model

    try:
        model = load_model(path, codebook=codebook)
    except (StanceError, OSError):
        return None
    dims = [d for d in model.dimensions_ if d in scores.columns]
    return transfer_checks(model, scores, dims) if dims else None
