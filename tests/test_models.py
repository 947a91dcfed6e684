"""Classifiers: grouped evaluation that never leaks, figures that match sklearn, safe persistence.

Real data: a few hundred FOMC sentences (hawkish/dovish/neutral, human-labelled) mapped onto the
posture dimension, grouped into "documents" by year; skipped if the benchmark folder is absent.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline

from stance.codebook import load_codebook
from stance.errors import ModelError
from stance.models import (
    CodebookVersionWarning,
    LinearHead,
    StanceModel,
    evaluate,
    explain,
    load_model,
    make_vectorizer,
    save_model,
    top_terms,
    train,
)

BENCH = Path(os.environ.get("STANCE_BENCHMARKS", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))
FOMC = BENCH / "fomc-hawkish-dovish" / "lab-manual-combine-train-5768.csv"
POSTURE = {0: "restraint", 1: "escalation", 2: "neutral"}

pytestmark = pytest.mark.skipif(not FOMC.exists(), reason=f"benchmark data not found at {FOMC}")


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    raw = pd.read_csv(FOMC).head(240)
    return pd.DataFrame({
        "passage_id": [f"p{i}" for i in raw["index"]],
        "doc_id": "fomc-" + raw["year"].astype(str),
        "text": raw["sentence"],
        "is_example": False,
        "posture": raw["label"].map(POSTURE),
    })


@pytest.fixture(scope="module")
def gold_with_examples(gold) -> pd.DataFrame:
    cb = load_codebook()
    rows = [{"passage_id": f"ex-{v.name}-{i}", "doc_id": "codebook-examples", "text": text,
             "is_example": True, "posture": v.name}
            for v in cb.dimension("posture").values if v.name in POSTURE.values()
            for i, text in enumerate(v.examples)]
    return pd.concat([gold, pd.DataFrame(rows)], ignore_index=True)


@pytest.fixture(scope="module")
def evaluation(gold_with_examples):
    return evaluate(gold_with_examples, include_examples=True, n_boot=200, learning_curve=False,
                    C=0.3)


@pytest.fixture(scope="module")
def model(gold):
    return train(gold, C=0.3)


# -- honest evaluation ------------------------------------------------------------------------------

def test_grouped_folds_never_put_a_document_on_both_sides(evaluation, gold):
    ev = evaluation.dimensions["posture"]
    assert ev.n_splits == 5
    for train_docs, test_docs in ev.folds:
        assert not set(train_docs) & set(test_docs)
    # every real passage is predicted exactly once, by the fold that held out its whole document
    preds = ev.predictions
    assert sorted(preds["passage_id"]) == sorted(gold["passage_id"])
    assert preds.groupby("doc_id")["fold"].nunique().max() == 1


def test_written_examples_train_but_never_count(evaluation, gold_with_examples):
    ev = evaluation.dimensions["posture"]
    assert ev.examples_in_training == int(gold_with_examples["is_example"].sum()) > 0
    assert not ev.predictions["passage_id"].str.startswith("ex-").any()
    assert ev.passages == len(ev.predictions) == int((~gold_with_examples["is_example"]).sum())
    assert "codebook-examples" not in {d for _, test in ev.folds for d in test}


def test_figures_match_sklearn_computed_independently(evaluation):
    ev = evaluation.dimensions["posture"]
    p = ev.predictions
    classes = ev.classes
    proba = p[[f"p_{c}" for c in classes]].to_numpy()
    m = ev.metrics
    assert m["macro_f1"]["value"] == pytest.approx(f1_score(p["true"], p["predicted"], average="macro"))
    assert m["weighted_f1"]["value"] == pytest.approx(f1_score(p["true"], p["predicted"], average="weighted"))
    assert m["accuracy"]["value"] == pytest.approx(accuracy_score(p["true"], p["predicted"]))
    lex = sorted(classes)  # sklearn wants probability columns in lexicographic label order
    lex_proba = p[[f"p_{c}" for c in lex]].to_numpy()
    assert m["brier"]["value"] == pytest.approx(brier_score_loss(p["true"], lex_proba, labels=lex))
    prec, rec, f1, support = precision_recall_fscore_support(p["true"], p["predicted"], labels=classes,
                                                             zero_division=0)
    np.testing.assert_allclose(ev.per_class["precision"], prec)
    np.testing.assert_allclose(ev.per_class["recall"], rec)
    np.testing.assert_allclose(ev.per_class["f1"], f1)
    np.testing.assert_array_equal(ev.per_class["support"], support)
    np.testing.assert_array_equal(ev.confusion.to_numpy(), confusion_matrix(p["true"], p["predicted"],
                                                                            labels=classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    for fig in m.values():
        assert fig["low"] <= fig["value"] <= fig["high"]
    # reliability: share correct among passages whose top probability falls in each bin
    rel = ev.reliability
    conf = proba.max(axis=1)
    correct = np.asarray(classes)[proba.argmax(axis=1)] == p["true"].to_numpy()
    for r in rel.itertuples():
        in_bin = (conf > r.bin_low) & (conf <= r.bin_high) if r.bin_low > 0 else conf <= r.bin_high
        assert r.count == in_bin.sum() and r.accuracy == pytest.approx(correct[in_bin].mean())
        assert 0 <= r.accuracy_low <= r.accuracy_high <= 1


def test_model_beats_the_majority_baseline_and_says_how_it_was_measured(evaluation):
    ev = evaluation.dimensions["posture"]
    assert ev.metrics["macro_f1"]["value"] > ev.baseline["macro_f1"]["value"] + 0.1
    table = evaluation.to_frame()
    assert set(table["metric"]) >= {"macro_f1", "accuracy", "brier"}
    assert "grouped" in evaluation.summary() or "grouped" in evaluation.settings["split"].lower()
    assert ev.reliability["count"].sum() == ev.passages


def test_learning_curve_grows_with_labels(gold):
    result = evaluate(gold.head(160), n_splits=3, n_boot=0, learning_curve=True, C=0.3)
    lc = result.dimensions["posture"].learning_curve
    assert list(lc["fraction"]) == sorted(lc["fraction"])
    assert lc["passages"].is_monotonic_increasing
    assert lc["macro_f1"].between(0, 1).all()


def test_too_few_labels_are_named_with_how_many_more_are_needed(gold):
    frame = gold.copy()
    esc = frame.index[frame["posture"] == "escalation"]
    frame = frame.drop(esc[2:])  # keep 2 escalation passages
    with pytest.raises(ModelError, match=r"'escalation' has 2 \(label 3 more\)"):
        train(frame)
    model = train(frame, drop_rare=True, C=0.3)
    assert "escalation" not in model.classes_["posture"]
    assert any("escalation" in w for w in model.warnings_)
    result = evaluate(frame, n_boot=0, learning_curve=False, C=0.3)
    assert any("'escalation' has 2 (label 3 more)" in w for w in result.warnings)


def test_one_value_only_gives_a_message_not_numbers(gold):
    frame = gold[gold["posture"] == "neutral"]
    with pytest.raises(ModelError, match="needs at least two values"):
        train(frame)
    result = evaluate(frame, n_boot=0, learning_curve=False)
    ev = result.dimensions["posture"]
    assert not ev.evaluated and ev.metrics == {}
    assert "no figures computed" in " ".join(ev.warnings)


def test_unknown_label_is_refused_with_valid_values(gold):
    frame = gold.copy()
    frame.loc[0, "posture"] = "hawk"
    with pytest.raises(ModelError, match=r"'hawk'.*valid: restraint, escalation, neutral, not_applicable"):
        train(frame)


# -- shared vectoriser, heads and sklearn conventions --------------------------------------------------

def test_one_vectorisation_serves_every_dimension_and_matches_the_pipeline_view(model, gold):
    texts = gold["text"].tolist()[:20]
    X = model.transform(texts)
    via_features = model.predict_proba_from_features(X, "posture")
    via_pipeline = model.pipeline("posture").predict_proba(texts)
    np.testing.assert_allclose(via_features, via_pipeline)
    assert via_features.shape == (20, len(model.classes_["posture"]))
    assert len(model.fingerprint_) == 16


def test_estimators_follow_sklearn_conventions(gold):
    for est in (StanceModel(C=0.1, features="tfidf"), LinearHead(C=0.5, cv=2)):
        params = est.get_params()
        cloned = clone(est)
        assert cloned.get_params() == params
        cloned.set_params(C=2.0)
        assert cloned.get_params()["C"] == 2.0 and est.get_params()["C"] == params["C"]
        assert not [k for k in vars(est) if k.endswith("_")]  # __init__ learns nothing
    head = LinearHead(C=0.3)
    assert head.fit(make_vectorizer().fit_transform(gold["text"][:60]), gold["posture"][:60]) is head
    pipe = Pipeline([("features", make_vectorizer()), ("head", LinearHead(cv=2))])
    search = GridSearchCV(pipe, {"head__C": [0.1, 1.0]}, cv=GroupKFold(n_splits=3), scoring="f1_macro")
    search.fit(gold["text"].tolist()[:120], gold["posture"].to_numpy()[:120], groups=gold["doc_id"][:120])
    assert search.best_params_["head__C"] in (0.1, 1.0)
    assert search.predict(["Inflation pressures argue for a tighter policy."])[0] in POSTURE.values()


def test_multi_valued_dimension_is_multi_label(gold):
    frame = gold.head(120).copy()
    frame["topic"] = [["iran"] if "inflation" in t.lower() else ["other", "iran"] if i % 3 == 0 else ["other"]
                      for i, t in enumerate(frame["text"])]
    model = train(frame, dimensions=["topic"], C=0.3)
    assert model.multi_["topic"]
    labels = model.predict(frame["text"].tolist()[:10])["topic"]
    assert all(isinstance(v, list) for v in labels)
    proba = model.predict_proba(frame["text"].tolist()[:10], "topic")
    assert proba.shape == (10, 2) and ((proba >= 0) & (proba <= 1)).all()


def test_targets_are_an_input(gold):
    frame = gold.head(120).copy()
    frame["target"] = ["rates" if i % 2 else "inflation" for i in range(len(frame))]
    model = train(frame, target_column="target", C=0.3, target_min_count=10)
    with pytest.raises(ModelError, match="pass targets"):
        model.transform(["text"])
    X = model.transform(["Rates should rise."], targets=["rates"])
    assert X.shape[1] == model.n_features_


# -- explanations -----------------------------------------------------------------------------------

def test_explanations_name_the_terms_behind_a_label(model):
    text = "The Committee judged that tighter policy would be appropriate to contain inflation pressures."
    (item,) = explain(model, text, n=5)
    assert item["label"] in model.classes_["posture"]
    assert abs(sum(item["probabilities"].values()) - 1) < 1e-9
    terms = item["terms"]
    assert 0 < len(terms) <= 5 and (terms["contribution"] > 0).all()
    assert terms["contribution"].is_monotonic_decreasing
    top = top_terms(model, "posture", n=5)
    assert set(top["value"]) == set(model.classes_["posture"])


# -- safe persistence -------------------------------------------------------------------------------

def test_saved_model_reloads_with_identical_probabilities_and_a_card(model, gold, tmp_path, evaluation):
    path = tmp_path / "posture.skops"
    card = save_model(model, path, evaluation)
    loaded = load_model(path, codebook=load_codebook())
    texts = gold["text"].tolist()[:50]
    np.testing.assert_array_equal(model.predict_proba(texts, "posture"), loaded.predict_proba(texts, "posture"))
    assert (tmp_path / "posture.card.json").exists() and (tmp_path / "posture.card.md").exists()
    md = (tmp_path / "posture.card.md").read_text()
    assert "codebook" in md.lower() and "majority baseline" in md and "scikit-learn" in md
    (entry,) = card["dimensions"]
    assert entry["training_data"]["passages"] == len(gold)
    assert entry["evaluation"]["metrics"]["macro_f1"]["low"] <= entry["evaluation"]["metrics"]["macro_f1"]["value"]
    errors = entry["evaluation"]["errors"]  # the out-of-fold predictions a report corrects shares with
    ev = evaluation.dimensions["posture"]
    assert len(errors["true"]) == len(errors["proba"]) == ev.passages and errors["classes"] == ev.classes
    assert json.loads((tmp_path / "posture.card.json").read_text())["dimensions"][0]["evaluation"]["errors"] == errors


class Evil:
    """Stands in for a type a tampered file might smuggle in."""

    def __init__(self):
        self.payload = "rm -rf"


def test_file_with_untrusted_types_is_refused(tmp_path, model):
    path = tmp_path / "evil.skops"
    sio.dump({"format": "policy-stance-model", "format_version": 1, "model": model, "x": Evil()}, path)
    with pytest.raises(ModelError, match=r"does not trust: .*Evil"):
        load_model(path)


def test_corrupted_or_modified_file_is_refused(tmp_path, model):
    path = tmp_path / "m.skops"
    save_model(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="modified after it was saved"):
        load_model(path)
    (tmp_path / "m.card.json").unlink()  # without a card, the damage itself is caught
    with pytest.raises(ModelError, match="corrupted"):
        load_model(path)
    not_zip = tmp_path / "x.skops"
    not_zip.write_text("hello")
    with pytest.raises(ModelError, match="corrupted"):
        load_model(not_zip)
    assert not zipfile.is_zipfile(not_zip)


def test_model_from_another_codebook_version_is_refused_or_warns_naming_both(tmp_path, model):
    path = tmp_path / "m.skops"
    save_model(model, path)
    newer = dataclasses.replace(load_codebook(), version="2.0")
    with pytest.raises(ModelError, match=rf"version {re.escape(load_codebook().version)}.*version 2\.0"):
        load_model(path, codebook=newer)
    with pytest.warns(CodebookVersionWarning, match=rf"version {re.escape(load_codebook().version)}.*version 2\.0"):
        load_model(path, codebook=newer, allow_other_codebook=True)


def test_embeddings_are_optional_and_offline(gold):
    from stance.models.features import embeddings_model_path

    try:
        embeddings_model_path()
        import sentence_transformers  # noqa: F401
    except (ModelError, ImportError):
        with pytest.raises(ModelError, match=r"policy-stance\[embeddings\]"):
            train(gold.head(60), features="tfidf+embeddings", C=0.3)
        return
    frame = gold.head(60)
    before = os.environ.get("HF_HUB_OFFLINE")
    model = train(frame, features="tfidf+embeddings", C=0.3)
    X = model.transform(frame["text"].tolist()[:5])
    assert X.shape[1] == model.n_features_ and X.shape[1] > 384
    # the encoder loads offline, and the library leaves the process's environment as it found it
    assert os.environ.get("HF_HUB_OFFLINE") == before


def test_unknown_feature_set_names_the_valid_ones(gold):
    with pytest.raises(ModelError, match="valid: tfidf, tfidf\\+embeddings"):
        train(gold.head(60), features="bert")


def test_multi_valued_figures_match_sklearn(gold):
    from sklearn.metrics import f1_score as f1

    frame = gold.head(150).copy()
    frame["topic"] = [["iran", "other"] if "inflation" in t.lower() else ["other"] if i % 2 else ["iran"]
                      for i, t in enumerate(frame["text"])]
    result = evaluate(frame, dimensions=["topic"], n_splits=3, n_boot=50, learning_curve=False, C=0.3)
    ev = result.dimensions["topic"]
    p = ev.predictions
    Y = np.array([[int(c in row) for c in ev.classes] for row in p["true"]])
    P = np.array([[int(c in row) for c in ev.classes] for row in p["predicted"]])
    assert ev.metrics["macro_f1"]["value"] == pytest.approx(f1(Y, P, average="macro", zero_division=0))
    assert ev.metrics["micro_f1"]["value"] == pytest.approx(f1(Y, P, average="micro", zero_division=0))
    from sklearn.metrics import accuracy_score  # on indicator matrices: exact-match (subset) accuracy

    assert ev.metrics["accuracy"]["value"] == pytest.approx(accuracy_score(Y, P))
    assert "exact-match accuracy" in result.summary()
    for train_docs, test_docs in ev.folds:
        assert not set(train_docs) & set(test_docs)


def test_holdout_figures_match_sklearn(model):
    from stance.models import evaluate_holdout

    test = pd.read_csv(FOMC.with_name("lab-manual-combine-test-5768.csv")).head(120)
    frame = pd.DataFrame({"text": test["sentence"], "doc_id": test["index"].astype(str),
                          "posture": test["label"].map(POSTURE)})
    figs = evaluate_holdout(model, frame, "posture", n_boot=50)
    pred = model.predict(frame["text"].tolist())["posture"]
    assert figs["weighted_f1"]["value"] == pytest.approx(f1_score(frame["posture"], pred, average="weighted"))
    assert figs["macro_f1"]["value"] == pytest.approx(f1_score(frame["posture"], pred, average="macro"))


def test_training_twice_gives_the_same_model(gold):
    frame = gold.head(80)
    a = train(frame).predict_proba(frame["text"].tolist()[:10], "posture")
    b = train(frame).predict_proba(frame["text"].tolist()[:10], "posture")
    np.testing.assert_array_equal(a, b)


def test_loading_the_encoder_leaves_the_environment_as_it_was(monkeypatch):
    """Hugging Face is kept offline while the sentence encoder loads, and only then."""
    from stance.models.encoder import offline

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")  # a user's own setting is kept
    with offline():
        assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "0"
    assert "HF_HUB_OFFLINE" not in os.environ and os.environ["TRANSFORMERS_OFFLINE"] == "0"
