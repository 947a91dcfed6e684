"""StanceModel: one shared vectoriser and one linear head per dimension.

`transform(texts)` once, then `predict_proba_from_features(X, dimension)` for every dimension: that is
how scoring stays fast. `pipeline(dimension)` gives the familiar scikit-learn Pipeline view of one
dimension (vectoriser + head) for users who want one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from ..errors import ModelError
from .data import has_label
from .features import TargetFeatures, make_vectorizer, vectorizer_fingerprint
from .head import DEFAULT_CS, LinearHead


class StanceModel(BaseEstimator):
    """Classifiers for several codebook dimensions sharing one text vectoriser.

    Parameters
    ----------
    features : "tfidf" (word 1-2 + char_wb 2-5 n-grams) or "tfidf+embeddings".
    C, Cs, cv, decision, class_weight, random_state : passed to every dimension's `LinearHead`.
    min_df : minimum document frequency of an n-gram (1 is used below 50 texts).
    target_min_count : with targets, targets seen this often get their own feature copy.

    `fit(texts, Y, groups=None, targets=None)`: `Y` is a DataFrame with one column per dimension
    (a string label, a list of labels for multi-valued dimensions, or None where unlabelled);
    `groups` are document ids (inner cross-validation never splits a document); `targets` is the
    stated target of each passage's stance, for data sets where stance is toward a given target.
    """

    def __init__(self, features: str = "tfidf", C="auto", Cs=DEFAULT_CS, cv: int = 3,
                 decision: str = "balanced", class_weight="balanced", min_df: int = 2,
                 target_min_count: int = 50, random_state: int = 0):
        self.features = features
        self.C = C
        self.Cs = Cs
        self.cv = cv
        self.decision = decision
        self.class_weight = class_weight
        self.min_df = min_df
        self.target_min_count = target_min_count
        self.random_state = random_state

    def fit(self, texts: Sequence[str], Y: pd.DataFrame, groups=None, targets=None, classes=None):
        """Fit the vectoriser on all `texts`, then one head per column of `Y` on its labelled rows.

        `classes` optionally maps a multi-valued dimension to its value names (the codebook's order);
        single-valued dimensions list their values in sorted order, as scikit-learn classifiers do.
        """
        texts = _texts(texts)
        if not isinstance(Y, pd.DataFrame):
            raise ModelError("Y must be a DataFrame with one column per dimension")
        if len(Y) != len(texts):
            raise ModelError(f"{len(texts)} texts but {len(Y)} label rows: they must be the same length")
        groups = np.arange(len(texts)) if groups is None else np.asarray(groups)
        min_df = self.min_df if len(texts) >= 50 else 1
        # duplicate texts (boilerplate, one comment paired with several targets) count once
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        self.vectorizer_ = make_vectorizer(self.features, min_df=min_df).fit(unique.tolist())
        Xtext = self.vectorizer_.transform(unique.tolist())[inverse.ravel()]
        if targets is not None:
            self.target_features_ = TargetFeatures(min_count=self.target_min_count).fit(Xtext, targets)
            X = self.target_features_.transform(Xtext, targets, texts)
        else:
            self.target_features_ = None
            X = Xtext.tocsr()
        self.fingerprint_ = vectorizer_fingerprint(self.vectorizer_)
        self.dimensions_ = [str(c) for c in Y.columns]
        self.heads_: dict[str, LinearHead] = {}
        self.classes_: dict[str, list[str]] = {}
        self.multi_: dict[str, bool] = {}
        self.n_train_: dict[str, int] = {}
        for dim in self.dimensions_:
            col = Y[dim]
            mask = np.asarray([has_label(v) for v in col])
            multi = any(isinstance(v, (list, tuple, np.ndarray)) for v in col[mask])
            head = LinearHead(C=self.C, Cs=self.Cs, cv=self.cv, decision=self.decision,
                              class_weight=self.class_weight, random_state=self.random_state)
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
            self.heads_[dim] = head
            self.multi_[dim] = multi
            self.n_train_[dim] = int(mask.sum())
        self.n_features_ = X.shape[1]
        return self

    # -- features ------------------------------------------------------------------------------
    def transform(self, texts: Sequence[str], targets=None):
        """Vectorise once; the result feeds every dimension's head."""
        self._check_fitted()
        texts = _texts(texts)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        X = self.vectorizer_.transform(unique.tolist())[inverse.ravel()]  # back to input order
        if self.target_features_ is not None:
            if targets is None:
                raise ModelError("this model was trained with a target per passage (stance toward a "
                                 "stated target): pass targets=... with one target per text")
            return self.target_features_.transform(X, targets, texts)
        return X.tocsr()

    def feature_names(self) -> list[str]:
        names = [str(n) for n in self.vectorizer_.get_feature_names_out()]
        if self.target_features_ is not None:
            names = self.target_features_.feature_names(names)
        return names

    # -- prediction ----------------------------------------------------------------------------
    def head(self, dimension: str) -> LinearHead:
        self._check_fitted()
        if dimension not in self.heads_:
            raise ModelError(f"this model has no head for dimension {dimension!r}; it has: "
                             f"{', '.join(self.dimensions_)}")
        return self.heads_[dimension]

    def predict_proba_from_features(self, X, dimension: str) -> np.ndarray:
        """Probabilities, one column per value in `classes_[dimension]` order."""
        return self.head(dimension).predict_proba(X)

    def predict_from_features(self, X, dimension: str) -> list:
        """Labels (a list of value lists for multi-valued dimensions)."""
        return self.labels_from_proba(self.predict_proba_from_features(X, dimension), dimension)

    def labels_from_proba(self, proba: np.ndarray, dimension: str) -> list:
        """Labels from probabilities already computed by `predict_proba_from_features`."""
        head = self.head(dimension)
        pred = head.predict_from_proba(proba)
        if head.multilabel_:
            names = self.classes_[dimension]
            return [[names[j] for j in np.flatnonzero(row)] for row in pred]
        return [str(p) for p in pred]

    def predict_proba(self, texts: Sequence[str], dimension: str, targets=None) -> np.ndarray:
        return self.predict_proba_from_features(self.transform(texts, targets), dimension)

    def predict(self, texts: Sequence[str], targets=None) -> pd.DataFrame:
        """One column of labels per dimension."""
        X = self.transform(texts, targets)
        return pd.DataFrame({d: self.predict_from_features(X, d) for d in self.dimensions_})

    def pipeline(self, dimension: str) -> Pipeline:
        """A fitted scikit-learn Pipeline (shared vectoriser + this dimension's head)."""
        head = self.head(dimension)
        if self.target_features_ is not None:
            raise ModelError("a model trained with targets needs targets at prediction time; use "
                             "model.transform(texts, targets) and predict_proba_from_features")
        return Pipeline([("features", self.vectorizer_), ("head", head)])

    def _check_fitted(self) -> None:
        if not hasattr(self, "heads_"):
            raise ModelError("this StanceModel is not trained yet: call fit() or stance.models.train()")


def _texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise ModelError("expected a list of texts, got a single string; wrap it in a list")
    return ["" if t is None else str(t) for t in texts]
