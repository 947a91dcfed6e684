"""Explanations: a model's strongest terms per value, and what pushed one passage toward its label.

Each head explains itself (`Head.explain`, `top_terms` where it has per-term weights). For the tfidf
head the score of a value is the sum over features of (weight x feature value), so "what pushed this
passage toward its label" is exact: the largest products for the predicted value. Weights are those of
the LinearSVC before calibration; calibration is monotone, so the ranking holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError
from .model import StanceModel

TERM_COLUMNS = ["value", "feature", "feature_value", "weight", "contribution"]


def top_terms(model: StanceModel, dimension: str | None = None, n: int = 15) -> pd.DataFrame:
    """The `n` features with the largest positive weight for each value of each dimension."""
    dims = [dimension] if dimension else model.dimensions_
    head = model.head_
    if not hasattr(head, "top_terms"):
        raise ModelError(f"the {head.name} head has no per-term weights; explain one passage instead "
                         "(stance explain --text ...)")
    rows = [r for dim in dims for r in head.top_terms(dim, n)]
    return pd.DataFrame(rows, columns=["dimension", "value", "rank", "feature", "weight"])


def explain(model: StanceModel, text: str, dimension: str | None = None, n: int = 10,
            target: str | None = None) -> list[dict]:
    """For one passage and each dimension: the label, the probability of every value, and the `n`
    terms that pushed the passage most toward the label."""
    X = model.transform([text], None if target is None else [target])
    out = []
    for dim in [dimension] if dimension else model.dimensions_:
        proba = model.predict_proba_from_features(X, dim)[0]
        label = model.predict_from_features(X, dim)[0]
        values = label if isinstance(label, list) else [label]
        if not values:  # multi-valued with nothing selected: explain the most probable value
            values = [model.classes_[dim][int(np.argmax(proba))]]
        terms = model.head_.explain(X, dim, [values], n)[0]
        out.append({"dimension": dim, "label": label,
                    "probabilities": dict(zip(model.classes_[dim], map(float, proba), strict=True)),
                    "terms": pd.DataFrame(terms, columns=TERM_COLUMNS)})
    return out
