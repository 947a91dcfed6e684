"""Target-aware features read targets and texts with the cached TF-IDF vectoriser: the same matrix as with
scikit-learn's own `TfidfVectorizer` (on the SemEval-2016 tweets and their stated targets), and a model saved
with the plain vectoriser still loads, gets the cached one, and gives the same probabilities."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from test_fast_tfidf import assert_identical
from test_targets import SEMEVAL, _tweets

from stance.codebook import Codebook, Dimension, Value
from stance.models import load_model, save_model, train
from stance.models.fast_tfidf import CachedTfidfVectorizer

pytestmark = pytest.mark.skipif(not SEMEVAL.exists(), reason=f"benchmark data not found at {SEMEVAL}")


@pytest.fixture(scope="module")
def tweets():
    frame = _tweets("train", 120)
    frame["doc_id"], frame["passage_id"], frame["is_example"] = frame.index.astype(str), frame.index.astype(str), False
    return frame


@pytest.fixture(scope="module")
def model(tweets):
    values = tuple(Value(v, str(i), f"{v} (SemEval's label)") for i, v in enumerate(("favor", "against", "none")))
    codebook = Codebook(name="semeval stance", version="1", dimensions=(Dimension("stance", "Stance?", values),))
    return train(tweets, codebook=codebook, target_column="target", min_per_class=1, target_min_count=50)


def as_scikit_learn(features):
    """The target features with the plain scikit-learn vectoriser they used before (same fitted state)."""
    old = copy.copy(features)
    plain = TfidfVectorizer(**features.target_vectorizer_.get_params())
    plain.__dict__.update({k: v for k, v in vars(features.target_vectorizer_).items() if not k.startswith("_cache")})
    old.target_vectorizer_ = plain
    return old


def test_target_features_use_the_cached_vectorizer_and_give_scikit_learn_s_matrix(model, tweets):
    features = model.target_features_
    assert type(features.target_vectorizer_) is CachedTfidfVectorizer
    assert features.frequent_targets_  # per-target copies, the phrase's words and the two overlap features
    texts, targets = tweets["text"].tolist(), tweets["target"].tolist()
    Xtext = model.vectorizer_.transform(texts)
    assert_identical(features.transform(Xtext, targets, texts), as_scikit_learn(features).transform(Xtext, targets, texts))
    unseen = ["a target never seen in training"] * len(texts)  # words outside the target vocabulary
    assert_identical(features.transform(Xtext, unseen, texts), as_scikit_learn(features).transform(Xtext, unseen, texts))


def test_a_target_model_saved_with_the_plain_vectorizer_loads_with_the_cached_one(model, tweets, tmp_path):
    texts, targets = tweets["text"].tolist(), tweets["target"].tolist()
    old = copy.copy(model)
    old.head_ = copy.copy(model.head_)
    old.head_.target_features_ = as_scikit_learn(model.target_features_)
    assert type(old.target_features_.target_vectorizer_) is TfidfVectorizer
    save_model(old, tmp_path / "old.skops")
    loaded = load_model(tmp_path / "old.skops")
    assert type(loaded.target_features_.target_vectorizer_) is CachedTfidfVectorizer
    for dim in model.dimensions_:
        expected = old.predict_proba(texts, dim, targets=targets)
        assert np.array_equal(loaded.predict_proba(texts, dim, targets=targets), expected)
        assert np.array_equal(model.predict_proba(texts, dim, targets=targets), expected)
