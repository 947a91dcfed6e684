"""The cached TF-IDF featurizer gives exactly scikit-learn's matrix: over arbitrary Unicode text (a
Hypothesis property), on 10,000 real UN General Debate passages through the default model's
predictions, and after a save/load round trip."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from test_score import scoring_env

from stance.models import fast_tfidf, load_model, make_vectorizer, save_model
from stance.models.fast_tfidf import CachedTfidfVectorizer, cached
from stance.passages import split_passages

UN_SPEECHES = Path("/work/shared/corpora/un-general-debate/speeches.jsonl")
if not UN_SPEECHES.exists():
    from conftest import SHARED

    UN_SPEECHES = SHARED / "corpora" / "un-general-debate" / "speeches.jsonl"

# the toolkit's own two settings first, then variants that take other branches of the fast path
SETTINGS = [
    dict(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
    dict(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32),
    dict(ngram_range=(1, 3), lowercase=False, strip_accents="unicode", binary=True),
    dict(ngram_range=(2, 3), stop_words=["the", "of"], norm=None),
    dict(token_pattern=r"\S+"),  # unigrams with another token pattern
    dict(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2)),  # outside the fast path: scikit-learn's own
    dict(analyzer="char_wb", ngram_range=(1, 3), use_idf=False, lowercase=False),
    dict(analyzer="char_wb", ngram_range=(3, 3), strip_accents="ascii", sublinear_tf=True),
]

WORDS = ["the", "of", "war", "War", "peace", "Ünïon", "ﬁne", "İstanbul", "ß", "x", "a1", "_", "—", "naïve",
         "مرحبا", "中国", "🙂", "e\u0301", "ǅ", "Σσς"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\u2028", "\x0b", " \x85 "]
piece = st.one_of(st.sampled_from(WORDS), st.text(max_size=6), st.text(alphabet="abAB é-'", max_size=8))
document = st.builds(
    lambda parts, seps: "".join(p + s for p, s in zip(parts, seps, strict=False)),
    st.lists(piece, max_size=14), st.lists(st.sampled_from(SPACES), min_size=14, max_size=14))
documents = st.lists(document, min_size=1, max_size=8)


def assert_identical(a, b) -> None:
    """Same type, shape, dtype, structure and values, to the last bit."""
    assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # exact: max abs difference 0.0


def fitted_pair(params: dict, train: list[str], **fit):
    reference = TfidfVectorizer(**params, **fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stop words inconsistent with the preprocessing
        try:
            reference.fit(train)
        except ValueError:  # an empty vocabulary: nothing to compare
            return None, None
    fast = CachedTfidfVectorizer(**params, **fit)
    fast.__dict__.update(reference.__dict__)
    return reference, fast


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=documents, docs=documents, which=st.integers(0, len(SETTINGS) - 1))
def test_same_matrix_as_scikit_learn_for_arbitrary_unicode_text(train, docs, which):
    # the documents joined into one are in the vocabulary too, so that n-grams spanning two documents
    # exist in it and must still never be counted
    reference, fast = fitted_pair(SETTINGS[which], [*train, " ".join(docs)])
    if reference is None:
        return
    assert_identical(fast.transform(docs + train), reference.transform(docs + train))
    assert_identical(fast.transform(docs), reference.transform(docs))  # second call: from the caches


def test_same_matrix_on_real_passages_for_every_setting():
    texts = un_passages(1500)
    for params in SETTINGS:
        reference, fast = fitted_pair(params, texts[:1000], min_df=2)
        assert len(reference.vocabulary_) > 500
        assert_identical(fast.transform(texts[1000:]), reference.transform(texts[1000:]))


def test_a_full_word_cache_is_emptied_and_results_stay_exact(monkeypatch):
    monkeypatch.setattr(fast_tfidf, "CACHE_WORDS", 50)
    texts = un_passages(300)
    reference, fast = fitted_pair(SETTINGS[1], texts[:200])
    for start in range(0, 300, 25):
        assert_identical(fast.transform(texts[start:start + 25]), reference.transform(texts[start:start + 25]))
    last = set(" ".join(texts[275:]).lower().split())  # a batch's own words are always kept
    assert len(fast._cache_char[1]) <= 50 + len(last) < len(set(" ".join(texts).lower().split()))


def test_behaves_as_a_scikit_learn_estimator():
    v = make_vectorizer()
    assert all(type(part) is CachedTfidfVectorizer for _, part in v.transformer_list)
    one = CachedTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2)
    copy = clone(one)
    assert type(copy) is CachedTfidfVectorizer and copy.get_params() == one.get_params()
    assert copy.set_params(min_df=1).min_df == 1
    with pytest.raises(ValueError, match="string object received"):
        copy.fit(["a text"]).transform("a text")


def un_passages(n: int) -> list[str]:
    if not UN_SPEECHES.exists():
        pytest.skip(f"UN General Debate corpus not found at {UN_SPEECHES}")
    return list(_un_passages(n))


@lru_cache(maxsize=4)
def _un_passages(n: int) -> tuple[str, ...]:
    out: list[str] = []
    with UN_SPEECHES.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out.extend(p.text for p in split_passages(d["id"], d["text"]))
            if len(out) >= n:
                return tuple(out[:n])
    return tuple(out)


def as_scikit_learn(vectorizer):
    """The same fitted vectoriser with scikit-learn's own TfidfVectorizer parts (the 'before')."""
    parts = []
    for name, part in vectorizer.transformer_list:
        plain = TfidfVectorizer(**part.get_params())
        plain.__dict__.update({k: v for k, v in part.__dict__.items() if not k.startswith("_cache")})
        parts.append((name, plain))
    before = clone(vectorizer)
    before.__dict__.update(vectorizer.__dict__)
    before.transformer_list = parts
    return before


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("scoring"))  # trained once per session, shared with test_score


