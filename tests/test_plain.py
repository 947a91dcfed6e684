"""The plain scoring form (stance/models/plain.py) scores exactly as the full scikit-learn model: the same
TF-IDF matrix to the last bit, and the same labels and probabilities (max abs difference 1e-9) on the
embedded corpus and on real speeches and UN statements, for single- and multi-valued dimensions and both
decision rules; over arbitrary Unicode text (Hypothesis, the shape of test_fast_tfidf); and it is written
into the model file under the file's checksums, while files without it still load and score."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import sys
import warnings
import zipfile
from functools import lru_cache

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from sklearn.feature_extraction.text import TfidfVectorizer
from test_fast_tfidf import SETTINGS, UN_SPEECHES, documents, un_passages
from test_score import scoring_env

from stance.errors import ModelError
from stance.models import load_model, save_model
from stance.models.plain import FORM, _Block, _block_settings, load_plain, plain_members, read_plain
from stance.passages import split_passages

SPEECHES = UN_SPEECHES.parent.parent / "us-presidential-speeches-2017-2024"
TOLERANCE = 1e-9


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("scoring"))  # trained once per session, shared with test_score


@lru_cache(maxsize=1)
def speech_passages(n: int) -> tuple[str, ...]:
    out: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for path in sorted(SPEECHES.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                out.extend(p.text for p in split_passages(f"{path.stem}-{i}", row["Transcript"]))
                if len(out) >= n:
                    return tuple(out[:n])
    return tuple(out)


def real_passages() -> list[str]:
    if not SPEECHES.exists():
        pytest.skip(f"speeches corpus not found at {SPEECHES}")
    return [*speech_passages(1200), *un_passages(1200)]


def plain_of(model):
    """The plain form as the model file carries it, read back from its members."""
    members = plain_members(model)
    assert members is not None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with zipfile.ZipFile(buffer) as archive:
        return read_plain(archive)


def assert_same_scores(model, plain, texts: list[str]) -> None:
    """Same features (to the last bit), probabilities within TOLERANCE and the same labels, per dimension."""
    X = model.transform(texts).tocsr()
    indptr, indices, data = plain.features(texts)
    assert np.array_equal(X.indptr, indptr) and np.array_equal(X.indices, indices)
    assert X.dtype == data.dtype and np.array_equal(X.data, data)
    predicted = plain.predict(texts)
    assert set(predicted) == set(model.dimensions_)
    for d in model.dimensions_:
        proba, chosen = predicted[d]
        expected = model.predict_proba_from_features(X, d)
        assert proba.shape == expected.shape
        assert np.abs(proba - expected).max() <= TOLERANCE, d
        head = model.head(d)
        labels = head.predict_from_proba(expected)
        if head.multilabel_:
            assert np.array_equal(chosen, labels), d
        else:
            assert [str(head.classes_[i]) for i in chosen] == [str(v) for v in labels], d
        assert plain.classes_[d] == [str(c) for c in model.classes_[d]]


def test_the_embedded_corpus_scores_the_same(env):
    texts = env.passages["text"].tolist()
    assert len(texts) > 300 and any(env.model.multi_.values()) and not all(env.model.multi_.values())
    assert_same_scores(env.model, plain_of(env.model), texts)


def test_real_speeches_and_un_statements_score_the_same(env):
    texts = real_passages()
    assert len(texts) == 2400
    assert_same_scores(env.model, plain_of(env.model), texts)


def test_the_probability_decision_scores_the_same(env):
    model = copy.deepcopy(env.model)
    for d in model.dimensions_:
        model.head(d).decision = "probability"
    texts = [*real_passages()[:600], *env.passages["text"].tolist()[:600]]
    plain = plain_of(model)
    assert {h.spec["decision"] for h in plain.heads.values()} == {"probability"}
    assert_same_scores(model, plain, texts)
    balanced, probable = plain_of(env.model).predict(texts), plain.predict(texts)
    assert any(not np.array_equal(probable[d][1], balanced[d][1])  # the rule is really read
               for d in model.dimensions_ if not model.multi_[d])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=documents, docs=documents)
def test_same_matrix_as_scikit_learn_for_arbitrary_unicode_text(train, docs):
    for params in SETTINGS:
        reference = TfidfVectorizer(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                reference.fit([*train, " ".join(docs)])
            except ValueError:  # an empty vocabulary: nothing to compare
                continue
        spec = _block_settings(reference)
        if spec is None:  # settings the plain form does not reproduce (the model then has no plain form)
            assert params.get("strip_accents") or params.get("stop_words") or not params.get("use_idf", True)
            continue
        vocab = reference.vocabulary_
        block = _Block({**spec, "offset": 0}, sorted(vocab, key=vocab.__getitem__), np.asarray(reference.idf_))
        for texts in (docs + train, docs):  # the second call reads the word cache
            expected = sp.csr_matrix(reference.transform(texts))
            indptr, indices, data = block.transform(texts)
            assert np.array_equal(expected.indptr, indptr) and np.array_equal(expected.indices, indices)
            assert expected.dtype == data.dtype and np.array_equal(expected.data, data)


def test_saved_with_the_model_and_covered_by_its_checksums(env, tmp_path):
    path = tmp_path / "m.skops"
    save_model(env.model, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        form = json.loads(archive.read(FORM))
    assert FORM in names and all(not n.endswith(".pkl") for n in names)
    assert form["dimensions"] == env.model.dimensions_
    texts = un_passages(300)
    assert_same_scores(load_model(path), load_plain(path), texts)  # the full model still loads beside it
    # a changed plain member is refused like any changed member, with or without the card
    tampered = tmp_path / "t.skops"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("prior-posture.npy"):
                data = data[:-8] + np.float64(0.5).tobytes()
            dst.writestr(info, data)
        dst.comment = src.comment
    for name in ("t.card.json", "t.card.md"):
        shutil.copy(path.with_name(name.replace("t.", "m.")), tmp_path / name)
    with pytest.raises(ModelError, match="modified after it was saved"):
        load_plain(tampered)
    (tmp_path / "t.card.json").unlink()
    with pytest.raises(ModelError, match="modified after it was saved"):
        load_plain(tampered)


def without_plain(path, old):
    """A copy of the model file `path` at `old` as an earlier version wrote it (no plain members, no seal),
    with its card; returns `old`."""
    from stance.models.integrity import file_sha256

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("plain/"):
                dst.writestr(info, src.read(info))
    card = json.loads(path.with_name(path.stem + ".card.json").read_text(encoding="utf-8"))
    card["sha256"] = file_sha256(old)
    old.with_name(old.stem + ".card.json").write_text(json.dumps(card), encoding="utf-8")
    return old


def test_files_without_it_load_and_score_as_before(env, tmp_path):
    old = without_plain(env.path, tmp_path / "older.skops")
    assert load_plain(old) is None
    texts = un_passages(200)
    model = load_model(old)
    for d in model.dimensions_:
        assert np.array_equal(model.predict_proba(texts, d), env.model.predict_proba(texts, d))


def test_models_it_cannot_reproduce_get_none(env):
    with_targets = copy.copy(env.model)
    with_targets.head_ = copy.copy(env.model.head_)
    with_targets.head_.target_features_ = object()  # target features: scored by the full model only
    assert plain_members(with_targets) is None
    accents = copy.copy(with_targets)
    accents.head_ = copy.deepcopy(env.model.head_)
    accents.head_.vectorizer_.transformer_list[0][1].strip_accents = "unicode"
    assert plain_members(accents) is None
    assert plain_members(env.model) is not None
