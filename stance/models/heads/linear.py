"""What every head shares: one calibrated `LinearHead` per dimension on the head's features.

A head subclasses `LinearHeads`, makes its features in `fit` and `features`, and calls
`fit_classifiers`; `matrix(features, dimension)` picks a dimension's feature matrix (the same one for
every dimension unless the head overrides it, as the fine-tuned encoder head does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ...errors import ModelError
from ..data import has_label
from ..head import LinearHead

LINEAR_TYPES = ("stance.models.head.LinearHead", "stance.models.head._BinaryOrMulti")


class LinearHeads:
    """One LinearHead per dimension (see `stance.models.head`); `classifier` holds its parameters."""

    def __init__(self, classifier: dict, random_state: int = 0):
        self.classifier_params = dict(classifier)
        self.random_state = random_state

    def fit_classifiers(self, matrix: Callable[[str], object], Y: pd.DataFrame, groups: np.ndarray,
                        classes: dict | None) -> None:
        """Fit each dimension's classifier on `matrix(dimension)` (one row per row of `Y`)."""
        self.dimensions_ = [str(c) for c in Y.columns]
        self.classifiers_: dict[str, LinearHead] = {}
        self.classes_: dict[str, list[str]] = {}
        self.multi_: dict[str, bool] = {}
        self.n_train_: dict[str, int] = {}
        for dim in self.dimensions_:
            col = Y[dim]
            mask = np.asarray([has_label(v) for v in col])
            multi = any(isinstance(v, (list, tuple, np.ndarray)) for v in col[mask])
            head = LinearHead(random_state=self.random_state, **self.classifier_params)
            X = matrix(dim)
            if multi:
                names = list((classes or {}).get(dim) or sorted({x for v in col[mask] for x in v}))
                y = np.zeros((mask.sum(), len(names)), dtype=int)
                for i, v in enumerate(col[mask]):
                    for x in v:
                        y[i, names.index(x)] = 1
                head.fit(X[mask], y, groups[mask])
                self.classes_[dim] = names
            else:
                y = np.asarray([str(v) for v in col[mask]], dtype=object)
                head.fit(X[mask], y, groups[mask])
                # columns follow the head's (sorted) classes_, as in every scikit-learn classifier
                self.classes_[dim] = [str(c) for c in head.classes_]
            self.classifiers_[dim] = head
            self.multi_[dim] = multi
            self.n_train_[dim] = int(mask.sum())

    def classifier(self, dimension: str) -> LinearHead:
        """The dimension's LinearHead."""
        if dimension not in self.classifiers_:
            raise ModelError(f"this model has no head for dimension {dimension!r}; it has: "
                             f"{', '.join(self.dimensions_)}")
        return self.classifiers_[dimension]

    def classes(self, dimension: str) -> list[str]:
        return self.classes_[dimension]

    def matrix(self, features, dimension: str):
        """The feature matrix `dimension`'s classifier reads."""
        return features

    def predict_proba(self, features, dimension: str) -> np.ndarray:
        """Probabilities, one column per value in `classes(dimension)` order."""
        return self.classifier(dimension).predict_proba(self.matrix(features, dimension))
