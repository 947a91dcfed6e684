"""Cross-validation grouped by something a reviewer would accept: whole documents by default, whole
values of a metadata column with --group-col, and a warning when the grouping holds out nothing but
single passages (or splits a document across groups)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from stance.cli import main
from stance.corpus import load_into
from stance.models import evaluate
from stance.store import Project


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    project = Project.init(tmp_path_factory.mktemp("groups") / "seed")
    load_into(project)
    return project


def test_one_passage_per_document_is_called_near_random_and_offers_group_col(seed):
    gold = seed.gold_frame()
    single = gold.assign(doc_id=gold["passage_id"])  # as when every row of a CSV is its own document
    result = evaluate(single, dimensions=["posture"], codebook=seed.codebook, n_boot=50, learning_curve=False)
    note = next(w for w in result.warnings if "single labelled passage" in w)
    assert f"{len(single)} of the {len(single)} documents" in note and "--group-col" in note
    posture = result.dimensions["posture"]
    worse = posture.metrics["brier"]["value"] >= posture.baseline["brier"]["value"]
    assert worse == any("probabilities are no better than the baseline's" in w for w in posture.warnings)
    assert worse  # 54 passages: its probabilities are worse than the value shares' (0.77 against 0.72)
    grouped = evaluate(gold, dimensions=["posture"], codebook=seed.codebook, n_boot=50, learning_curve=False)
    assert not any("single labelled passage" in w for w in grouped.warnings)  # 4 documents of 8 to 25 passages


def test_a_group_column_that_splits_documents_is_warned_about(seed):
    gold = seed.gold_frame()
    halves = gold.assign(half=[str(i % 2) for i in range(len(gold))])
    result = evaluate(halves, dimensions=["posture"], codebook=seed.codebook, n_boot=50, learning_curve=False,
                      group_column="half")
    posture = result.dimensions["posture"]
    assert posture.grouped_by == "half" and posture.groups == 2 and posture.n_splits == 2
    assert any("4 documents have passages under more than one half value" in w for w in posture.warnings)
    train_groups, test_groups = posture.folds[0]
    assert not set(train_groups) & set(test_groups)


def test_group_col_from_the_command_line_for_evaluate_and_train(seed, tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["evaluate", "-p", str(seed.path), "-d", "posture", "--group-col", "doc_key",
                               "--n-boot", "50", "--no-learning-curve", "-q", "--json", str(tmp_path / "e.json")])
    assert out.exit_code == 0, out.output
    assert "4-fold CV grouped by doc_key (4 values)" in out.output  # a metadata column from ingest's meta
    assert json.loads((tmp_path / "e.json").read_text())["dimensions"]["posture"]["grouped_by"] == "doc_key"

    bad = runner.invoke(main, ["evaluate", "-p", str(seed.path), "-d", "posture", "--group-col", "nowhere", "-q"])
    lines = [line for line in bad.output.splitlines() if line.strip()]
    assert bad.exit_code == 1 and len(lines) == 1
    assert "no column 'nowhere'" in lines[0] and "doc_key" in lines[0]

    before = len(seed.list_models())
    trained = runner.invoke(main, ["train", "-p", str(seed.path), "-d", "posture", "--group-col", "doc_key",
                                   "--n-boot", "50", "-q"])
    assert trained.exit_code == 0, trained.output
    assert "grouped by doc_key" in trained.output
    card = json.loads(next(seed.models_dir.glob("*.card.json")).read_text())
    measured = card["dimensions"][0]["evaluation"]["measured_on"]
    assert "cross-validation grouped by doc_key" in measured and len(seed.list_models()) == before + 1
