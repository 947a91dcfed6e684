"""One validation layer for every label that enters a project: the app, import-labels, adjudication and
ingest refuse wrong types, unknown values, deep nesting and bad annotator names with a 4xx or a one-line
error, and write nothing."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import counts
from starlette.testclient import TestClient
from test_annotate_helpers import disagreeing_project, full_labels, make_project, tokens

from stance.annotate.adjudication import create_adjudication_app
from stance.annotate.app import create_app
from stance.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BAD_TOPICS = [5, [1], True, None, [["iran"]], {"iran": 1}, "", [], 1.5, ["iran", 7]]
DEEP = b"[" * 30_000 + b"]" * 30_000  # 60 KB: under the body cap, far over any parser's recursion limit


def test_app_refuses_wrong_value_types_and_writes_nothing(tmp_path):
    proj = make_project(tmp_path / "p", n=3)
    tok = tokens(proj, ["alice"])["alice"]
    client = TestClient(create_app(proj.path, ["alice"]), headers={"Authorization": f"Bearer {tok}"})
    pid = client.get("/api/task").json()["passage"]["id"]
    before = counts(proj)
    for topic in BAD_TOPICS:
        r = client.post("/api/annotations", json={"passage_id": pid, "labels": dict(full_labels(proj), topic=topic)})
        assert r.status_code in (400, 422), (topic, r.status_code, r.text)
        assert "error" in r.json()
    for posture in (5, ["neutral"], {"neutral": 1}, False):
        r = client.post("/api/annotations", json={"passage_id": pid, "labels": dict(full_labels(proj), posture=posture)})
        assert r.status_code == 422 and "posture" in r.json()["error"], r.text
    for path in ("/api/annotations", "/api/undo"):
        r = client.post(path, content=DEEP, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "nested" in r.json()["error"]
    assert counts(proj) == before
    r = client.post("/api/annotations", json={"passage_id": pid, "labels": full_labels(proj)})  # still serving
    assert r.status_code == 200 and counts(proj) != before


def test_adjudication_refuses_wrong_value_types_and_writes_nothing(tmp_path):
    proj, p1, _p2, _posture = disagreeing_project(tmp_path / "p")
    tok = tokens(proj, ["lead"])["lead"]
    client = TestClient(create_adjudication_app(proj.path, "lead"), headers={"Authorization": f"Bearer {tok}"})
    before = counts(proj)
    for dim, value in [("topic", t) for t in BAD_TOPICS if t not in (None, "", [])] + [
            ("posture", 5), ("posture", ["neutral"]), ("posture", {"neutral": 1}), ([1], "neutral")]:
        r = client.post("/api/resolve", json={"passage_id": p1, "dimension": dim, "value": value})
        assert r.status_code in (400, 422), (dim, value, r.status_code, r.text)
    r = client.post("/api/resolve", content=DEEP, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert counts(proj) == before


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line_error(result) -> str:
    """The CLI's refusal: exit 1, one line on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip() and line != "Reading"]  # progress
    assert "Traceback" not in result.output and len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def labelled(tmp_path):
    proj = make_project(tmp_path / "p", n=3)
    pid = proj.conn.execute("SELECT id FROM passages ORDER BY seq LIMIT 1").fetchone()[0]
    return proj, pid


def jsonl_line(proj, pid, **changes) -> str:
    return json.dumps({"passage_id": pid, "annotator": "alice", **full_labels(proj), **changes})


@pytest.mark.parametrize("topic", [*BAD_TOPICS[:5], {"iran": 1}])
def test_import_jsonl_refuses_wrong_types(tmp_path, labelled, topic):
    proj, pid = labelled
    f = tmp_path / "l.jsonl"
    f.write_text(jsonl_line(proj, pid) + "\n" + jsonl_line(proj, pid, annotator="bob", topic=topic) + "\n")
    before = counts(proj)
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", "jsonl"))
    assert "line 2" in msg
    assert counts(proj) == before


def test_import_refuses_missing_and_misspelled_dimensions(tmp_path, labelled):
    proj, pid = labelled
    f = tmp_path / "l.jsonl"
    labels = full_labels(proj)
    f.write_text(json.dumps({"passage_id": pid, "annotator": "alice", "postur": labels.pop("posture"), **labels}))
    before = counts(proj)
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", "jsonl"))
    assert "line 1: unknown field 'postur' (did you mean 'posture'?)" in msg
    f.write_text(json.dumps({"passage_id": pid, "annotator": "alice", **labels}))
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", "jsonl"))
    assert "line 1: no value for posture" in msg and "--partial" in msg
    assert counts(proj) == before
    ok = run("import-labels", str(f), "-p", str(proj.path), "--format", "jsonl", "--partial")
    assert ok.exit_code == 0, ok.output
    assert proj.current_annotations().iloc[0]["labels"] == labels


