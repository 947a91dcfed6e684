"""StanceModel: a head (TF-IDF or a sentence encoder) and one linear classifier per dimension.

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
from .head import DEFAULT_CS, LinearHead
from .heads import DEFAULT_HEAD, make_head


class StanceModel(BaseEstimator):
    """Classifiers for several codebook dimensions behind one head (see `stance.models.heads`).

    Parameters
    ----------
    head_type : "tfidf" (default), "embed" or "setfit": how passages become probabilities.
    features : for the tfidf head, "tfidf" (word 1-2 + char_wb 2-5 n-grams) or "tfidf+embeddings".
    C, Cs, cv, decision, class_weight, random_state : passed to every dimension's `LinearHead`.
    min_df : minimum document frequency of an n-gram (1 is used below 50 texts).
    target_min_count : with targets, targets seen this often get their own feature copy.
    head_params : options of the encoder heads (e.g. ``{"epochs": 1, "time_budget": 600}``).

    `fit(texts, Y, groups=None, targets=None)`: `Y` is a DataFrame with one column per dimension
    (a string label, a list of labels for multi-valued dimensions, or None where unlabelled);
    `groups` are document ids (inner cross-validation never splits a document); `targets` is the
    stated target of each passage's stance, for data sets where stance is toward a given target.
    """

    def __init__(self, head_type: str = DEFAULT_HEAD, features: str = "tfidf", C="auto", Cs=DEFAULT_CS, cv: int = 3,
                 decision: str = "balanced", class_weight="balanced", min_df: int = 2,
                 target_min_count: int = 50, random_state: int = 0, head_params: dict | None = None):
        self.head_type = head_type
        self.features = features
        self.C = C
        self.Cs = Cs
        self.cv = cv
        self.decision = decision
        self.class_weight = class_weight
        self.min_df = min_df
        self.target_min_count = target_min_count
        self.random_state = random_state
        self.head_params = head_params

    def fit(self, texts: Sequence[str], Y: pd.DataFrame, groups=None, targets=None, classes=None,
            encoder=None, counts=None):
        """Fit the head on all `texts` and one classifier per column of `Y` on its labelled rows.

        `classes` optionally maps a multi-valued dimension to its value names (the codebook's order);
        single-valued dimensions list their values in sorted order, as scikit-learn classifiers do.
        `encoder` (a `stance.models.encoder.Encoder`) lets several fits share one encoder and its cache;
        `counts` (a `stance.models.fold_features.SharedCounts`) lets the tfidf head's fits share n-gram counts.
        """
        texts = _texts(texts)
        if not isinstance(Y, pd.DataFrame):
            raise ModelError("Y must be a DataFrame with one column per dimension")
        if len(Y) != len(texts):
            raise ModelError(f"{len(texts)} texts but {len(Y)} label rows: they must be the same length")
        if self.head_type != "tfidf" and self.features != "tfidf":
            raise ModelError(f"--features {self.features} applies to the tfidf head; the {self.head_type} head "
                             "reads sentence embeddings already")
        groups = np.arange(len(texts)) if groups is None else np.asarray(groups)
        classifier = dict(C=self.C, Cs=self.Cs, cv=self.cv, decision=self.decision, class_weight=self.class_weight)
        options = dict(features=self.features, min_df=self.min_df, target_min_count=self.target_min_count,
                       **(self.head_params or {}))
        self.head_ = make_head(self.head_type, classifier, self.random_state, options)
        shared = {} if counts is None or self.head_type != "tfidf" else {"counts": counts}
        self.head_.fit(texts, Y.reset_index(drop=True), groups, targets, classes, encoder=encoder, **shared)
        return self

    # -- what the head learned -----------------------------------------------------------------
    @property
    def dimensions_(self) -> list[str]:
        return self._fitted().dimensions_

    @property
    def classes_(self) -> dict[str, list[str]]:
        return self._fitted().classes_

    @property
    def multi_(self) -> dict[str, bool]:
        return self._fitted().multi_

    @property
    def n_train_(self) -> dict[str, int]:
        return self._fitted().n_train_

    @property
    def heads_(self) -> dict[str, LinearHead]:
        """Each dimension's classifier."""
        return self._fitted().classifiers_

    @property
    def vectorizer_(self):
        """The tfidf head's shared vectoriser (None for other heads)."""
        return getattr(self._fitted(), "vectorizer_", None)

    @vectorizer_.setter
    def vectorizer_(self, value) -> None:
        self._fitted().vectorizer_ = value

    @property
    def target_features_(self):
        return getattr(self._fitted(), "target_features_", None)

    @property
    def fingerprint_(self) -> str:
        """A short hash of what the features are (equal fingerprints, equal features)."""
        return self._fitted().describe()["feature_fingerprint"]

    @property
    def n_features_(self) -> int:
        return self._fitted().describe()["n_features"]

    # -- features ------------------------------------------------------------------------------
    def transform(self, texts: Sequence[str], targets=None):
        """The head's features of `texts`, computed once; they feed every dimension."""
        return self._fitted().features(_texts(texts), targets)

    def feature_names(self) -> list[str]:
        names = getattr(self._fitted(), "feature_names", None)
        if names is None:
            raise ModelError(f"the {self.head_.name} head has no named features")
        return list(names())

    # -- prediction ----------------------------------------------------------------------------
    def head(self, dimension: str) -> LinearHead:
        """The classifier of `dimension`."""
        return self._fitted().classifier(dimension)

    def predict_proba_from_features(self, X, dimension: str) -> np.ndarray:
        """Probabilities, one column per value in `classes_[dimension]` order."""
        return self._fitted().predict_proba(X, dimension)

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
        """A fitted scikit-learn Pipeline (shared vectoriser + this dimension's classifier), tfidf head only."""
        head = self.head(dimension)
        if self.vectorizer_ is None:
            raise ModelError(f"the {self.head_.name} head has no scikit-learn vectoriser; use predict_proba")
        if self.target_features_ is not None:
            raise ModelError("a model trained with targets needs targets at prediction time; use "
                             "model.transform(texts, targets) and predict_proba_from_features")
        return Pipeline([("features", self.vectorizer_), ("head", head)])

    def _fitted(self):
        if "head_" not in self.__dict__:
            raise ModelError("this StanceModel is not trained yet: call fit() or stance.models.train()")
        return self.head_

    def __setstate__(self, state):
        if "head_" not in state and "heads_" in state:  # a file saved before heads existed
            from .heads.tfidf import TfidfHead

            parts = ("vectorizer_", "target_features_", "fingerprint_", "n_features_", "dimensions_", "heads_",
                     "classes_", "multi_", "n_train_")
            state = dict(state)
            state["head_"] = TfidfHead.from_parts(state)
            for name in parts:
                state.pop(name, None)
            state.setdefault("head_type", "tfidf")
            state.setdefault("head_params", None)
        super().__setstate__(state)


def _texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise ModelError("expected a list of texts, got a single string; wrap it in a list")
    return ["" if t is None else str(t) for t in texts]
