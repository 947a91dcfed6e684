"""The validate commands and the validation options of other commands, on the embedded corpus scored
by a model trained on it: each success once, and every bad input with one clear line and nothing stored."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import counts

from stance.cli import main
from stance.corpus import load_into
from stance.models import save_model, train
from stance.score import score_project
from stance.store import Project


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str, match: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert match in lines[0], lines[0]
    return lines[0]


def sample_rows(project: Project) -> int:
    from stance.store import validation

    return len(validation.current_sample(project.conn)[1])


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The embedded corpus, scored by a model trained on it (in its own folder, so that the gold labels
    do not count as validation labels)."""
    root = tmp_path_factory.mktemp("valcli")
    home = Project.init(root / "home")
    load_into(home)
    model = train(home, include_examples=True, C=0.3)
    model_path = root / "model.skops"
    save_model(model, model_path)
    project = Project.init(root / "target")
    load_into(project)
    score_project(project, model=model_path)
    return root, project, model_path


def test_sample_draws_stores_and_refuses_a_second_one(scored):
    root, project, _ = scored
    out = ok("validate", "sample", "-p", str(project.path), "-n", "12", "--by", "title", "--seed", "3",
             "-o", str(root / "to_label.csv"))
    assert "Drew 12 passages at random" in out and "--validation" in out
    written = pd.read_csv(root / "to_label.csv")
    assert len(written) == 12 and {"passage_id", "text", "title"} <= set(written.columns)
    assert sample_rows(project) == 12
    fails("validate", "sample", "-p", str(project.path), "-n", "5", match="already has a validation sample")
    assert sample_rows(project) == 12


def test_labels_import_only_for_the_sample_and_the_report_measures_them(scored):
    root, project, _ = scored
    if sample_rows(project) == 0:
        ok("validate", "sample", "-p", str(project.path), "-n", "12", "--by", "title", "--seed", "3")
    from stance.store import validation

    sample = validation.current_sample(project.conn)[1]
    gold = {r["passage_id"]: r for r in Project.open(project.path).gold_frame().to_dict(orient="records")}
    path = root / "validation_labels.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["passage_id", "posture", "voice"])
        for pid in sample["passage_id"]:  # the embedded corpus's own gold labels, read by the team
            w.writerow([pid, gold[pid]["posture"], gold[pid]["voice"]])
    before = counts(project)
    outside = root / "outside.csv"
    other = next(p for p in gold if p not in set(sample["passage_id"]))
    outside.write_text(f"passage_id,posture\n{other},neutral\n", encoding="utf-8")
    fails("import-labels", str(outside), "-p", str(project.path), "--format", "csv", "--annotator", "ann",
          "--partial", "--validation", match="is not in the project's validation sample")
    missing = root / "missing.csv"
    missing.write_text("passage_id,posture\np-nowhere,neutral\n", encoding="utf-8")
    fails("import-labels", str(missing), "-p", str(project.path), "--format", "csv", "--annotator", "ann",
          "--partial", "--validation", match="not in the project")
    hawk = root / "hawk.csv"
    hawk.write_text(f"passage_id,posture\n{sample['passage_id'].iloc[0]},hawk\n", encoding="utf-8")
    fails("import-labels", str(hawk), "-p", str(project.path), "--format", "csv", "--annotator", "ann",
          "--partial", "--validation", match="hawk")
    assert counts(project) == before

    ok("import-labels", str(path), "-p", str(project.path), "--format", "csv", "--annotator", "team-reader-1",
       "--partial", "--validation")
    report = ok("validate", "report", "-p", str(project.path), "--n-boot", "100", "--json", str(root / "v.json"))
    assert "posture: the model" in report and "always choosing" in report and "accuracy" in report
    data = json.loads((root / "v.json").read_text())
    assert data["dimensions"]["posture"]["n"] == 12


def test_bad_input_one_line_nothing_stored(scored, tmp_path):
    _, project, model_path = scored
    empty = Project.init(tmp_path / "empty")
    load_into(empty)
    before = counts(empty)
    fails("validate", "sample", "-p", str(empty.path), "-n", "5", match="has no predictions")
    fails("validate", "report", "-p", str(empty.path), match="no validation sample")
    assert counts(empty) == before and sample_rows(empty) == 0
    fails("validate", "sample", "-p", str(project.path), "-n", "100000", "--replace", match="larger than the corpus")
    fails("validate", "sample", "-p", str(project.path), "-n", "5", "--by", "nowhere", "--replace",
          match="no column 'nowhere'")
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("body,posture\nWe must talk to Tehran.,restraint\n", encoding="utf-8")
    fails("evaluate", "--model", str(model_path), "--labels", str(labelled), match="no column 'text'")
    bad = tmp_path / "bad.csv"
    bad.write_text("text,posture\nWe must talk to Tehran.,hawk\n", encoding="utf-8")
    fails("evaluate", "--model", str(model_path), "--labels", str(bad), match="'hawk' is not in the codebook")


def test_evaluate_a_saved_model_on_a_labelled_file(scored, tmp_path):
    _, project, model_path = scored
    gold = project.gold_frame()
    gold = gold[gold["posture"].notna()][["text", "posture", "topic"]]
    gold["topic"] = gold["topic"].map(lambda v: ";".join(v) if isinstance(v, list) else "")
    path = tmp_path / "labelled.csv"
    gold.rename(columns={"text": "body"}).to_csv(path, index=False)
    out = ok("evaluate", "--model", str(model_path), "--labels", str(path), "--text-col", "body", "--n-boot", "100")
    assert "posture: the model" in out and "always choosing" in out
    # topic takes several values per passage: its accuracy is exact-match accuracy, said so
    assert "topic: the model" in out and "exact-match accuracy" in out and "always choosing the set" in out


def test_validation_passages_are_held_out_of_training_unless_asked(scored):
    _, project, _ = scored
    if sample_rows(project) == 0:
        ok("validate", "sample", "-p", str(project.path), "-n", "12", "--by", "title", "--seed", "3")
    from stance.models.data import gold_data

    held = gold_data(project)
    used = gold_data(project, include_validation=True)
    assert held.validation_held_out == 12 and used.validation_used == 12
    assert len(used.frame) - len(held.frame) == 12
    model = train(project, dimensions=["posture"], include_validation=True, C=0.3)
    assert model.validation_in_training_ == 12
    assert train(project, dimensions=["posture"], C=0.3).validation_in_training_ == 0


def test_the_validation_queue_serves_the_sample_blind(scored):
    _, project, _ = scored
    if sample_rows(project) == 0:
        ok("validate", "sample", "-p", str(project.path), "-n", "12", "--by", "title", "--seed", "3")
    from stance.annotate.app import create_app
    from stance.annotate.queue import QueueOptions
    from stance.store import validation

    order = list(validation.current_sample(project.conn)[1]["passage_id"])
    app = create_app(project.path, annotators=["alice", "bob"], opts=QueueOptions(order="uncertain", validation=True))
    state = app.state.annotation
    assert state.queue("alice").passage_ids == order == state.queue("bob").passage_ids  # draw order, for all
    assert state.models == {}  # so no suggestion is shown
