"""The default head: one shared TF-IDF vectoriser (word 1-2 + char_wb 2-5 n-grams) and a calibrated
linear classifier per dimension, with optional target features (stance toward a stated target).

One vectoriser is fitted on all gold texts and read by every dimension's classifier, so scoring
vectorises each batch once. Its explanations are exact: a value's score is the sum over features of
weight x feature value, so the largest products are the terms behind a label.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import numpy as np
import pandas as pd

from ...errors import ModelError
from ..fast_tfidf import cached
from ..features import TargetFeatures, make_vectorizer, vectorizer_fingerprint
from .linear import LINEAR_TYPES, LinearHeads

DESCRIPTION = ("shared word 1-2 + char_wb 2-5 TF-IDF; per dimension a LinearSVC (balanced class weights, C by "
               "grouped inner CV) with probabilities calibrated on out-of-fold scores")


class TfidfHead(LinearHeads):
    """TF-IDF features shared by every dimension; see the module docstring."""

    name: ClassVar[str] = "tfidf"
    OPTIONS: ClassVar[tuple[str, ...]] = ("features", "min_df", "target_min_count")
    TRUSTED_TYPES: ClassVar[tuple[str, ...]] = (
        "stance.models.heads.tfidf.TfidfHead", *LINEAR_TYPES,
        "stance.models.features.TargetFeatures", "stance.models.features.EmbeddingFeatures",
        "stance.models.fast_tfidf.CachedTfidfVectorizer",
    )

    def __init__(self, classifier: dict, random_state: int = 0, features: str = "tfidf", min_df: int = 2,
                 target_min_count: int = 50):
        super().__init__(classifier, random_state)
        self.feature_set = features
        self.min_df = min_df
        self.target_min_count = target_min_count

    def fit(self, texts, Y, groups, targets=None, classes=None, encoder=None, counts=None) -> TfidfHead:
        """`counts` (a `stance.models.fold_features.SharedCounts`) gives the vectoriser from n-gram counts
        shared by the fits of a cross-validation: the same vectoriser, without counting the texts again."""
        min_df = self.min_df if len(texts) >= 50 else 1
        # duplicate texts (boilerplate, one comment paired with several targets) count once
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        self.vectorizer_ = make_vectorizer(self.feature_set, min_df=min_df)
        for name, part in self.vectorizer_.transformer_list:
            if name == "embed":
                part.use_encoder(encoder)
        self._counts = counts if counts is not None and counts.supports(self.vectorizer_) else None
        if self._counts is not None:
            Xtext = self._counts.fit_transform(self.vectorizer_, unique.tolist())[inverse.ravel()]
        else:
            self.vectorizer_.fit(unique.tolist())
            Xtext = self.vectorizer_.transform(unique.tolist())[inverse.ravel()]
        if targets is not None:
            self.target_features_ = TargetFeatures(min_count=self.target_min_count).fit(Xtext, targets)
            X = self.target_features_.transform(Xtext, targets, texts)
        else:
            self.target_features_ = None
            X = Xtext.tocsr()
        self.fingerprint_ = vectorizer_fingerprint(self.vectorizer_)
        self.fit_classifiers(lambda dim: X, Y, groups, classes)
        self.n_features_ = X.shape[1]
        return self

    def forget_counts(self) -> None:
        """Vectorise with the vectoriser alone from now on (drop the shared counts it was fitted from)."""
        self._counts = None

    @classmethod
    def from_parts(cls, state: dict) -> TfidfHead:
        """The head of a model file saved before heads existed (its parts were the model's attributes)."""
        head = cls.__new__(cls)
        first = next(iter(state["heads_"].values()))
        head.classifier_params = {k: getattr(first, k) for k in ("C", "Cs", "cv", "class_weight", "decision")}
        head.random_state = first.random_state
        head.feature_set = state.get("features", "tfidf")
        head.min_df = state.get("min_df", 2)
        head.target_min_count = state.get("target_min_count", 50)
        head.vectorizer_ = state["vectorizer_"]
        head.target_features_ = state.get("target_features_")
        head.fingerprint_ = state["fingerprint_"]
        head.n_features_ = state["n_features_"]
        head.dimensions_ = list(state["dimensions_"])
        head.classifiers_ = dict(state["heads_"])
        head.classes_ = dict(state["classes_"])
        head.multi_ = dict(state["multi_"])
        head.n_train_ = dict(state["n_train_"])
        return head

    def after_load(self) -> None:
        self.vectorizer_ = cached(self.vectorizer_)  # files saved before it existed score as fast
        if getattr(self, "target_features_", None) is not None:
            self.target_features_.upgrade()

    # -- features ------------------------------------------------------------------------------
    def features(self, texts, targets=None):
        """Vectorise once; the result feeds every dimension's classifier."""
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        counts = getattr(self, "_counts", None)
        vectorize = self.vectorizer_.transform if counts is None else partial(counts.transform, self.vectorizer_)
        X = vectorize(unique.tolist())[inverse.ravel()]  # back to input order
        if self.target_features_ is not None:
            if targets is None:
                raise ModelError("this model was trained with a target per passage (stance toward a "
                                 "stated target): pass targets=... with one target per text")
            return self.target_features_.transform(X, targets, texts)
        return X.tocsr()

    def feature_names(self) -> np.ndarray:
        """Names of the feature columns (built once per head object)."""
        names = getattr(self, "_names", None)
        if names is None:
            names = [str(n) for n in self.vectorizer_.get_feature_names_out()]
            if self.target_features_ is not None:
                names = self.target_features_.feature_names(names)
            names = self._names = np.asarray(names, dtype=object)
        return names

    # -- explanations --------------------------------------------------------------------------
    def _weights(self, dimension: str) -> tuple[np.ndarray, list[str]]:
        head = self.classifier(dimension)
        head_classes = list(self.classes_[dimension]) if head.multilabel_ else [str(c) for c in head.classes_]
        return head.coef_, head_classes

    def explain(self, features, dimension: str, values: list[list[str]], n: int) -> list[list[dict]]:
        """Per row, for each value in `values[row]`, the `n` terms that pushed the row most toward it."""
        coef, head_classes = self._weights(dimension)
        names = self.feature_names()
        X = features.tocsr()
        out = []
        for i, row_values in enumerate(values):
            lo, hi = X.indptr[i], X.indptr[i + 1]
            idx, data = X.indices[lo:hi], X.data[lo:hi]
            terms = []
            for value in row_values:
                w = coef[head_classes.index(value)]
                contrib = data * w[idx]
                terms.extend({"value": value, "feature": pretty(names[idx[j]]), "feature_value": float(data[j]),
                              "weight": float(w[idx[j]]), "contribution": float(contrib[j])}
                             for j in np.argsort(-contrib)[:n] if contrib[j] > 0)
            out.append(terms)
        return out

    def top_terms(self, dimension: str, n: int) -> list[dict]:
        """The `n` features with the largest positive weight for each value of `dimension`."""
        coef, head_classes = self._weights(dimension)
        names = self.feature_names()
        rows = []
        for value in self.classes_[dimension]:
            w = coef[head_classes.index(value)]
            for rank, j in enumerate(np.argsort(-w)[:n], start=1):
                if w[j] <= 0:
                    break
                rows.append({"dimension": dimension, "value": value, "rank": rank,
                             "feature": pretty(names[j]), "weight": float(w[j])})
        return rows

    def describe(self) -> dict:
        return {"head": self.name, "encoder": "all-MiniLM-L6-v2" if self.feature_set != "tfidf" else None,
                "features": self.feature_set, "feature_fingerprint": self.fingerprint_,
                "n_features": int(self.n_features_), "model": DESCRIPTION}

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_names", None)
        state.pop("_counts", None)  # a cross-validation's shared counts are never saved
        return state


def pretty(name: str) -> str:
    """'word__pull troops' -> 'pull troops' (words); 'char__ iran' -> '"iran" (chars)'."""
    if name.startswith("word__"):
        return name[6:]
    if name.startswith("char__"):
        return f'"{name[6:]}" (chars)'
    if name.startswith("embed__"):
        return f"embedding {name[7:]}"
    return name


def terms_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["value", "feature", "feature_value", "weight", "contribution"])
