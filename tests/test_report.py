"""The report in its four stages, the whole build from a project and from a scores file, and the
`stance report` command (one success, one failure each way)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stance import analysis as an
from stance import report, store
from stance.analysis import ClassifierErrors
from stance.cli import main
from stance.codebook import load_codebook
from stance.errors import InputError
from stance.store import Project

CB = load_codebook()
DIMS = {d.name: d for d in CB.dimensions}
WORDS = ["ceasefire", "talks", "diplomacy", "missiles", "strikes", "deterrence", "troops", "sanctions"]


def scores(groups=(("Outlet A", 8), ("Outlet B", 8), ("Tiny Blog", 1)), seed=0) -> pd.DataFrame:
    """Passage-level scores in the scoring contract's shape, for every codebook dimension."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, docs in groups:
        for d in range(docs):
            for k in range(5):
                row = {"doc_id": f"{g}-{d}", "passage_id": f"{g}-{d}-{k}", "outlet": g, "author": f"au{d % 3}",
                       "date": f"{2021 + d % 3}-0{1 + d % 9}-15", "title": "t", "url": "", "is_boilerplate": k == 4,
                       "text": " ".join(rng.choice(WORDS, 7))}
                for name, dim in DIMS.items():
                    values = dim.value_names
                    p = rng.dirichlet(np.ones(len(values)))
                    row[name] = (";".join(v for v, q in zip(values, p, strict=True) if q > 0.25) or values[-1]
                                 if dim.multi else values[int(p.argmax())])
                    row.update({f"{name}:{v}": float(q) for v, q in zip(values, p, strict=True)})
                rows.append(row)
    return pd.DataFrame(rows)


def posture_errors() -> ClassifierErrors:
    values = DIMS["posture"].value_names
    true = values * 10
    pred = values * 8 + values[1:] + values[:1] + values[2:] + values[:2]
    return ClassifierErrors.from_predictions("posture", true, pred, values)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    frame = scores()
    summary = report.summarise(frame, CB, by="outlet", time="year", compare=("Outlet A", "Outlet B"),
                               min_passages=20, errors={"posture": posture_errors()}, n_boot=100)
    figures = report.draw(summary)
    pngs = report.rasterise(figures)
    html = report.render(summary, figures, pngs)
    result = report.write(summary, figures, html, out, pdf=True, pngs=pngs)
    return summary, figures, html, result


def test_stages_write_a_self_contained_report_with_charts_and_csvs(built):
    summary, figures, html, result = built
    assert result.html.exists() and result.pdf.exists() and result.pdf.stat().st_size > 5000
    # every chart as PNG and SVG, every table behind a chart as CSV
    for sec in summary.sections:
        if sec.chart:
            assert (result.out_dir / "charts" / f"{sec.key}.png").exists()
            assert (result.out_dir / "charts" / f"{sec.key}.svg").exists()
            assert (result.out_dir / "tables" / f"{sec.chart}.csv").exists()
    keys = {s.key for s in summary.sections}
    assert {"index", "index_trend", "shares_posture", "composition", "terms_outlet", "terms_posture"} <= keys
    # the composition is the model's own figure, and the report says it has not been checked
    assert "not been checked on this corpus" in next(s.text for s in summary.sections if s.key == "composition")
    # self-contained: images inline, no external resource to fetch
    assert html.count("data:image/png;base64,") == len(figures)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_small_groups_are_kept_greyed_with_a_note(built):
    _summary, _figures, html, result = built
    groups = pd.read_csv(result.out_dir / "tables" / "groups.csv")
    assert groups.set_index("outlet").loc["Tiny Blog", "small"]
    assert "Tiny Blog" in set(pd.read_csv(result.out_dir / "tables" / "shares_posture.csv")["outlet"])
    assert "fewer than 20 passages" in html and "Tiny Blog" in html


def test_uncorrected_beside_corrected_and_counts_in_tables(built):
    summary, *_ = built
    shares = summary.tables["shares_posture"]
    assert {"CC", "PCC", "ACC"} <= set(shares["estimator"])
    assert {"passages", "documents", "low", "high"} <= set(shares.columns)
    # boilerplate left out: 4 of 5 passages per document
    a = shares[(shares["outlet"] == "Outlet A") & (shares["estimator"] == "CC")]
    assert (a["passages"] == 32).all() and (a["documents"] == 8).all()


def test_topic_and_compare_are_checked(tmp_path):
    frame = scores()
    topic = DIMS["topic"].value_names[0]
    s = report.summarise(frame, CB, by="outlet", topic=topic, n_boot=20)
    assert s.meta["passages"] < len(frame[~frame["is_boilerplate"]])
    with pytest.raises(InputError, match="unknown value 'narnia' for dimension 'topic'; valid:"):
        report.summarise(frame, CB, by="outlet", topic="narnia")
    with pytest.raises(InputError, match="no group 'Nobody'"):
        report.summarise(frame, CB, by="outlet", compare=("Outlet A", "Nobody"))
    with pytest.raises(InputError, match="no column 'country'"):
        report.summarise(frame, CB, by="country")


