"""Explanations of a linear model: its strongest n-grams per value, and the terms behind one passage.

For a linear head the score of a value is the sum over features of (weight x feature value), so
"what pushed this passage toward its label" is exact: the largest products for the predicted value.
Weights are those of the LinearSVC before calibration; calibration is monotone, so the ranking holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import StanceModel


def top_terms(model: StanceModel, dimension: str | None = None, n: int = 15) -> pd.DataFrame:
    """The `n` features with the largest positive weight for each value of each dimension."""
    names = np.asarray(model.feature_names(), dtype=object)
    rows = []
    for dim in [dimension] if dimension else model.dimensions_:
        head = model.head(dim)
        coef = head.coef_
        head_classes = (model.classes_[dim] if head.multilabel_ else [str(c) for c in head.classes_])
        for value in model.classes_[dim]:
            w = coef[head_classes.index(value)]
            for rank, j in enumerate(np.argsort(-w)[:n], start=1):
                if w[j] <= 0:
                    break
                rows.append({"dimension": dim, "value": value, "rank": rank,
                             "feature": _pretty(names[j]), "weight": float(w[j])})
    return pd.DataFrame(rows, columns=["dimension", "value", "rank", "feature", "weight"])


def explain(model: StanceModel, text: str, dimension: str | None = None, n: int = 10,
            target: str | None = None) -> list[dict]:
    """For one passage and each dimension: the label, the probability of every value, and the `n`
    terms that pushed the passage most toward the label (weight x feature value)."""
    X = model.transform([text], None if target is None else [target])
    x = X.tocsr()
    names = model.feature_names()
    out = []
    for dim in [dimension] if dimension else model.dimensions_:
        head = model.head(dim)
        proba = model.predict_proba_from_features(X, dim)[0]
        label = model.predict_from_features(X, dim)[0]
        coef = head.coef_
        head_classes = model.classes_[dim] if head.multilabel_ else [str(c) for c in head.classes_]
        targets = label if isinstance(label, list) else [label]
        if not targets:  # multi-valued with nothing selected: explain the most probable value
            targets = [model.classes_[dim][int(np.argmax(proba))]]
        terms = []
        for value in targets:
            w = coef[head_classes.index(value)]
            contrib = x.data * w[x.indices]
            order = np.argsort(-contrib)[:n]
            terms.extend({"value": value, "feature": _pretty(names[x.indices[i]]),
                          "feature_value": float(x.data[i]), "weight": float(w[x.indices[i]]),
                          "contribution": float(contrib[i])} for i in order if contrib[i] > 0)
        out.append({"dimension": dim, "label": label,
                    "probabilities": dict(zip(model.classes_[dim], map(float, proba), strict=True)),
                    "terms": pd.DataFrame(terms, columns=["value", "feature", "feature_value", "weight",
                                                          "contribution"])})
    return out


def _pretty(name: str) -> str:
    """'word__pull troops' -> 'pull troops' (words); 'char__ iran' -> '"iran" (chars)'."""
    if name.startswith("word__"):
        return name[6:]
    if name.startswith("char__"):
        return f'"{name[6:]}" (chars)'
    if name.startswith("embed__"):
        return f"embedding {name[7:]}"
    return name
