"""Columns mapped at ingest (--title-col, --date-col, --author-col, --map) become the documents' title,
date and author, on the real US speeches; a mistyped column gets a suggestion and changes nothing."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED, counts

from stance.cli import main
from stance.store import Project

SPEECHES = SHARED / "corpora" / "us-presidential-speeches-2017-2024" / "Biden_speeches.csv"


@pytest.fixture
def speeches(tmp_path: Path) -> Path:
    """The first three Biden speeches, as the corpus has them (a slice, so that the test stays fast)."""
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    csv.field_size_limit(sys.maxsize)
    with SPEECHES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:3]
    path = tmp_path / "speeches.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def documents(project_path: Path) -> list[dict]:
    frame = Project.open(project_path).passages_frame().drop_duplicates("doc_id")
    return frame[["doc_id", "title", "date", "author", "meta_json"]].to_dict("records")


def test_mapped_columns_become_title_date_and_author(speeches, tmp_path):
    with speeches.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for name, mapping in {"cols": ["--title-col", "Title", "--date-col", "Date", "--author-col", "President"],
                          "map": ["--map", "title=Title,date=Date,author=President"],
                          "none": []}.items():
        proj = tmp_path / name
        assert run("init", str(proj)).exit_code == 0
        result = run("ingest", str(speeches), "-p", str(proj), "--text-col", "Transcript", *mapping)
        assert result.exit_code == 0, result.output
    mapped = documents(tmp_path / "cols")
    assert [(d["title"], d["date"], d["author"]) for d in mapped] == [
        (r["Title"], r["Date"], r["President"]) for r in rows]
    assert mapped[0]["title"] == "April 28, 2021: Address to Joint Session of Congress"
    assert not any({"Title", "Date", "President"} & set(json.loads(d["meta_json"])) for d in mapped)
    assert documents(tmp_path / "map") == mapped
    # the same documents, with the same ids, as without the mapping (which kept the columns as they are)
    plain = documents(tmp_path / "none")
    assert [d["doc_id"] for d in plain] == [d["doc_id"] for d in mapped]
    assert plain[0]["title"] is None and json.loads(plain[0]["meta_json"])["Title"] == rows[0]["Title"]


@pytest.mark.parametrize(("args", "message"), [
    (["--text-col", "transcript"], "no column 'transcript'; columns are: Title, President, Date, Transcript. "
                                   "Use --text-col Transcript"),
    (["--text-col", "Transcript", "--title-col", "title", "--date-col", "Dates"],
     "no column 'title', 'Dates'; columns are: Title, President, Date, Transcript. "
     "Use --title-col Title, --date-col Date"),
    (["--text-col", "Transcript", "--map", "outlet=president"],
     "no column 'president'; columns are: Title, President, Date, Transcript. Use --map outlet=President"),
    (["--text-col", "Transcript", "--map", "speaker=President"],
     "cannot map a column to 'speaker'; the fields a column can become are: outlet, author, date, title, url"),
])
def test_a_mistyped_column_is_one_line_with_the_fix_and_imports_nothing(speeches, tmp_path, args, message):
    proj = tmp_path / "p"
    run("init", str(proj))
    before = counts(Project.open(proj))
    result = run("ingest", str(speeches), "-p", str(proj), *args)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].endswith(message)
    assert "Traceback" not in result.output
    assert counts(Project.open(proj)) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--map", "title"], "expected field=column, got 'title'"),
    (["--title-col", "Title", "--map", "title=Date"], "title is mapped to both 'Date' and 'Title'"),
])
def test_a_malformed_mapping_is_a_usage_error(speeches, tmp_path, args, message):
    proj = tmp_path / "p"
    run("init", str(proj))
    result = run("ingest", str(speeches), "-p", str(proj), "--text-col", "Transcript", *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert counts(Project.open(proj))[0] == 0


def test_exports_carry_the_mapped_title_date_and_author(speeches, tmp_path):
    proj = tmp_path / "p"
    run("init", str(proj))
    assert run("ingest", str(speeches), "-p", str(proj), "--text-col", "Transcript", "--title-col", "Title",
               "--date-col", "Date", "--author-col", "President").exit_code == 0
    project = Project.open(proj)
    labels = {d.name: [d.values[0].name] if d.multi else d.values[0].name for d in project.codebook.dimensions}
    passage = project.passages_frame().iloc[5]
    project.add_annotation(passage["passage_id"], "alice", labels)
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"labels.{fmt}"
        assert run("export", "-p", str(proj), "--format", fmt, "-o", str(out)).exit_code == 0
        if fmt == "csv":
            with out.open(encoding="utf-8", newline="") as f:
                row = next(csv.DictReader(f))
        else:
            row = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert (row["title"], row["date"], row["author"]) == (
            "April 28, 2021: Address to Joint Session of Congress", "2021-04-29", "Joe Biden")
        fresh = tmp_path / f"fresh-{fmt}"
        run("init", str(fresh))
        run("ingest", str(speeches), "-p", str(fresh), "--text-col", "Transcript")
        result = run("import-labels", str(out), "-p", str(fresh), "--format", fmt)
        assert result.exit_code == 0, result.output  # the document's fields do not stop a re-import
