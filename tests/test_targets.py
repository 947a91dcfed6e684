"""Stance toward a stated target from the command line: a project ingested with --target-col keeps each
passage's target as metadata (in the gold frame too), a target model trains, saves and scores from the
CLI on the SemEval-2016 tweets (stance toward five stated targets), and a target model without a target
column, or a target column without a target model, is a one-line error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import f1_score

from stance.cli import main
from stance.store import Project

BENCH = Path(os.environ.get("STANCE_BENCHMARKS", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))
SEMEVAL = BENCH / "semeval2016-stance-tweeteval"
TARGETS = ("abortion", "atheism", "hillary")
LABELS = {"0": "none", "1": "against", "2": "favor"}
CODEBOOK = """
name: semeval stance
version: "1"
dimensions:
  - name: stance
    question: Is the tweet for or against its target?
    values:
      - {name: favor, key: f, definition: For the target.}
      - {name: against, key: a, definition: Against the target.}
      - {name: none, key: n, definition: Neither.}
"""

pytestmark = pytest.mark.skipif(not SEMEVAL.exists(), reason=f"benchmark data not found at {SEMEVAL}")


def _tweets(split: str, per_target: int) -> pd.DataFrame:
    """`per_target` tweets of each target drawn with a fixed seed, with their target and gold stance (texts
    unique)."""
    parts = []
    for target in TARGETS:
        folder = SEMEVAL / target
        texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
        frame = pd.DataFrame({"text": [t.strip() for t in texts], "stance": [LABELS[x] for x in labels]})
        frame["target"] = {"hillary": "Hillary Clinton", "abortion": "legalization of abortion"}.get(target, target)
        parts.append(frame.drop_duplicates("text").sample(per_target, random_state=7))
    out = pd.concat(parts, ignore_index=True)
    return out[~out["text"].duplicated(keep=False)].reset_index(drop=True)


def run(*args: str) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def fail(*args: str) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code != 0, res.output
    assert "Traceback" not in res.output
    return res.output.strip()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """A project of SemEval training tweets ingested with --target-col, gold-labelled, trained with it."""
    root = tmp_path_factory.mktemp("semeval")
    (root / "codebook.yaml").write_text(CODEBOOK)
    train = _tweets("train", 150)
    train[["text", "target"]].to_csv(root / "train.csv", index=False)
    train[["text", "stance"]].to_csv(root / "labels.csv", index=False)
    proj = root / "proj"
    run("init", proj, "--codebook", root / "codebook.yaml")
    run("ingest", root / "train.csv", "-p", proj, "--target-col", "target", "--meta-cols", "")
    run("import-labels", root / "labels.csv", "-p", proj, "--format", "csv", "--annotator", "semeval", "--as-gold")
    out = run("train", "-p", proj, "--target-col", "target", "--n-boot", "50", "-q")
    model = Path(out.split("Saved ", 1)[1].split(" (card", 1)[0])
    return proj, model, train


def test_the_target_is_kept_as_passage_metadata_and_reaches_the_gold_frame(trained):
    proj, _, train = trained
    gold = Project.open(proj).gold_frame()
    assert len(gold) == len(train)
    by_text = dict(zip(train["text"], train["target"], strict=True))
    assert [by_text[t] for t in gold["text"]] == gold["target"].tolist()


def test_one_text_toward_two_targets_is_two_documents(tmp_path):
    pairs = pd.DataFrame({"text": ["We must protect the unborn.", "We must protect the unborn."],
                          "target": ["legalization of abortion", "Hillary Clinton"]})
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    project = Project.init(tmp_path / "p")
    run("ingest", tmp_path / "pairs.csv", "-p", tmp_path / "p", "--target-col", "target")
    assert project.status().documents == 2
    pairs.assign(target=["", "atheism"]).to_csv(tmp_path / "holes.csv", index=False)
    message = fail("ingest", tmp_path / "holes.csv", "-p", tmp_path / "p", "--target-col", "target")
    assert "line 2: no target in column 'target'" in message
    assert project.status().documents == 2  # nothing of the bad file was imported


def test_a_target_model_scores_a_file_from_the_cli(trained, tmp_path):
    proj, model, _ = trained
    test = _tweets("test", 60)
    test[["text", "target"]].to_csv(tmp_path / "test.csv", index=False)
    run("score", tmp_path / "test.csv", "-p", proj, "--target-col", "target", "-o", tmp_path / "scores.csv", "-q")
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) == len(test) and scores["target"].tolist() == test["target"].tolist()
    assert set(scores["stance"]) <= {"favor", "against", "none"}
    macro_f1 = f1_score(test["stance"], scores["stance"], average="macro")
    majority = f1_score(test["stance"], [test["stance"].mode()[0]] * len(test), average="macro")
    assert macro_f1 > majority + 0.1  # it learned stance toward each target, not the most common value

    # the same model file, and the project's own passages
    run("score", tmp_path / "test.csv", "--model", model, "--target-col", "target", "-o", tmp_path / "m.jsonl", "-q")
    assert pd.read_json(tmp_path / "m.jsonl", lines=True)["stance"].tolist() == scores["stance"].tolist()
    out = run("score", "-p", proj, "--target-col", "target", "-q")
    assert "Stored predictions for" in out


def test_a_target_model_is_evaluated_on_a_project_and_on_a_labelled_file(trained, tmp_path):
    proj, model, _ = trained
    out = run("evaluate", "-p", proj, "--target-col", "target", "--n-boot", "50", "--folds", "3", "-q",
              "--json", tmp_path / "cv.json")
    figures = json.loads((tmp_path / "cv.json").read_text())
    assert "stance" in out and figures["dimensions"]["stance"]["metrics"]["macro_f1"]["value"] > 0.3
    assert "learning curve" not in out  # opt-in: --learning-curve
    _tweets("test", 40).to_csv(tmp_path / "labelled.csv", index=False)
    out = run("evaluate", "-p", proj, "--model", model, "--labels", tmp_path / "labelled.csv",
              "--target-col", "target", "--n-boot", "50")
    assert "stance" in out and "accuracy" in out


def test_target_model_and_target_column_must_go_together(trained, tmp_path):
    proj, model, _ = trained
    test = _tweets("test", 5)
    test[["text", "target"]].to_csv(tmp_path / "test.csv", index=False)
    message = fail("score", tmp_path / "test.csv", "-p", proj, "-o", tmp_path / "s.csv")
    assert message.count("\n") == 0 and "stance toward a stated target" in message
    assert "--target-col target" in message and not (tmp_path / "s.csv").exists()
    assert "--target-col" in fail("score", "-p", proj)
    assert "--target-col" in fail("evaluate", "-p", proj, "--model", model, "--labels", tmp_path / "test.csv")
    message = fail("score", tmp_path / "test.csv", "-p", proj, "--target-col", "motion", "-o", tmp_path / "s.csv")
    assert "no column 'motion'" in message

    assert "--target TEXT" in fail("explain", "God is not great.", "-p", proj)
    assert "stance:" in run("explain", "God is not great.", "-p", proj, "--target", "atheism")

    plain = tmp_path / "plain"  # the same tweets trained without a target column
    data = proj.parent
    run("init", plain, "--codebook", data / "codebook.yaml")
    run("ingest", data / "train.csv", "-p", plain, "--meta-cols", "")
    run("import-labels", data / "labels.csv", "-p", plain, "--format", "csv", "--annotator", "semeval", "--as-gold")
    run("train", "-p", plain, "--no-evaluate", "-q")
    message = fail("score", tmp_path / "test.csv", "-p", plain, "--target-col", "target", "-o", tmp_path / "s.csv")
    assert message.count("\n") == 0 and "trained without a target column" in message
