"""Hardening through the `stance` entry point: a model trained under another codebook is refused unless
the user says so, its warnings reach the terminal as one line each, and no prediction outside the
project's codebook is ever stored."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import counts
from test_score import scoring_env

from stance.cli import main
from stance.cli.report import _read_scores
from stance.codebook import default_codebook_path
from stance.models.card import card_paths
from stance.store import Project


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("hardening"))


def project_with_codebook(path: Path, edit) -> Project:
    """A project whose codebook is the default one edited by `edit(text) -> text`, with three passages."""
    text = edit(default_codebook_path().read_text(encoding="utf-8"))
    source = path.parent / f"{path.name}-codebook.yaml"
    source.write_text(text, encoding="utf-8")
    project = Project.init(path, codebook=source)
    articles = path.parent / f"{path.name}-in.csv"
    articles.write_text("text,outlet\nWithdraw the troops from Syria now.,A\nStrike the depots hard.,B\n"
                        "The talks resume in Geneva on Monday.,C\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(articles), "--project", str(path)])
    assert result.exit_code == 0, result.output
    return project


def doves_and_hawks(text: str) -> str:
    """Another codebook: its own name and version, and posture values the default lacks."""
    text = text.replace("name: policy-stance default", "name: doves and hawks", 1)
    text = re.sub(r'(?m)^version: .*$', 'version: "0.3"', text, count=1)
    return re.sub(r"\bescalation\b", "hawk", re.sub(r"\brestraint\b", "dove", text))


def stored_values(project: Project) -> dict[str, set[str]]:
    """Every stored prediction value, per dimension."""
    out: dict[str, set[str]] = {}
    for dim, label in project.conn.execute("SELECT dimension, label FROM predictions"):
        out.setdefault(dim, set()).update(v for v in label.split(";") if v)
    return out


def test_score_refuses_a_model_of_another_codebook_naming_both_and_the_option(env, tmp_path):
    project = project_with_codebook(tmp_path / "p", doves_and_hawks)
    before = counts(project)
    result = CliRunner().invoke(main, ["score", "--project", str(project.path), "--model", str(env.path), "-q"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "Traceback" not in result.output
    version = env.model.codebook_version_
    assert f"'policy-stance default' version {version}" in line and "'doves and hawks' version 0.3" in line
    assert "--allow-other-codebook" in line
    assert counts(project) == before  # nothing stored, the model not registered

    files = CliRunner().invoke(main, ["score", str(tmp_path / "p-in.csv"), "--project", str(project.path),
                                      "--model", str(env.path), "-o", str(tmp_path / "out.csv"), "-q"])
    assert files.exit_code == 1 and "--allow-other-codebook" in files.output
    assert not (tmp_path / "out.csv").exists()


def test_allowed_model_stores_only_values_the_project_knows_and_says_so(env, tmp_path):
    project = project_with_codebook(tmp_path / "p", doves_and_hawks)
    result = CliRunner().invoke(main, ["score", "--project", str(project.path), "--model", str(env.path), "-q",
                                       "--allow-other-codebook"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any("posture is not scored" in w and "restraint" in w for w in warnings), result.stderr
    assert any("doves and hawks" in w for w in warnings)
    assert "Traceback" not in result.stderr and "UserWarning" not in result.stderr  # one line each
    values = stored_values(project)
    assert "posture" not in values and values  # the other dimensions were scored
    for dim, seen in values.items():
        assert seen <= set(project.codebook.dimension(dim).value_names), dim
    assert "posture" not in set(project.list_models()["dimension"])  # not registered for what it cannot score


def test_a_new_codebook_version_is_refused_then_allowed_with_a_one_line_warning(env, tmp_path):
    project = project_with_codebook(tmp_path / "p",
                                    lambda t: re.sub(r'(?m)^version: .*$', 'version: "9.9"', t, count=1))
    refused = CliRunner().invoke(main, ["score", "--project", str(project.path), "--model", str(env.path), "-q"])
    assert refused.exit_code == 1 and "version 9.9" in refused.output and project.status().predictions == 0
    allowed = CliRunner().invoke(main, ["score", "--project", str(project.path), "--model", str(env.path), "-q",
                                        "--allow-other-codebook"])
    assert allowed.exit_code == 0, allowed.output
    (warning,) = [line for line in allowed.stderr.splitlines() if "retrain when you can" in line]
    assert warning.startswith("warning: ") and "version 9.9" in warning
    assert set(stored_values(project)) == set(env.model.dimensions_)  # every value fits: all stored
    report = CliRunner().invoke(main, ["report", "--project", str(project.path), "--n-boot", "20", "-q",
                                       "-o", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "come from a model trained under codebook" in html and "version 9.9" in html  # the report says so

    again = CliRunner().invoke(main, ["score", "--project", str(project.path), "-q"])  # the registered model
    assert again.exit_code == 1 and "--allow-other-codebook" in again.output
    explain = CliRunner().invoke(main, ["explain", "--project", str(project.path), "Withdraw now."])
    assert explain.exit_code == 1 and "--allow-other-codebook" in explain.output
    labels = tmp_path / "labels.csv"
    labels.write_text("text,voice\nWithdraw the troops now.,author\nThe talks resume.,none\n", encoding="utf-8")
    evaluate = CliRunner().invoke(main, ["evaluate", "--project", str(project.path), "--model", str(env.path),
                                         "--labels", str(labels), "--n-boot", "20"])
    assert evaluate.exit_code == 1 and "--allow-other-codebook" in evaluate.output


# -- spreadsheet formulas in every CSV people open -------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def test_score_csv_quotes_formulas_and_reads_back_exactly(env, tmp_path):
    rows = pd.DataFrame({"text": [f"{f} said the minister, urging talks." for f in FORMULAS],
                         "outlet": FORMULAS})
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(main, ["score", str(src), "--model", str(env.path), "-o", str(out), "--with-text",
                                       "-q"])
    assert result.exit_code == 0, result.output
    raw = pd.read_csv(out, dtype=str)
    for column in ("text", "outlet"):
        assert not raw[column].str.match(r"[=+\-@]").any()  # nothing a spreadsheet would run
        assert raw[column].str.startswith("'").all()
    back = _read_scores(str(out))  # what `stance report --scores scores.csv` reads
    assert back["outlet"].tolist() == FORMULAS and back["text"].tolist() == rows["text"].tolist()
    again = tmp_path / "again.parquet"  # the output CSV scored again gives the same ids as the input did
    assert CliRunner().invoke(main, ["score", str(out), "--model", str(env.path), "-o", str(again),
                                     "--meta-cols", "outlet", "-q"]).exit_code == 0
    assert pd.read_parquet(again)["doc_id"].tolist() == raw["doc_id"].tolist()


def test_agree_csv_quotes_formulas(tmp_path):
    project = Project.init(tmp_path / "p")
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": FORMULAS}).to_csv(src, index=False)
    assert CliRunner().invoke(main, ["ingest", str(src), "--project", str(project.path)]).exit_code == 0
    labels = {d.name: ([d.values[0].name] if d.multi else d.values[0].name) for d in project.codebook.dimensions}
    for pid in project.passages_frame()["passage_id"]:
        project.add_annotation(pid, "alice", labels)
        project.add_annotation(pid, "bob", dict(labels, posture=project.codebook.dimension("posture").values[1].name))
    agree = CliRunner().invoke(main, ["agree", "--project", str(project.path), "--format", "csv",
                                      "--bootstrap", "0", "--limit", "0"])
    assert agree.exit_code == 0, agree.output
    disagreements = pd.read_csv(io.StringIO(agree.stdout.split("# disagreements\n")[1]), dtype=str)
    assert sorted(disagreements["text"]) == sorted("'" + f for f in FORMULAS)


# -- model files check themselves, card or no card ---------------------------------------------------------

def negate_largest_array(path: Path, keep_comment: bool = True) -> None:
    """Rewrite the model zip with its largest array negated (the careless edit of issue 16), keeping the
    archive's comment (where the checksum lives) unless told not to."""
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
        comment = archive.comment
    name = max((n for n in members if n.endswith(".npy")), key=lambda n: len(members[n]))
    array = np.load(io.BytesIO(members[name]), allow_pickle=False)
    buffer = io.BytesIO()
    np.save(buffer, -array)
    members[name] = buffer.getvalue()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, data in members.items():
            archive.writestr(n, data)
        archive.comment = comment if keep_comment else b""


