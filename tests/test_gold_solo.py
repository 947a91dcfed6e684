"""The solo workflow on the US presidential speeches: `stance train` and `stance evaluate` on a project
without gold labels stop with one line that names the command to run (no traceback), and one
annotator's labels become gold by the recorded decision `stance gold --from NAME`.

The labels are tests/fixtures/validation_speeches.csv (60 passages of these speeches read against the
codebook by one reader; see tests/fixtures/README.md), imported as annotator alice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED

from stance.agreement import promote_single
from stance.cli import main
from stance.store import Project

SPEECHES = SHARED / "corpora" / "us-presidential-speeches-2017-2024"
LABELS = Path(__file__).resolve().parent / "fixtures" / "validation_speeches.csv"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def speeches(tmp_path) -> Path:
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found (set STANCE_SHARED)")
    project = tmp_path / "speeches"
    assert invoke("init", str(project)).exit_code == 0
    result = invoke("ingest", str(SPEECHES / "Biden_speeches.csv"), str(SPEECHES / "Trump_speeches.csv"),
                    "-p", str(project), "--text-col", "Transcript")
    assert result.exit_code == 0, result.output
    return project


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_train_and_evaluate_without_gold_name_the_command_to_run(speeches):
    p = str(speeches)
    for command in ("train", "evaluate"):
        line = one_line_error(invoke(command, "-p", p))
        assert line == (f"Error: {p} has no gold labels yet: label passages (stance annotate -p {p} --annotator "
                        f"NAME), then make them gold (alone: stance gold -p {p} --from NAME; see docs/annotation.md)")
    imported = invoke("import-labels", str(LABELS), "-p", p, "--format", "csv", "--annotator", "alice")
    assert imported.exit_code == 0, imported.output
    for command in ("train", "evaluate"):
        line = one_line_error(invoke(command, "-p", p))
        assert line == (f"Error: {p} has no gold labels yet, only alice (60 passages): one annotator's labels become "
                        f"gold by a recorded decision: stance gold -p {p} --from alice (see docs/annotation.md)")


def test_gold_from_one_annotator_is_recorded_and_trains(speeches):
    p = str(speeches)
    assert invoke("import-labels", str(LABELS), "-p", p, "--format", "csv", "--annotator", "alice").exit_code == 0
    result = invoke("gold", "-p", p, "--from", "alice", "--by", "lead")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ("Made 300 gold labels from alice's labels on passages no one else "
                                             "labelled (method 'single', decided by lead, codebook 1.2).")
    project = Project.open(speeches)
    rows = project.conn.execute("SELECT method, decided_by, codebook_version, note, created_at FROM gold_labels"
                                ).fetchall()
    assert len(rows) == 300
    assert {tuple(r)[:4] for r in rows} == {
        ("single", "lead", "1.2", "single reader: alice's label (no second reading), accepted by lead")}
    assert all(r["created_at"] for r in rows)
    again = invoke("gold", "-p", p, "--from", "alice")
    assert again.exit_code == 0 and "Made 0 gold labels" in again.output and "Nothing new" in again.output
    assert promote_single(project, "alice") == 0  # `stance agree --promote-single` is the same decision
    unknown = invoke("gold", "-p", p, "--from", "dave")
    assert one_line_error(unknown) == "Error: no labels by 'dave'; annotators with labels: alice"

    trained = invoke("train", "-p", p, "-d", "posture", "-d", "voice", "--drop-rare", "--n-boot", "50", "-q")
    assert trained.exit_code == 0, trained.output
    assert "Saved" in trained.output and "posture" in trained.output
    evaluated = invoke("evaluate", "-p", p, "-d", "role", "--n-boot", "50", "--no-learning-curve", "-q")
    assert evaluated.exit_code == 0, evaluated.output