def test_import_csv_refuses_a_misspelled_column(tmp_path, labelled):
    proj, pid = labelled
    f = tmp_path / "l.csv"
    f.write_text(f"passage_id,annotator,postur,role\n{pid},alice,neutral,claim\n")
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", "csv"))
    assert "line 1: unknown field 'postur' (did you mean 'posture'?)" in msg


@pytest.mark.parametrize("name", ["<b>eve</b>", "eve\nmallory", "x" * 900_000, " ", "eve;bob"])
def test_import_refuses_bad_annotator_names(tmp_path, labelled, name):
    proj, pid = labelled
    f = tmp_path / "l.jsonl"
    f.write_text(jsonl_line(proj, pid, annotator=name) + "\n")
    before = counts(proj)
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", "jsonl"))
    assert "line 1" in msg and len(msg) < 400
    assert counts(proj) == before


def deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize("fmt, text, why", [
    ("jsonl", '{"passage_id": "x", "posture": ' + deep(5000) + "}\n", "line 1: JSON nested more than"),
    ("doccano", '{"text": "x", "label": ' + deep(5000) + "}\n", "line 1: JSON nested more than"),
    ("labelstudio", '[{"data": {"text": "x"}, "annotations": ' + deep(5000) + "}]", "JSON nested more than"),
    ("labelstudio", '[{"data": {"text": "x"}, "annotations": ' + deep(30) + "}]", "JSON nested more than"),
    ("labelstudio", '[{"data": {"text": "x"}, "annotations": [{"result": [{"type": "choices", '
                    '"from_name": "posture", "value": "neutral"}]}]}]', "line 1 (task 1, annotation 1): result "
                    "'posture': 'value' must be an object, got str"),
])
def test_import_refuses_deep_nesting_and_odd_shapes(tmp_path, labelled, fmt, text, why):
    proj, _pid = labelled
    f = tmp_path / "l.json"
    f.write_text(text)
    before = counts(proj)
    msg = one_line_error(run("import-labels", str(f), "-p", str(proj.path), "--format", fmt))
    assert why in msg
    assert counts(proj) == before


def test_ingest_refuses_deep_nesting(tmp_path):
    proj = make_project(tmp_path / "p", n=2)
    f = tmp_path / "docs.jsonl"
    f.write_text('{"text": "A passage about talks."}\n{"text": "x", "meta": ' + deep(5000) + "}\n")
    before = counts(proj)
    msg = one_line_error(run("ingest", str(f), "-p", str(proj.path)))
    assert "line 2" in msg and "nested" in msg
    assert counts(proj) == before


def test_csv_export_neutralises_formulas_and_round_trips(tmp_path):
    """OWASP's CSV-injection advice: a text cell starting with =, +, -, @, tab or CR gets a leading quote;
    the importer removes it again, so the export re-imports without loss."""
    import csv

    from stance.ingest import make_document
    from stance.store import Project

    texts = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1 more troops", "-cmd|' /C calc'!A0",
             "@SUM(A1:A2)", "\tTabbed opening", "'=already quoted", "A plain passage about talks."]
    proj = Project.init(tmp_path / "p")
    proj.add_documents([make_document("\n\n".join(texts), "f.txt", {"outlet": "=cmd|' /C calc'!A0"})])
    frame = proj.passages_frame()
    for pid in frame.passage_id:
        proj.add_annotation(pid, "alice", full_labels(proj), note="=1+1")
    out = tmp_path / "labels.csv"
    assert run("export", "-p", str(proj.path), "--format", "csv", "-o", str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells and "''=already quoted" in cells
    fresh = Project.init(tmp_path / "fresh")
    fresh.add_documents([make_document("\n\n".join(texts), "f.txt", {"outlet": "x"})])
    assert run("import-labels", str(out), "-p", str(fresh.path), "--format", "csv").exit_code == 0
    got = fresh.current_annotations().merge(fresh.passages_frame(), on="passage_id")
    assert sorted(got.text) == sorted(frame.text) and set(got.note) == {"=1+1"}


def test_spreadsheet_cells_are_restored_exactly():
    from stance.spreadsheet import restore_cell, safe_cell

    for text in ["=1", "'=1", "''+x", "-", "plain", "'plain", "", "@", "\r\n"]:
        assert restore_cell(safe_cell(text)) == text
        assert safe_cell(text)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_report_tables_neutralise_formulas(tmp_path):
    import types

    import pandas as pd

    from stance.report.render import write

    table = pd.DataFrame({"outlet": ["=cmd|' /C calc'!A0", "Plain Review"], "share": [-0.25, 0.5]})
    write(types.SimpleNamespace(tables={"shares_posture": table}), {}, "<html></html>", tmp_path)
    back = pd.read_csv(tmp_path / "tables" / "shares_posture.csv")
    assert list(back.outlet) == ["'=cmd|' /C calc'!A0", "Plain Review"]
    assert list(back.share) == [-0.25, 0.5]  # numbers stay numbers