def test_one_group_and_no_text(tmp_path):
    frame = scores(groups=(("Only", 3),)).drop(columns=["text"])
    result = report.build_report(frame, tmp_path / "one", by="outlet", n_boot=20, codebook=CB)
    html = result.html.read_text()
    assert "1 group by" in html and "no distinctive-terms section" in html


def _project_with_predictions(tmp_path) -> Project:
    """A project with documents and stored predictions from a registered (file-less) model whose card
    carries a confusion matrix, so the report runs without training anything."""
    project = Project.init(tmp_path / "proj")
    from stance.ingest import make_document

    frame = scores(groups=(("Outlet A", 3), ("Outlet B", 3)))
    docs = []
    for doc_id, part in frame.groupby("doc_id", sort=False):
        text = "\n\n".join(part["text"])
        docs.append(make_document(text, f"{doc_id}.txt", {"outlet": part["outlet"].iloc[0],
                                                           "date": part["date"].iloc[0]}))
    project.add_documents(docs)
    values = DIMS["posture"].value_names
    conf = [{"true": v, **{w: (8 if v == w else 1) for w in values}} for v in values]
    card = {"dimension": {"training_data": {"passages": 40, "documents": 6},
                          "evaluation": {"confusion": conf, "measured_on": "test",
                                         "majority_baseline": {"macro_f1": {"value": 0.2}}}}}
    model_id = project.add_model("posture", tmp_path / "none.skops", CB.version,
                                 metrics={"macro_f1": {"value": 0.6, "low": 0.5, "high": 0.7}}, card=card)
    passages = project.passages_frame()
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(len(values)), size=len(passages))
    with project.transaction() as conn:
        store.replace_predictions(conn, model_id, "posture", values, passages["passage_id"].tolist(),
                                  [values[i] for i in probs.argmax(axis=1)], probs, "2024-01-01T00:00:00")
    return project


