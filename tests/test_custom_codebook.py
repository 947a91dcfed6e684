"""A custom two-value codebook all the way through the command line, on real sentences: FOMC statements
labelled hawkish or dovish (neutral left out), one document per year. Train, score at document level
(with the codebook's own index), store predictions, report; written examples come from the codebook
itself, or the command says plainly that it has none."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from stance.cli import main

BENCH = Path(os.environ.get("STANCE_BENCHMARKS", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))
FOMC = BENCH / "fomc-hawkish-dovish"
CODEBOOK = """
name: hawks and doves
version: "1"
dimensions:
  - name: tone
    question: Does the sentence lean toward tighter or looser monetary policy?
    values:
      - {name: hawkish, key: h, definition: Favours tighter policy.}
      - {name: dovish, key: d, definition: Favours looser policy.}
analysis:
  index: {name: hawkishness, dimension: tone, positive: hawkish, negative: dovish}
"""
EXAMPLES = {"hawkish": ["Further policy firming may be needed to keep inflation in check."],
            "dovish": ["The Committee can be patient before raising rates, given the slack in the labor market."]}

pytestmark = pytest.mark.skipif(not FOMC.exists(), reason=f"benchmark data not found at {FOMC}")


def run(*args) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def fail(*args) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code != 0 and "Traceback" not in res.output, res.output
    return res.output.strip()


def write_years(split: str, folder: Path) -> pd.DataFrame:
    """One Markdown document per year of the split's hawkish and dovish sentences; returns the sentences."""
    raw = pd.read_csv(FOMC / f"lab-manual-combine-{split}-5768.csv")
    raw = raw[raw["label"] != 2].assign(sentence=lambda f: f["sentence"].str.strip()).drop_duplicates("sentence")
    raw["tone"] = raw["label"].map({0: "dovish", 1: "hawkish"})
    folder.mkdir(parents=True)
    for year, rows in raw.groupby("year"):
        era = "before 2005" if year < 2005 else "2005 on"
        (folder / f"fomc-{year}.md").write_text(f"---\ntitle: FOMC {year}\ndate: {year}-01-01\noutlet: {era}\n---\n\n"
                                                + "\n\n".join(rows["sentence"]), encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hawks")
    (root / "codebook.yaml").write_text(CODEBOOK)
    train = write_years("train", root / "train")
    train[["sentence", "tone"]].rename(columns={"sentence": "text"}).to_csv(root / "labels.csv", index=False)
    proj = root / "proj"
    run("init", proj, "--codebook", root / "codebook.yaml")
    run("ingest", root / "train", "-p", proj)
    run("import-labels", root / "labels.csv", "-p", proj, "--format", "csv", "--annotator", "fomc", "--as-gold")
    out = run("train", "-p", proj, "--n-boot", "50", "--learning-curve", "-q")
    model = Path(out.split("Saved ", 1)[1].split(" (card", 1)[0])
    test = write_years("test", root / "test")
    return root, proj, model, test


def test_document_level_scores_carry_the_codebook_s_own_index(project):
    root, proj, model, test = project
    run("score", root / "test", "-p", proj, "--level", "document", "-o", root / "docs.csv", "-q")
    docs = pd.read_csv(root / "docs.csv")
    assert {"tone:share:hawkish", "tone:share:dovish", "hawkishness", "hawkishness_n"} <= set(docs.columns)
    assert not any("restraint" in c or "posture" in c for c in docs.columns)
    # held-out years: the predicted share of hawkish sentences follows the share the labellers gave
    gold = test.groupby("year")["tone"].apply(lambda s: (s == "hawkish").mean())
    predicted = docs.assign(year=docs["date"].str[:4].astype(int)).set_index("year")["tone:share:hawkish"]
    assert predicted.corr(gold.loc[predicted.index]) > 0.5
    assert docs["hawkishness"].corr(docs["tone:share:hawkish"]) > 0.8

    # the model file outside its project needs its codebook, and says so in one line
    message = fail("score", root / "test", "--model", model, "--level", "document", "-o", root / "x.csv")
    assert "--codebook" in message and "tone" in message and message.count("\n") == 0
    run("score", root / "test", "--model", model, "--codebook", root / "codebook.yaml", "--level", "document",
        "-o", root / "docs2.csv", "-q")
    assert pd.read_csv(root / "docs2.csv")["hawkishness"].tolist() == pytest.approx(docs["hawkishness"].tolist())


def test_the_report_of_a_custom_codebook(project):
    root, proj, _model, _test = project
    run("score", "-p", proj, "-q")
    run("report", "-p", proj, "--by", "outlet", "-o", root / "report", "--n-boot", "50", "-q")
    html = (root / "report" / "report.html").read_text()
    index = pd.read_csv(root / "report" / "tables" / "index.csv")
    assert len(index) == 2 and index["index"].notna().all()
    assert "Hawkishness" in html and "restraint" not in html.lower()
    assert (root / "report" / "tables" / "shares_tone.csv").exists()
    assert not (root / "report" / "tables" / "composition.csv").exists()  # the codebook defines none
    curve = pd.read_csv(root / "report" / "tables" / "learning_curve.csv")  # stored by train --learning-curve
    assert set(curve["dimension"]) == {"tone"} and curve["passages"].is_monotonic_increasing and len(curve) >= 3
    assert curve["macro_f1"].iloc[-1] > curve["baseline"].iloc[0]  # more labels: better than the baseline
    assert "Would more labels help?" in html and (root / "report" / "charts" / "learning_curve.png").exists()

    run("score", root / "test", "-p", proj, "-o", root / "passages.csv", "-q")
    message = fail("report", "--scores", root / "passages.csv", "-o", root / "r2")
    assert "--codebook" in message and "posture" in message
    run("report", "--scores", root / "passages.csv", "--codebook", root / "codebook.yaml", "-o", root / "r2",
        "--n-boot", "50", "-q")
    assert pd.read_csv(root / "r2" / "tables" / "index.csv")["index"].notna().all()


def test_include_examples_uses_the_codebook_s_own_examples_or_says_it_has_none(project, tmp_path):
    root, proj, _model, _test = project
    message = fail("train", "-p", proj, "--include-examples", "--no-evaluate", "-q")
    assert "has no written examples" in message and message.count("\n") == 0

    with_examples = CODEBOOK
    for value, texts in EXAMPLES.items():
        with_examples = with_examples.replace(
            f"{{name: {value}, key: {value[0]}, definition: ", f"{{name: {value}, key: {value[0]}, examples: {texts}, "
            "definition: ")
    (tmp_path / "codebook.yaml").write_text(with_examples)
    other = tmp_path / "proj"
    run("init", other, "--codebook", tmp_path / "codebook.yaml")
    run("ingest", root / "train", "-p", other)
    run("import-labels", root / "labels.csv", "-p", other, "--format", "csv", "--annotator", "fomc", "--as-gold")
    run("train", "-p", other, "--include-examples", "--no-evaluate", "-q")
    card = next(other.glob("models/*.card.md")).read_text()
    assert "Written codebook examples in training: yes" in card
    import json

    cards = json.loads(next(other.glob("models/*.card.json")).read_text())
    assert cards["dimensions"][0]["training_data"]["examples"] == 2
