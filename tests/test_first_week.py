"""A researcher's first week on the US presidential speeches (issue 15): each friction found by trying the
toolkit as a newcomer, reproduced on the real files and fixed.

The speeches are ../shared/corpora/us-presidential-speeches-2017-2024 (two CSV files: Title, President,
Date, Transcript, and a README.md). Gold labels, where a test needs a model: the 60 passages of
tests/fixtures/validation_speeches.csv, read against the codebook by one reader (tests/fixtures/README.md)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SHARED, counts

from stance.cli import main
from stance.store import Project

SPEECHES = SHARED / "corpora" / "us-presidential-speeches-2017-2024"
BIDEN, TRUMP = SPEECHES / "Biden_speeches.csv", SPEECHES / "Trump_speeches.csv"
LABELS = Path(__file__).resolve().parent / "fixtures" / "validation_speeches.csv"


def invoke(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def ok(*args) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, f"stance {' '.join(map(str, args))}\n{result.output}"
    return result.output


def one_line_error(*args) -> str:
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture(scope="module")
def speeches(tmp_path_factory) -> Path:
    """Both files ingested with --text-col Transcript (the only option they need)."""
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found (set STANCE_SHARED)")
    project = tmp_path_factory.mktemp("speeches") / "p"
    ok("init", project)
    ok("ingest", BIDEN, TRUMP, "-p", project, "--text-col", "Transcript")
    return project


@pytest.fixture(scope="module")
def trained(speeches) -> tuple[Path, Path]:
    """The speeches project with the fixture's labels as gold and a posture and voice model; (project, model)."""
    ok("import-labels", LABELS, "-p", speeches, "--format", "csv", "--annotator", "reader", "--as-gold")
    out = ok("train", "-p", speeches, "-d", "posture", "-d", "voice", "--drop-rare", "--n-boot", "50", "-q")
    model = next(Path(line.split()[1]) for line in out.splitlines() if line.startswith("Saved "))
    return speeches, model


# -- 5: a folder's README is not a document ----------------------------------------------------------

def test_a_folder_ingest_leaves_out_the_readme_and_says_so(trained, tmp_path):
    _project, model = trained
    folder = tmp_path / "speeches"
    folder.mkdir()
    shutil.copy(BIDEN, folder)
    shutil.copy(SPEECHES / "README.md", folder)
    (folder / "LICENSE.txt").write_text("Public domain.", encoding="utf-8")
    ok("init", tmp_path / "p")
    out = ok("ingest", folder, "-p", tmp_path / "p", "--text-col", "Transcript")
    assert "Imported 23 documents" in out and "from 1 files" in out
    assert f"left out {folder / 'LICENSE.txt'}: describes the corpus (a README, licence or data card)" in out
    assert f"left out {folder / 'README.md'}: describes the corpus" in out
    sources = Project.open(tmp_path / "p").passages_frame()["source"].unique()
    assert not any("README" in s for s in sources)
    named = ok("ingest", folder / "README.md", "-p", tmp_path / "p")  # named on its own, it is read
    assert "Imported 1 documents" in named
    scored = ok("score", folder, "--model", model, "--text-col", "Transcript", "-o", tmp_path / "s.csv", "-q")
    assert f"skipped {folder / 'README.md'}: describes the corpus" in scored  # scoring reads the folder alike
    assert pd.read_csv(tmp_path / "s.csv")["doc_id"].nunique() == 23


# -- 6: the report's advice about units can be followed ----------------------------------------------

def test_the_advice_to_use_sentences_can_be_followed(trained, tmp_path):
    project, model = trained
    before = counts(Project.open(project))
    line = one_line_error("ingest", BIDEN, "-p", project, "--text-col", "Transcript", "--unit", "sentence")
    assert line == (
        f"Error: {project} holds paragraph passages, and a project keeps one unit (documents already in it are "
        "not split again, and shares would compare paragraphs with sentences). For sentences, ingest into a new "
        "project and score it with this project's model: stance init NEW; stance ingest FILES -p NEW --unit "
        f"sentence; stance score -p NEW --model {project}/models/MODEL.skops")
    assert counts(Project.open(project)) == before
    new = tmp_path / "sentences"  # what the message (and the report's advice) says, step by step
    ok("init", new)
    out = ok("ingest", BIDEN, "-p", new, "--text-col", "Transcript", "--unit", "sentence")
    assert "Imported 23 documents" in out
    ok("score", "-p", new, "--model", model, "-q")
    ok("report", "-p", new, "--by", "President", "--n-boot", "20", "-o", tmp_path / "report", "-q")
    units = Project.open(new).passages_frame()["unit"].unique().tolist()
    assert units == ["sentence"] and (tmp_path / "report" / "report.html").exists()
    from stance.report.overview import length_warning

    lengths = pd.DataFrame({"President": ["A", "B"], "median_chars": [100.0, 900.0], "passages": [5, 5]})
    assert "stance ingest FILES -p NEW --unit sentence; stance score -p NEW --model MODEL" in length_warning(
        lengths, "President", None)