def test_cli_report_from_a_project_and_from_a_scores_file(tmp_path):
    project = _project_with_predictions(tmp_path)
    runner = CliRunner()
    out = tmp_path / "rep"
    res = runner.invoke(main, ["report", "--project", str(project.path), "--by", "outlet", "--time", "year",
                               "--n-boot", "30", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Wrote" in res.output and (out / "report.html").exists()
    shares = pd.read_csv(out / "tables" / "shares_posture.csv")
    assert "ACC" in set(shares["estimator"])  # corrected with the card's confusion matrix
    assert (out / "tables" / "model_quality.csv").exists()

    path = tmp_path / "scores.parquet"
    scores().to_parquet(path)
    res = runner.invoke(main, ["report", "--scores", str(path), "--by", "author", "--n-boot", "20", "-q",
                               "-o", str(tmp_path / "rep2")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep2" / "report.html").exists()


def test_cli_report_failures_are_one_line_messages(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["report", "--project", str(tmp_path / "nothing"), "-o", str(tmp_path / "x")])
    assert res.exit_code == 1 and "is not a project" in res.output and "Traceback" not in res.output
    path = tmp_path / "scores.csv"
    scores().to_csv(path, index=False)
    res = runner.invoke(main, ["report", "--scores", str(path), "--by", "country", "-o", str(tmp_path / "y")])
    assert res.exit_code == 1 and "no column 'country'" in res.output
    res = runner.invoke(main, ["report", "-o", str(tmp_path / "z")])
    assert res.exit_code == 2 and "exactly one of --project or --scores" in res.output


def test_many_groups_charts_show_the_largest_and_say_so():
    frame = scores(groups=tuple((f"G{i:02d}", 2 + i % 3) for i in range(12)))
    summary = report.summarise(frame, CB, by="outlet", n_boot=10)
    figures = report.draw(summary, max_groups=5)
    assert len(summary.tables["shares_posture"]["outlet"].unique()) == 12  # tables keep every group
    sec = next(s for s in summary.sections if s.key == "shares_posture")
    assert any("5 largest of 12 groups" in n for n in sec.notes)
    assert figures["shares_posture"] is not None


def test_uneven_passage_lengths_are_flagged():
    frame = scores(groups=(("Wrapped", 4), ("Whole", 4)))
    frame.loc[frame["outlet"] == "Whole", "text"] = frame.loc[frame["outlet"] == "Whole", "text"] * 20
    summary = report.summarise(frame, CB, by="outlet", n_boot=10)
    overview = next(s for s in summary.sections if s.key == "overview")  # the banner comes first (issue 12)
    notes = " ".join(overview.notes)
    assert "Passage lengths differ widely" in notes and "--unit sentence" in notes
    assert set(summary.tables["passage_lengths"]["outlet"]) == {"Wrapped", "Whole"}
    even = report.summarise(scores(groups=(("A", 4), ("B", 4))), CB, by="outlet", n_boot=10)
    assert "Passage lengths" not in " ".join(next(s for s in even.sections if s.key == "overview").notes)


@pytest.mark.slow
def test_a_model_carries_its_cross_validated_errors_and_figures_into_another_project_s_report(tmp_path,
                                                                                              monkeypatch):
    """The classifier's errors are measured once, when it is trained, and stored in its card: a model
    trained on a labelled project and used to score an unlabelled one brings them (and its quality
    figures) into that project's report, the same figures as the training-time cross-validation, and
    the report runs no cross-validation of its own."""
    from stance.corpus import load_corpus, load_into
    from stance.models import StanceModel, train_project

    labelled = Project.init(tmp_path / "train")
    load_into(labelled)
    _model, evaluation, path = train_project(labelled, dimensions=["posture"], include_examples=True, n_boot=50)
    corpus = Project.init(tmp_path / "corpus")  # no gold labels at all
    corpus.add_documents(load_corpus(None, CB.dimension_names).documents)
    res = CliRunner().invoke(main, ["score", "--project", str(corpus.path), "--model", str(path), "-q"])
    assert res.exit_code == 0, res.output
    assert corpus.latest_model("posture")["card"] == {}  # registered from the file: its card stays beside it

    def no_fitting(*args, **kwargs):
        raise AssertionError("the report fitted a model (re-ran a cross-validation)")

    monkeypatch.setattr(StanceModel, "fit", no_fitting)
    stored = an.classifier_errors(corpus, "posture")
    expected = ClassifierErrors.from_evaluation(evaluation.dimensions["posture"])
    assert stored.source == expected.source and "grouped by document" in stored.source
    assert stored.classes == expected.classes and np.array_equal(stored.confusion, expected.confusion)
    assert np.array_equal(stored.true, expected.true) and np.array_equal(stored.docs, expected.docs)
    assert np.allclose(stored.mean_proba, expected.mean_proba, atol=1e-6, equal_nan=True)
    assert an.classifier_errors(corpus, "topic") is None  # no model, and multi-valued: no ACC/PACC

    out = tmp_path / "rep"
    report.build_report(corpus, out, by="outlet", n_boot=20)
    shares = pd.read_csv(out / "tables" / "shares_posture.csv")
    assert {"ACC", "PACC"} <= set(shares["estimator"])
    # four training documents leave some corrections undetermined: drawn as a line without a point
    wide = shares["estimator"].isin(["ACC", "PACC"]) & (shares["high"] - shares["low"] > 0.5)
    assert wide.any() and shares.loc[wide, "share"].isna().all() and not shares.loc[wide, "identifiable"].any()
    assert shares.loc[~wide, "share"].notna().all()
    assert "Not identifiable with this model (corrected interval" in (out / "report.html").read_text(encoding="utf-8")
    quality = pd.read_csv(out / "tables" / "model_quality.csv").set_index("metric")
    assert quality.loc["macro_f1", "value"] == pytest.approx(
        evaluation.dimensions["posture"].metrics["macro_f1"]["value"])


TWO_VALUES = """
name: hawks and doves
version: "1"
dimensions:
  - name: tone
    question: Does the passage favour force or talks?
    values:
      - {name: hawk, key: h, definition: Favours force.}
      - {name: dove, key: d, definition: Favours talks.}
"""
HAWK_INDEX = """
analysis:
  index: {name: hawk_score, dimension: tone, positive: hawk, negative: dove}
"""


def _tone_scores() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for g, hawkish in (("Hawk Weekly", 0.8), ("Dove Daily", 0.2)):
        for d in range(6):
            for _ in range(4):
                p = float(np.clip(rng.normal(hawkish, 0.1), 0, 1))
                rows.append({"doc_id": f"{g}-{d}", "outlet": g, "is_boilerplate": False,
                             "text": " ".join(rng.choice(WORDS[3:] if p > 0.5 else WORDS[:3], 6)),
                             "tone": "hawk" if p > 0.5 else "dove", "tone:hawk": p, "tone:dove": 1 - p})
    return pd.DataFrame(rows)


def test_a_custom_codebook_s_own_index_goes_through_the_report(tmp_path):
    from stance.codebook import parse_codebook

    codebook = parse_codebook(TWO_VALUES + HAWK_INDEX)
    result = report.build_report(_tone_scores(), tmp_path / "hawks", by="outlet", n_boot=50, codebook=codebook)
    html = result.html.read_text()
    assert "Hawk score per outlet" in html and "P(tone=hawk) − P(tone=dove)" in html
    index = pd.read_csv(result.out_dir / "tables" / "index.csv").set_index("outlet")["index"]
    assert index["Hawk Weekly"] > 0.3 > -0.3 > index["Dove Daily"]
    assert (result.out_dir / "tables" / "terms_tone.csv").exists()  # the index's poles compared
    assert not (result.out_dir / "tables" / "composition.csv").exists()  # the codebook defines none
    assert "restraint" not in html and "role" not in html

    without = report.build_report(_tone_scores(), tmp_path / "plain", by="outlet", n_boot=20,
                                  codebook=parse_codebook(TWO_VALUES))
    html = without.html.read_text()
    assert "No index: the codebook defines no index" in html
    assert not (without.out_dir / "tables" / "index.csv").exists()
