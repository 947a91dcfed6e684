"""`stance train/evaluate --time-budget/--pairs`: the setfit head's cost bounded from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_heads import needs_encoder

import stance.models
from stance.cli import main


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from stance.corpus import load_into
    from stance.store import Project

    path = tmp_path_factory.mktemp("setfit-cli") / "proj"
    p = Project.init(path)
    load_into(p)
    p.close()
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


class Stop(Exception):
    """Raised by the stand-in for training once it has seen its arguments."""


@pytest.fixture
def seen(monkeypatch):
    """What `stance train` and `stance evaluate` pass to the library (nothing is trained)."""
    calls: list[dict] = []

    def record(*args, **kwargs):
        calls.append(kwargs)
        raise Stop

    monkeypatch.setattr(stance.models, "train_project", record)
    monkeypatch.setattr(stance.models, "evaluate_project", record)
    return calls


@pytest.mark.parametrize(("given", "seconds"), [("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1.5h", 5400.0),
                                                ("0.5", 0.5), (" 2M ", 120.0)])
@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_time_budget_reaches_the_setfit_head_in_seconds(command, given, seconds, project, seen):
    result = run(command, "--project", project, "--head", "setfit", "--time-budget", given, "--pairs", 320)
    assert isinstance(result.exception, Stop)
    assert seen[0]["head_params"] == {"progress": True, "time_budget": seconds, "pairs": 320}


def test_without_the_options_the_head_keeps_its_defaults(project, seen):
    run("train", "--project", project, "--head", "setfit", "-q")
    assert seen[0]["head_params"] == {"progress": False}


@pytest.mark.parametrize("args", [
    ("--head", "tfidf", "--time-budget", "10m"),
    ("--time-budget", "10m"),  # the default head is tfidf
    ("--head", "embed", "--pairs", "320"),
    ("--head", "setfit", "--time-budget", "10x"),
    ("--head", "setfit", "--time-budget", "0"),
    ("--head", "setfit", "--time-budget", "-5m"),
    ("--head", "setfit", "--time-budget", "nan"),
    ("--head", "setfit", "--time-budget", "1e999"),
    ("--head", "setfit", "--time-budget", "=cmd|' /C calc'!A0"),
    ("--head", "setfit", "--time-budget", "<b>" * 10_000),
    ("--head", "setfit", "--pairs", "3"),
    ("--head", "setfit", "--pairs", "many"),
])
@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_wrong_budget_is_a_one_line_error_and_trains_nothing(command, args, project, seen):
    result = run(command, "--project", project, *args)
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and len(error[0]) < 300 and "Traceback" not in result.output
    assert ("--time-budget" in error[0]) or ("--pairs" in error[0])
    assert seen == [] and not list((project / "models").glob("*.skops"))


def test_a_budget_is_refused_when_measuring_a_saved_model(project, tmp_path, seen):
    labels = tmp_path / "labels.csv"
    labels.write_text("text,posture\nWe must act now.,escalation\n", encoding="utf-8")
    result = run("evaluate", "--project", project, "--head", "setfit", "--time-budget", "60", "--labels", labels)
    assert result.exit_code == 2 and "are for training" in result.output


@needs_encoder
def test_train_stops_fine_tuning_at_the_time_budget_and_the_card_says_so(project, capfd):
    # 2,000 pairs plan 125 steps (about 24 CPU-minutes); a one-second budget stops after the first step
    result = run("train", "--project", project, "--dimension", "posture", "--head", "setfit", "--include-examples",
                 "--drop-rare", "--no-evaluate", "--time-budget", "1s", "--pairs", 2000, "-q")
    assert result.exit_code == 0, result.output
    assert "fine-tuning stopped by the time budget after 1 of 125 steps" in result.output
    card = next((project / "models").glob("*.card.md")).read_text(encoding="utf-8")
    assert "stopped by the time budget after 1 of 125 steps" in card
    # -q: none of the training library's own log lines or warnings reach the terminal either
    printed = result.output + "".join(capfd.readouterr())
    assert "Running training" not in printed and "pin_memory" not in printed