def test_default_model_predicts_identically_on_10000_real_passages(env):
    texts = un_passages(10_000)
    assert len(texts) == 10_000
    model = env.model
    assert all(type(p) is CachedTfidfVectorizer for _, p in model.vectorizer_.transformer_list)
    after = model.transform(texts)
    fast = model.vectorizer_
    try:
        model.vectorizer_ = as_scikit_learn(fast)
        before = model.transform(texts)
    finally:
        model.vectorizer_ = fast
    assert_identical(after, before)
    for dim in model.dimensions_:
        p_after, p_before = (model.predict_proba_from_features(X, dim) for X in (after, before))
        assert np.array_equal(p_after, p_before)
        assert model.labels_from_proba(p_after, dim) == model.labels_from_proba(p_before, dim)


def test_save_and_load_keep_the_featurizer_without_its_caches(env, tmp_path):
    texts = un_passages(500)
    model = env.model
    expected = model.transform(texts)  # fills the caches
    assert model.vectorizer_.transformer_list[1][1]._cache_char[1]
    path = tmp_path / "m.skops"
    save_model(model, path)
    assert_identical(model.transform(texts), expected)  # saving leaves the model in memory whole
    loaded = load_model(path)
    for _, part in loaded.vectorizer_.transformer_list:
        assert type(part) is CachedTfidfVectorizer
        assert not [k for k in vars(part) if k.startswith("_cache")]
    assert_identical(loaded.transform(texts), expected)


def test_models_saved_with_scikit_learn_vectorizers_load_with_the_fast_one(env, tmp_path):
    texts = un_passages(300)
    model = env.model
    expected = model.transform(texts)
    fast = model.vectorizer_
    try:
        model.vectorizer_ = as_scikit_learn(fast)
        save_model(model, tmp_path / "old.skops")
    finally:
        model.vectorizer_ = fast
    loaded = load_model(tmp_path / "old.skops")
    assert all(type(p) is CachedTfidfVectorizer for _, p in loaded.vectorizer_.transformer_list)
    assert_identical(loaded.transform(texts), expected)
    assert type(cached(TfidfVectorizer())) is CachedTfidfVectorizer
