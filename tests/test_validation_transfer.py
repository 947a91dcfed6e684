"""Transfer checks on real text: a model trained on the embedded op-eds reading US presidential
speeches is told that it reads unfamiliar text, while its own training passages are familiar."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SHARED

from stance.cli import main
from stance.corpus import load_into
from stance.ingest import TableOptions, ingest
from stance.models import save_model, train
from stance.store import Project
from stance.validation import transfer_checks, word_coverage
from stance.validation.transfer import TransferSample

SPEECHES = SHARED / "corpora" / "us-presidential-speeches-2017-2024"


def scored(model, passages: pd.DataFrame) -> pd.DataFrame:
    """Passage-level scores in the report's shape, straight from the model."""
    frame = passages[~passages["is_boilerplate"]].copy()
    X = model.transform(frame["text"].tolist())
    for d in model.dimensions_:
        P = model.predict_proba_from_features(X, d)
        labels = model.labels_from_proba(P, d)
        frame[d] = [";".join(v) for v in labels] if model.multi_[d] else labels
        for k, v in enumerate(model.classes_[d]):
            frame[f"{d}:{v}"] = P[:, k]
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("transfer")
    seed = Project.init(root / "seed")
    load_into(seed)
    return seed, train(seed, include_examples=True, C=0.3)


def test_speeches_are_flagged_as_unfamiliar_and_the_training_corpus_is_not(trained, tmp_path):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    seed, model = trained
    speeches = Project.init(tmp_path / "speeches")
    ingest(speeches, [SPEECHES / "Biden_speeches.csv", SPEECHES / "Trump_speeches.csv"],
           table=TableOptions(text_col="Transcript"))
    far = transfer_checks(model, scored(model, speeches.passages_frame()))
    home_passages = seed.passages_frame(include_examples=False)
    home = transfer_checks(model, scored(model, home_passages))
    assert far.passages > 5000
    assert far.barely_seen > 0.3 and home.barely_seen < 0.05
    assert far.vocabulary_coverage < home.vocabulary_coverage
    assert any("barely seen" in w for w in far.warnings)
    assert not any("barely seen" in w for w in home.warnings)
    posture = far.dimensions.set_index("dimension").loc["posture"]
    assert 0 < posture["shift"] <= 1 and 0.3 < posture["mean_confidence"] < 1
    assert any(line.startswith("posture: predicted mix vs training labels") for line in far.lines())
    dist = far.distributions[far.distributions["dimension"] == "posture"]
    assert dist["training_share"].sum() == pytest.approx(1) and dist["predicted_share"].sum() == pytest.approx(1)


def test_scoring_a_file_prints_the_transfer_checks_and_the_unchecked_warning(trained, tmp_path):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    _, model = trained
    model_path = tmp_path / "model.skops"
    save_model(model, model_path)
    out = CliRunner().invoke(main, ["score", str(SPEECHES / "Biden_speeches.csv"), "--text-col", "Transcript",
                                    "--model", str(model_path), "-o", str(tmp_path / "scores.csv"), "-q"])
    assert out.exit_code == 0, out.output
    written = pd.read_csv(tmp_path / "scores.csv")
    assert "text" not in written.columns  # the checks read the text; the output still leaves it out
    assert "Transfer checks (how far this corpus is from the model's training data):" in out.output
    assert "use words the model has barely seen" in out.output and "posture: predicted mix" in out.output
    assert "warning: " in out.output and "This model has not been checked on this corpus" in out.output
    passages = int((~written["is_boilerplate"]).sum())
    if len(written) > 5000:
        assert f"random sample of 5,000 of the {len(written):,} passages" in out.output
    else:
        assert f"of {passages:,} passages use words" in out.output


def test_a_report_from_a_scores_file_brings_the_model_s_figures_errors_and_transfer_checks(trained, tmp_path):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    from stance.models import train_project

    seed, _ = trained
    _model, evaluation, model_path = train_project(seed, dimensions=["posture"], include_examples=True, n_boot=50)
    runner = CliRunner()
    scored = runner.invoke(main, ["score", str(SPEECHES / "Biden_speeches.csv"), "--text-col", "Transcript",
                                  "--model", str(model_path), "-o", str(tmp_path / "scores.parquet"), "-q",
                                  "--with-text"])
    assert scored.exit_code == 0, scored.output
    out = tmp_path / "report"
    made = runner.invoke(main, ["report", "--scores", str(tmp_path / "scores.parquet"), "--model", str(model_path),
                                "--by", "President", "-o", str(out), "--n-boot", "50", "-q"])
    assert made.exit_code == 0, made.output
    quality = pd.read_csv(out / "tables" / "model_quality.csv").set_index("metric")
    assert quality.loc["accuracy", "value"] == pytest.approx(evaluation.dimensions["posture"].metrics["accuracy"]["value"])
    assert {"ACC", "PACC"} <= set(pd.read_csv(out / "tables" / "shares_posture.csv")["estimator"])
    transfer = pd.read_csv(out / "tables" / "transfer.csv").set_index("dimension")
    assert transfer.loc["posture", "shift"] > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "This model has not been checked on this corpus" in html and "barely seen" in html
    lost = runner.invoke(main, ["report", "-p", str(seed.path), "--model", str(model_path), "-o", str(out)])
    assert lost.exit_code == 2 and "--model goes with --scores" in lost.output


def test_the_file_sample_is_uniform_and_bounded():
    sample = TransferSample(size=300, seed=3)
    for start in range(0, 10_000, 700):  # batches of a run, as `stance score FILE` streams them
        n = min(700, 10_000 - start)
        sample.add(pd.DataFrame({"passage_id": range(start, start + n), "text": "x"}))
    kept = sample.frame["passage_id"]
    assert len(kept) == 300 and kept.is_unique and sample.seen == 10_000
    assert 0.4 < (kept < 5_000).mean() < 0.6  # as many from the first half of the run as from the second


def test_a_model_without_a_word_vocabulary_has_no_coverage_figure():
    assert word_coverage(object(), ["some text"]) is None