# -- 8: smaller frictions ----------------------------------------------------------------------------

def test_a_port_in_use_is_one_line_before_any_token(speeches):
    before = counts(Project.open(speeches))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("annotate", "adjudicate"):
            line = one_line_error(command, "-p", speeches, "-a", "alice", "--port", port)
            assert line.startswith(f"Error: cannot serve on 127.0.0.1:{port}: Address already in use")
            assert line.endswith("Stop it or choose another --port")
    assert counts(Project.open(speeches)) == before  # no annotator, no token made


def test_report_checks_by_and_date_columns_before_any_work(trained, tmp_path):
    project, model = trained
    ok("score", "-p", project, "--model", model, "-q")
    result = invoke("report", "-p", project, "--by", "Presidnt", "-o", tmp_path / "r")
    assert result.exit_code == 1 and "have no column 'Presidnt'" in result.output
    assert "validation sample" not in result.output  # stopped right after reading the predictions
    line = one_line_error("report", "-p", project, "--by", "President", "--time", "year", "-q", "-o", tmp_path / "r")
    assert line == "Error: column 'date' holds no date for --time; column 'Date' has dates: use --date-col Date"
    ok("report", "-p", project, "--by", "President", "--time", "year", "--date-col", "Date", "--n-boot", "20",
       "-q", "-o", tmp_path / "r")


def test_no_stray_progress_line_when_stderr_is_not_a_terminal(tmp_path):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found (set STANCE_SHARED)")
    ok("init", tmp_path / "p")
    run = subprocess.run([sys.executable, "-m", "stance", "ingest", str(BIDEN), "-p", str(tmp_path / "p"),
                          "--text-col", "Transcript"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout == "Imported 23 documents (3272 passages) from 1 files.\n"


def test_printing_the_status_gives_the_summary(speeches, capsys):
    project = Project.open(speeches)
    print(project.status())
    printed = capsys.readouterr().out
    assert printed.startswith(f"Project {speeches} (codebook version 1.2)\n  documents         66  (66 real, 0 ")
    assert "Status(" not in printed
    assert printed.strip() in ok("status", "-p", speeches)


def test_the_baseline_is_the_best_constant_predictor(trained):
    project, _model = trained
    result = ok("evaluate", "-p", project, "-d", "posture", "--n-boot", "20", "--no-learning-curve", "--json",
                project / "ev.json", "-q")
    import json

    posture = json.loads((project / "ev.json").read_text())["dimensions"]["posture"]
    gold = Project.open(project).gold_frame()["posture"].dropna()
    gold = gold[gold.isin(posture["classes"])]
    shares = gold.value_counts(normalize=True)
    assert posture["baseline"]["accuracy"]["value"] == pytest.approx(shares.max())
    # every constant's macro-F1 (F1 of its own value over all values): the baseline has the best of them
    k = len(posture["classes"])
    best = max(2 * s / (1 + s) / k for s in shares)
    assert posture["baseline"]["macro_f1"]["value"] == pytest.approx(best)
    assert "majority baseline" in result


def test_one_passage_per_row_keeps_line_breaks_inside_a_cell(tmp_path):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found (set STANCE_SHARED)")
    ok("init", tmp_path / "p")
    out = ok("ingest", BIDEN, "-p", tmp_path / "p", "--text-col", "Transcript", "--unit", "document")
    assert out.startswith("Imported 23 documents (23 passages)")
    passages = Project.open(tmp_path / "p").passages_frame()
    transcripts = pd.read_csv(BIDEN)["Transcript"].str.replace("\r\n?", "\n", regex=True).str.strip()
    assert sorted(passages["text"]) == sorted(transcripts)
    assert all("\n" in t for t in passages["text"])
    help_text = ok("ingest", "--help")
    assert "document: one passage per document" in help_text


def test_the_id_column_stays_in_the_scores_with_meta_cols(trained, tmp_path):
    _project, model = trained
    out = tmp_path / "scores.csv"
    ok("score", BIDEN, "--model", model, "--text-col", "Transcript", "--id-col", "Title", "--meta-cols",
       "President", "-o", out, "-q")
    frame = pd.read_csv(out)
    assert {"Title", "President"} <= set(frame.columns) and "Date" not in frame.columns
    assert frame["Title"].iloc[0] == "April 28, 2021: Address to Joint Session of Congress"
    assert np.all(frame.groupby("doc_id")["Title"].nunique() == 1)
