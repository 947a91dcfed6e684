"""Heads: what turns passages into each dimension's probabilities, behind one small protocol.

A head is one module here with one class, named in `HEADS`. `StanceModel` (and through it training,
evaluation, scoring, the Dask engine, explanations, persistence and the CLI) only uses the protocol
below, so a new kind of head is a new module plus one registry line. Modules are imported when their
head is asked for: the tfidf head never imports torch.

- `tfidf` (default): word 1-2 + char_wb 2-5 TF-IDF and a calibrated linear classifier per dimension.
- `embed`: frozen all-MiniLM-L6-v2 sentence embeddings and the same linear classifier per dimension.
- `setfit`: the encoder fine-tuned contrastively on each dimension's labels (SetFit), then that classifier.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from ...errors import ModelError

HEADS: dict[str, str] = {
    "tfidf": "stance.models.heads.tfidf:TfidfHead",
    "embed": "stance.models.heads.embed:EmbedHead",
    "setfit": "stance.models.heads.setfit:SetFitHead",
}
DEFAULT_HEAD = "tfidf"


class Head(Protocol):
    """What every head does. `features` is computed once per batch and read by every dimension."""

    name: ClassVar[str]
    OPTIONS: ClassVar[tuple[str, ...]]  # the StanceModel parameters the head reads
    TRUSTED_TYPES: ClassVar[tuple[str, ...]]  # the types its saved state holds (for loading safely)

    def fit(self, texts: list[str], Y: pd.DataFrame, groups: np.ndarray, targets, classes: dict,
            encoder=None) -> Head: ...
    def features(self, texts: list[str], targets=None) -> Any: ...
    def predict_proba(self, features, dimension: str) -> np.ndarray: ...
    def classes(self, dimension: str) -> list[str]: ...
    def explain(self, features, dimension: str, values: list[list[str]], n: int) -> list[list[dict]]: ...
    def describe(self) -> dict: ...


def head_class(name: str) -> type:
    """The class registered as `name`."""
    if name not in HEADS:
        raise ModelError(f"unknown head {name!r}; valid: {', '.join(HEADS)}")
    module, cls = HEADS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_head(name: str, classifier: dict, random_state: int, options: dict) -> Head:
    """A new, unfitted head `name`; `options` are StanceModel parameters, each head takes its own."""
    cls = head_class(name)
    return cls(classifier=classifier, random_state=random_state,
               **{k: v for k, v in options.items() if k in cls.OPTIONS})


def trusted_types() -> list[str]:
    """Every type that a saved head may hold."""
    return sorted({t for name in HEADS for t in head_class(name).TRUSTED_TYPES})
