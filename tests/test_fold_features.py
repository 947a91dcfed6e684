"""Cheaper cross-validation with the same figures: each fold's vectoriser derived from n-gram counts made
once is the vectoriser fitting it on the fold gives (vocabulary, idf, matrices to the last bit), the
cross-validation gives the same out-of-fold probabilities and figures with and without the shared counts,
and `stance report` reads the errors stored with the model instead of cross-validating again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_fast_tfidf import assert_identical, un_passages

from stance.cli import main
from stance.corpus import load_into
from stance.models import evaluate, make_vectorizer, train
from stance.models.fold_features import SharedCounts
from stance.store import Project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = Project.init(tmp_path_factory.mktemp("fold") / "embedded")
    load_into(project)
    return project


def fitted_alike(a, b) -> None:
    """Two fitted unions with the same vocabularies, idf and state (caches aside)."""
    for (name, pa), (_, pb) in zip(a.transformer_list, b.transformer_list, strict=True):
        assert pa.vocabulary_ == pb.vocabulary_, name
        assert pa.idf_.dtype == pb.idf_.dtype and np.array_equal(pa.idf_, pb.idf_), name
        state = {k for k in vars(pa) if not k.startswith("_cache")}
        assert state == {k for k in vars(pb) if not k.startswith("_cache")}, name


@pytest.mark.parametrize("min_df", [1, 2])
def test_a_fold_vectorizer_from_shared_counts_is_the_one_fitting_gives(min_df):
    texts = un_passages(400)
    counts = SharedCounts(texts)
    rng = np.random.default_rng(min_df)
    for _ in range(2):  # folds with duplicates, in any order, and texts the fold never saw
        fold = [texts[i] for i in rng.choice(len(texts), size=250)]
        unseen = [texts[i] for i in rng.choice(len(texts), size=100)]
        fitted, derived = make_vectorizer(min_df=min_df), make_vectorizer(min_df=min_df)
        fitted.fit(fold)
        assert SharedCounts.supports(derived)
        assert_identical(fitted.transform(fold), counts.fit_transform(derived, fold))
        fitted_alike(fitted, derived)
        assert_identical(fitted.transform(unseen), counts.transform(derived, unseen))
        assert_identical(fitted.transform(unseen), derived.transform(unseen))  # a vectoriser in its own right


def test_settings_outside_the_shared_counts_are_fitted_as_before():
    texts = un_passages(300)
    limited = make_vectorizer(max_features=500)
    assert not SharedCounts.supports(limited)
    counts = SharedCounts(texts[:200])
    derived = make_vectorizer()
    counts.fit_transform(derived, texts[:150])
    fitted = make_vectorizer().fit(texts[:150])
    assert_identical(fitted.transform(texts[200:]), counts.transform(derived, texts[200:]))  # not counted
    # texts it has not counted are counted on the way (the counts are made again over all the texts)
    later = make_vectorizer()
    assert_identical(counts.fit_transform(later, texts[250:]), make_vectorizer().fit(texts[250:]).transform(texts[250:]))
    assert_identical(counts.transform(derived, texts[:150]), fitted.transform(texts[:150]))


def test_cross_validation_gives_the_same_figures_with_and_without_shared_counts(project):
    shared = evaluate(project, dimensions=["posture"], include_examples=True, n_boot=100, learning_curve=True)
    refit = evaluate(project, dimensions=["posture"], include_examples=True, n_boot=100, learning_curve=True,
                     counts=None)  # every fold's vectoriser fitted from scratch, as before
    pd.testing.assert_frame_equal(shared.to_frame(), refit.to_frame())
    for dim in ("posture",):
        a, b = shared.dimensions[dim], refit.dimensions[dim]
        assert a.evaluated and a.predictions is not None
        pd.testing.assert_frame_equal(a.predictions, b.predictions, check_exact=True)
        pd.testing.assert_frame_equal(a.learning_curve, b.learning_curve, check_exact=True)


def test_a_model_trained_from_shared_counts_is_the_model_trained_without(project):
    """`train_project` counts once for the training and its cross-validation: the model is the same."""
    counts = SharedCounts()
    shared, alone = train(project, include_examples=True, counts=counts), train(project, include_examples=True)
    assert shared.fingerprint_ == alone.fingerprint_ and shared.head_._counts is None
    fitted_alike(shared.vectorizer_, alone.vectorizer_)
    texts = un_passages(200)
    for dim in alone.dimensions_:
        assert np.array_equal(shared.predict_proba(texts, dim), alone.predict_proba(texts, dim))
    evaluation = evaluate(project, dimensions=["voice"], include_examples=True, n_boot=50, counts=counts)
    assert evaluation.dimensions["voice"].evaluated  # the same counts serve the cross-validation


@pytest.mark.slow
def test_stance_report_reads_the_stored_errors_and_runs_no_cross_validation(project, tmp_path, monkeypatch):
    """The errors the report's corrected shares need are in the model's card: `stance report` neither
    fits a model nor cross-validates, and still gives the corrected (ACC, PACC) shares."""
    import sys

    evaluate_module = sys.modules["stance.models.evaluate"]  # the package's `evaluate` is the function
    from stance.models import StanceModel
    from stance.models.head import LinearHead

    runner = CliRunner()
    res = runner.invoke(main, ["train", "-p", str(project.path), "-d", "posture", "--include-examples",
                               "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["score", "-p", str(project.path), "-q"])
    assert res.exit_code == 0, res.output

    def refuse(*args, **kwargs):
        raise AssertionError("stance report fitted a model or re-ran a cross-validation")

    for owner, name in ((evaluate_module, "evaluate"), (evaluate_module, "_evaluate_dimension"),
                        (StanceModel, "fit"), (LinearHead, "fit")):
        monkeypatch.setattr(owner, name, refuse)
    out = tmp_path / "report"
    res = runner.invoke(main, ["report", "-p", str(project.path), "--by", "source", "-o", str(out),
                               "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    shares = pd.read_csv(out / "tables" / "shares_posture.csv")
    assert {"ACC", "PACC"} <= set(shares["estimator"])
