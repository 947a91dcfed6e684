"""`stance train / evaluate / explain / models` through the real entry point, on the embedded corpus."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from stance.cli import main
from stance.cli.models import COMMANDS


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from stance.corpus import load_into
    from stance.store import Project

    path = tmp_path_factory.mktemp("cli") / "proj"
    p = Project.init(path)
    load_into(p)
    p.close()
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_command_has_help_with_an_example():
    for cmd in COMMANDS:
        result = run(cmd.name, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output and f"stance {cmd.name}" in result.output


def test_train_then_models_then_explain(project):
    result = run("train", "--project", project, "--dimension", "voice", "--include-examples",
                 "--n-boot", "100", "-q")
    assert result.exit_code == 0, result.output
    assert "Saved" in result.output and "voice: macro-F1" in result.output
    assert "small data" in result.output  # the embedded corpus is small, and the output says so
    listed = run("models", "--project", project)
    assert listed.exit_code == 0 and "voice" in listed.output
    why = run("explain", "--project", project, "--dimension", "voice",
              "'Britain is now directly involved in this war,' the ambassador said.")
    assert why.exit_code == 0, why.output
    assert why.output.startswith("voice: ") and "toward" in why.output


def test_train_with_too_few_labels_fails_with_a_message(project):
    result = CliRunner().invoke(main, ["train", "--project", project, "--dimension", "role", "-q"])
    assert result.exit_code == 1
    assert "label 3 more" in result.output and "Traceback" not in result.output


def test_evaluate_prints_figures_and_baseline(project, tmp_path):
    out = tmp_path / "figures.json"
    result = run("evaluate", "--project", project, "--dimension", "voice", "--n-boot", "100",
                 "--no-learning-curve", "-q", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "majority baseline" in result.output and "confusion matrix" in result.output
    figures = json.loads(out.read_text())
    voice = figures["dimensions"]["voice"]
    assert voice["metrics"]["macro_f1"]["low"] <= voice["metrics"]["macro_f1"]["value"]
    from stance.store import Project

    real = Project.open(project).gold_frame(include_examples=False)
    assert voice["passages"] == int(real["voice"].notna().sum())  # real passages only, never examples


def test_explain_without_a_model_says_how_to_train(tmp_path):
    from stance.store import Project

    Project.init(tmp_path / "empty").close()
    result = CliRunner().invoke(main, ["explain", "--project", str(tmp_path / "empty"), "text"])
    assert result.exit_code == 1 and "stance train" in result.output


def test_train_skips_dimensions_without_labels_and_says_so(tmp_path):
    from stance.corpus import load_into
    from stance.store import Project

    path = tmp_path / "proj"
    p = Project.init(path)
    load_into(p)
    gold = p.gold_frame(include_examples=True)
    p.close()
    assert gold["topic"].notna().any()  # the embedded corpus labels every dimension...
    codebook = path / "codebook.yaml"  # ...so add one that nobody has labelled yet
    codebook.write_text(codebook.read_text(encoding="utf-8").replace(
        "dimensions:\n", "dimensions:\n  - name: frame\n    question: Which frame?\n    values:\n"
        "      - {name: security, key: h, definition: Security.}\n"
        "      - {name: economy, key: j, definition: Economy.}\n", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--project", str(path), "--include-examples", "--no-evaluate",
                                       "-q"])
    assert result.exit_code == 0, result.output
    assert "skipped dimension 'frame': no gold labels yet" in result.output
    assert "Saved" in result.output
    asked = CliRunner().invoke(main, ["train", "--project", str(path), "--dimension", "frame", "-q"])
    assert asked.exit_code == 1 and "frame" in asked.output


def test_evaluate_takes_the_head_and_names_it(project, tmp_path):
    bad = CliRunner().invoke(main, ["evaluate", "--project", project, "--dimension", "voice", "--head", "bert"])
    assert bad.exit_code != 0 and "unknown head 'bert'" in bad.output and "tfidf" in bad.output
    assert "Traceback" not in bad.output
    out = tmp_path / "figures.json"
    result = run("evaluate", "--project", project, "--dimension", "voice", "--head", "tfidf", "--folds", "3",
                 "--n-boot", "50", "--json", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["settings"]["head"] == "tfidf"
