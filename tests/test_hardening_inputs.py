"""The smaller findings of issue 16, each through the entry point or a real app: size caps for whole-file
formats, one-line Markdown front-matter errors, no Python reprs stored, broken Unicode refused, repeated
ids within a file named as such, and a replaced token that stops working without a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import counts
from starlette.testclient import TestClient
from test_annotate_helpers import make_project, tokens

from stance.annotate import web
from stance.annotate.app import create_app
from stance.annotate.auth import ensure_annotator
from stance.cli import main
from stance.store import Project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def ingest(project: Project, *args: str):
    return CliRunner().invoke(main, ["ingest", *args, "--project", str(project.path)])


def one_line_error(result) -> str:
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: ") and result.stderr.count("Error") == 1, result.stderr
    return line


def test_whole_file_formats_are_capped_like_table_rows(tmp_path):
    project = Project.init(tmp_path / "p")
    for name, body in [("huge.txt", "word " * 300_000), ("huge.md", "# T\n\n" + "word " * 300_000),
                       ("huge.html", "<html><body><article><p>" + "word " * 300_000 + "</p></article></body></html>")]:
        (tmp_path / name).write_text(body, encoding="utf-8")
        line = one_line_error(ingest(project, str(tmp_path / name)))
        assert name in line and "over the 1,000,000-byte limit" in line and "column" not in line
    assert counts(project) == (0, 0, 0, 0, 0, 0)


def test_markdown_front_matter_error_is_one_line_naming_the_line(tmp_path):
    project = Project.init(tmp_path / "p")
    md = tmp_path / "bad.md"
    md.write_text("---\ntitle: [unclosed\nauthor: x\n---\n# T\n\nSome text about talks.\n", encoding="utf-8")
    line = one_line_error(ingest(project, str(md)))
    assert "bad.md: line 3: front matter is not valid YAML" in line


@pytest.mark.parametrize("row, why", [
    ({"text": {"a": 1}}, "must be a string, got an object"),
    ({"text": ["a", "b"]}, "must be a string, got a list"),
    ({"text": 5}, "must be a string, got int"),
    ({"text": "\\ud800 talks"}, "unpaired surrogate"),
    ({"text": "Talks resume.", "outlet": "\\udcff"}, "unpaired surrogate"),
])
def test_json_lines_text_that_is_not_text_is_refused_not_stored_as_a_repr(tmp_path, row, why):
    project = Project.init(tmp_path / "p")
    f = tmp_path / "docs.jsonl"
    f.write_text('{"text": "A passage about talks."}\n' + json.dumps(row).replace("\\\\u", "\\u") + "\n",
                 encoding="utf-8")
    line = one_line_error(ingest(project, str(f)))
    assert "docs.jsonl: line 2" in line and why in line
    assert counts(project) == (0, 0, 0, 0, 0, 0)


def test_parquet_bytes_are_refused_and_nested_metadata_stored_as_json(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    project = Project.init(tmp_path / "p")
    binary = tmp_path / "binary.parquet"
    pq.write_table(pa.table({"text": [b"\x00\x01 talks"]}), binary)
    assert "binary data" in one_line_error(ingest(project, str(binary)))
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"text": ["Talks resume in Geneva."], "tags": [["a", "b"]]}), nested)
    assert ingest(project, str(nested)).exit_code == 0
    (meta,) = [row[0] for row in project.conn.execute("SELECT meta_json FROM documents")]
    assert json.loads(json.loads(meta)["tags"]) == ["a", "b"]  # JSON text, not "['a', 'b']"


def test_an_id_repeated_within_one_file_is_not_called_already_in_the_project(tmp_path):
    project = Project.init(tmp_path / "p")
    f = tmp_path / "docs.csv"
    f.write_text("id,text\n1,Talks resume.\n2,Troops withdraw.\n1,A different text with the same id.\n",
                 encoding="utf-8")
    first = ingest(project, str(f), "--id-col", "id")
    assert first.exit_code == 0, first.output
    assert "Imported 2 documents" in first.output and "1 repeating an earlier row of the same file" in first.output
    assert "already in the project" not in first.output
    again = ingest(project, str(f), "--id-col", "id")
    assert "3 already in the project" in again.output and "repeating" not in again.output


def test_a_file_name_that_is_not_utf8_is_stored_readably(tmp_path):
    project = Project.init(tmp_path / "p")
    name = bytes(tmp_path) + b"/caf\xe9.txt"
    with open(name, "wb") as f:
        f.write(b"Withdraw the troops now, said the minister.\n")
    result = ingest(project, str(Path(name.decode("utf-8", "surrogateescape"))))
    assert result.exit_code == 0, result.output
    (source,) = [row[0] for row in project.conn.execute("SELECT source FROM documents")]
    assert source.endswith("caf\ufffd.txt")


def test_a_replaced_token_stops_working_without_a_restart(tmp_path, monkeypatch):
    monkeypatch.setattr(web, "TOKEN_RECHECK_SECONDS", 0.0)  # the real server rechecks every few seconds
    proj = make_project(tmp_path / "p", n=3)
    old = tokens(proj, ["alice"])["alice"]
    client = TestClient(create_app(proj.path, ["alice"]))
    assert client.get("/api/task", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    new = ensure_annotator(Project.open(proj.path), "alice", new_token=True)  # another process, in effect
    assert client.get("/api/task", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/task", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_leftovers_of_an_interrupted_train_are_cleaned_or_named(tmp_path):
    import os

    from stance.models.project import remove_stale_temporaries

    project = Project.init(tmp_path / "p")
    models = Path(project.models_dir)
    models.mkdir(exist_ok=True)
    stale, fresh = models / ".tmp-abc.skops", models / ".tmp-def.skops"
    stale.write_bytes(b"")  # what a SIGKILL during the save leaves
    fresh.write_bytes(b"")  # a save running now in another process
    os.utime(stale, (0, 0))
    assert remove_stale_temporaries(models) == [stale] and fresh.exists()
    orphan = models / "stance-20260101T000000.skops"  # saved, killed before it was registered
    orphan.write_bytes(b"PK")
    listed = CliRunner().invoke(main, ["models", "--project", str(project.path)])
    assert listed.exit_code == 0 and f"note: {orphan} is not registered" in listed.stderr