def score_with(model: Path, tmp_path: Path):
    src = tmp_path / "in.csv"
    src.write_text("text\nWithdraw the troops from Syria now.\n", encoding="utf-8")
    return CliRunner().invoke(main, ["score", str(src), "--model", str(model), "-o", str(tmp_path / "out.csv"), "-q"])


def test_a_tampered_model_is_refused_even_without_its_card(env, tmp_path):
    model = tmp_path / "m.skops"
    shutil.copy(env.path, model)
    assert score_with(model, tmp_path).exit_code == 0  # no card beside it: its own checksum vouches for it
    (tmp_path / "out.csv").unlink()
    negate_largest_array(model)
    result = score_with(model, tmp_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert "modified after it was saved" in line and "checksum inside it" in line
    assert not (tmp_path / "out.csv").exists()


def test_a_model_with_neither_checksum_nor_card_is_refused(env, tmp_path):
    model = tmp_path / "old.skops"
    shutil.copy(env.path, model)
    with zipfile.ZipFile(model, "a") as archive:  # as a file saved before models carried a checksum
        archive.comment = b""
    result = score_with(model, tmp_path)
    assert result.exit_code == 1
    assert "carries no checksum" in result.stderr and "old.card.json" in result.stderr
    card = json.loads(card_paths(env.path)[0].read_text(encoding="utf-8"))  # the card such a version wrote
    card["sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    card_paths(model)[0].write_text(json.dumps(card), encoding="utf-8")
    assert score_with(model, tmp_path).exit_code == 0  # checked against its card, and used
    negate_largest_array(model, keep_comment=False)
    refused = score_with(model, tmp_path)
    assert refused.exit_code == 1 and "no longer matches old.card.json" in refused.stderr


def test_scoring_a_scored_file_again_is_a_one_line_error(env, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text,outlet\nWithdraw the troops from Syria now.,A\n", encoding="utf-8")
    first = tmp_path / "scores.csv"
    assert CliRunner().invoke(main, ["score", str(src), "--model", str(env.path), "-o", str(first), "--with-text",
                                     "-q"]).exit_code == 0
    again = CliRunner().invoke(main, ["score", str(first), "--model", str(env.path), "-o", str(tmp_path / "b.csv"),
                                      "-q"])
    assert again.exit_code == 1 and isinstance(again.exception, SystemExit)  # not a traceback
    (line,) = again.stderr.strip().splitlines()
    assert "already has columns named like the scores" in line and "--meta-cols" in line
