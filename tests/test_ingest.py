"""Every input format, every bad input from the foundation issue, and the transaction guarantee."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import counts

from stance.errors import InputError
from stance.ingest import MAX_TEXT_BYTES, TableOptions, ingest

ARTICLE_HTML = """<!doctype html><html><head><title>Bring the Troops Home | Example Review</title>
<meta name="author" content="Jane Roe"><meta property="article:published_time" content="2024-11-21">
<meta property="og:site_name" content="Example Review"></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | Subscribe</nav>
<article><h1>Bring the Troops Home</h1>
<p>The United States keeps some 900 troops in eastern Syria, a deployment that has outlived its
purpose and now mainly offers militias a target. Each rocket attack raises the odds of a wider war.</p>
<p>Congress never authorised this mission. It should set a date for withdrawal and hold the
administration to it, before a deadly attack forces a choice between escalation and retreat.</p>
<p>Critics say a withdrawal would hand the field to Iran; but the troops have not stopped Iran so far.</p>
</article><footer>Copyright 2024 Example Review. All rights reserved.</footer></body></html>"""


def test_text_markdown_html_and_directories(project, tmp_path):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("First paragraph here.\n\nSecond one.\n", encoding="utf-8")
    (folder / "b.md").write_text("---\ntitle: Arms and Restraint\nauthor: Sam Poe\ndate: 2024-02-01\n---\n"
                                 "# Arms and Restraint\n\nSend fewer shells.\n", encoding="utf-8")
    (folder / "sub" / "c.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00\x01")  # unsupported suffix: ignored by directory walks
    result = ingest(project, [folder], meta={"collection": "test"})
    assert (result.files, result.documents) == (3, 3)
    docs = pd.read_sql_query("SELECT * FROM documents ORDER BY source", project.conn)
    md = docs[docs.source.str.endswith("b.md")].iloc[0]
    assert (md.title, md.author, str(md.date)) == ("Arms and Restraint", "Sam Poe", "2024-02-01")
    html = docs[docs.source.str.endswith("c.html")].iloc[0]
    assert html.author == "Jane Roe" and html.date == "2024-11-21" and html.outlet == "Example Review"
    assert "900 troops" in html.text and "Home" not in html.text and "All rights reserved" not in html.text
    assert json.loads(html.meta_json)["collection"] == "test"
    passages = project.passages_frame()
    assert len(passages[passages.doc_id == html.id]) == 3


def test_csv_with_named_text_and_meta_columns(project, tmp_path):
    path = tmp_path / "export.csv"
    pd.DataFrame({
        "id": [1, 2], "body": ["Arm Kyiv now.\n\nNo limits.", 'Talk to Tehran, "quietly".'],
        "outlet": ["A", "B"], "author": ["X", "Y"], "date": ["2024-01-01", "2024-02-01"],
        "title": ["t1", "t2"], "url": ["http://a", "http://b"], "extra": ["e1", "e2"],
    }).to_csv(path, index=False)
    result = ingest(project, [path], table=TableOptions(text_col="body",
                                                        meta_cols=["outlet", "author", "date", "title", "url"]))
    assert (result.documents, result.passages) == (2, 3)
    docs = project.passages_frame()
    assert set(docs.outlet) == {"A", "B"} and "extra" not in docs.meta_json.iloc[0]


def test_jsonl_and_parquet(project, tmp_path):
    rows = [{"text": "Withdraw from Niger.", "outlet": "O", "year": 2023},
            {"text": "Keep the base.", "outlet": "P", "year": 2024}]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    parquet = tmp_path / "b.parquet"
    pd.DataFrame([{"text": "Sanctions are enough.", "outlet": "Q"}]).to_parquet(parquet)
    result = ingest(project, [jsonl, parquet])
    assert result.documents == 3
    meta = project.passages_frame().meta_json.tolist()
    assert json.loads(meta[0]) == {"year": 2023}


def test_reimport_is_deduplicated_and_ids_are_stable(project, seed_file):
    first = ingest(project, [seed_file], meta={"outlet": "Responsible Statecraft"}, split_docs=True)
    ids = project.passages_frame().passage_id.tolist()
    second = ingest(project, [seed_file], meta={"outlet": "Responsible Statecraft"}, split_docs=True)
    assert (first.documents, first.passages) == (4, 54)
    assert (second.documents, second.duplicates) == (0, 4)
    assert project.passages_frame().passage_id.tolist() == ids


def test_seed_file_is_four_documents_with_outlet_and_author(project, seed_file):
    ingest(project, [seed_file], meta={"outlet": "Responsible Statecraft"}, split_docs=True)
    docs = pd.read_sql_query("SELECT * FROM documents", project.conn)
    assert len(docs) == 4 and set(docs.outlet) == {"Responsible Statecraft"}
    assert docs.author.tolist()[0] == "Adam Weinstein" and docs.author.isna().sum() == 3
    passages = project.passages_frame()
    assert passages.is_boilerplate.sum() == 8


def test_encodings(project, tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes(("Le ministre a déclaré que la France retirerait ses troupes du Sahel. " * 8
                       + "\n\nC'était prévu.").encode("cp1252"))
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffA UTF-8 file with a byte-order mark.".encode())
    ingest(project, [latin, bom])
    texts = project.passages_frame().text.tolist()
    assert texts[0].startswith("Le ministre a déclaré") and texts[-1] == "A UTF-8 file with a byte-order mark."
    assert "encoding" in project.passages_frame().meta_json.iloc[0]


BAD_INPUTS = {
    "empty.txt": (b"", r"empty\.txt: file is empty"),
    "blank.md": (b"   \n\n", r"blank\.md: file is empty"),
    "binary.txt": (b"\x00\x01\x02garbage" * 10, r"binary\.txt: looks like a binary file"),
    "undetectable.txt": (bytes(range(128, 256)) * 3, r"undetectable\.txt: line 1: not UTF-8"),
    "nocol.csv": (b"id,body\n1,hello\n", r"nocol\.csv: no column 'text'; columns are: id, body\. "
                                          r"Use --text-col body"),
    "emptyrow.csv": (b"text,outlet\nfine,A\n,B\n", r"emptyrow\.csv: line 3: empty text in column 'text'"),
    "ragged.csv": (b"text,outlet\nfine,A\nmore,B,C\n", r"ragged\.csv: line 3: 3 fields, but the header has 2"),
    "header_only.csv": (b"text,outlet\n", r"header_only\.csv: no rows with text"),
    "broken.jsonl": (b'{"text": "ok"}\n{"text": "bad\n', r"broken\.jsonl: line 2: not valid JSON"),
    "list.jsonl": (b'{"text": "ok"}\n[1, 2]\n', r"list\.jsonl: line 2: expected a JSON object, got list"),
    "nohtml.html": (b"<html><body><nav>Home</nav></body></html>", r"nohtml\.html: no main text found"),
    "script.html": (b"<html><body><script>alert(1)</script></body></html>", r"script\.html: no main text"),
    "bad.parquet": (b"PAR1 not really", r"bad\.parquet: not a readable Parquet file"),
    "data.xlsx": (b"PK", r"data\.xlsx: unsupported file type \.xlsx"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_names_file_and_line_and_changes_nothing(project, tmp_path, name):
    ingest(project, [_write(tmp_path / "good.txt", b"Already here.")])
    before = counts(project)
    data, message = BAD_INPUTS[name]
    with pytest.raises(InputError, match=message):
        ingest(project, [_write(tmp_path / "x" / "good2.txt", b"Also fine."), _write(tmp_path / "x" / name, data)])
    assert counts(project) == before


def test_huge_field_is_refused_then_skipped_on_request(project, tmp_path):
    path = tmp_path / "huge.csv"
    big = "word " * (MAX_TEXT_BYTES // 5 + 10)
    path.write_text(f'text,outlet\nsmall one,A\n"{big}",B\nlast,C\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"huge\.csv: line 3: text in column 'text' is 1,000,05\d bytes, over"):
        ingest(project, [path])
    assert counts(project)[0] == 0
    result = ingest(project, [path], skip_bad=True)
    assert result.documents == 2 and "line 3" in result.skipped[0][0]


def test_markup_in_text_is_kept_as_text(project, tmp_path):
    path = _write(tmp_path / "x.jsonl", json.dumps({"text": "<script>alert(1)</script> & <b>bold</b>"}).encode())
    ingest(project, [path])
    assert project.passages_frame().text.iloc[0] == "<script>alert(1)</script> & <b>bold</b>"


def test_unreadable_file_in_directory(project, tmp_path, monkeypatch):
    folder = tmp_path / "d"
    _write(folder / "ok.txt", b"Fine text.")
    _write(folder / "locked.txt", b"Secret.")
    real_read = Path.read_bytes

    def read_bytes(self):  # chmod 000 does not stop root, so refuse the read the way the OS would
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(InputError, match=r"locked\.txt: permission denied"):
        ingest(project, [folder])
    assert counts(project)[0] == 0
    result = ingest(project, [folder], skip_bad=True)
    assert result.documents == 1 and Path(result.skipped[0][0]).name == "locked.txt"


def test_directory_with_bad_files_needs_skip_bad(project, tmp_path):
    folder = tmp_path / "d"
    _write(folder / "a.txt", b"A real passage about troops.")
    _write(folder / "b.txt", b"")
    _write(folder / "c.jsonl", b"not json at all")
    with pytest.raises(InputError, match=r"b\.txt: file is empty"):
        ingest(project, [folder])
    assert counts(project)[0] == 0
    result = ingest(project, [folder], skip_bad=True)
    assert result.documents == 1
    assert {Path(w.split(":")[0]).name for w, _ in result.skipped} == {"b.txt", "c.jsonl"}
    assert any("line 1: not valid JSON" in f"{w}: {why}" for w, why in result.skipped)


def test_failure_midway_through_the_write_rolls_back(project, tmp_path, monkeypatch):
    ingest(project, [_write(tmp_path / "first.txt", b"First.")])
    before = counts(project)
    files = [_write(tmp_path / f"f{i}.txt", f"Document {i}.\n\nSecond paragraph.".encode()) for i in range(5)]
    original = project.add_documents
    seen = []

    def failing(docs, conn=None):
        def gen():
            for doc in docs:
                seen.append(doc.id)
                if len(seen) == 4:
                    raise RuntimeError("disk full")
                yield doc
        return original(gen(), conn)

    monkeypatch.setattr(project, "add_documents", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(project, files)
    assert len(seen) == 4 and counts(project) == before


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_jsonl_text_may_hold_unicode_line_separators(project, tmp_path):
    text = "Line one\u2028still the same paragraph\u0085and more."
    path = _write(tmp_path / "sep.jsonl", (json.dumps({"text": text}, ensure_ascii=False) + "\r\n").encode())
    ingest(project, [path])
    assert project.passages_frame().text.tolist() == [text]


def test_csv_errors_name_the_line_a_record_starts_on(project, tmp_path):
    path = _write(tmp_path / "multi.csv", b'text,outlet\n"two\nlines",A\n,B\nlast,C,extra\nfine,D\n')
    with pytest.raises(InputError, match=r"multi\.csv: line 4: empty text"):
        ingest(project, [path])
    result = ingest(project, [path], skip_bad=True)
    assert result.documents == 2  # the bad rows are skipped, the rows after them still read
    assert [w.rsplit(": ", 1)[-1] for w, _ in result.skipped] == ["line 4", "line 5"]


def test_a_bad_last_row_of_a_large_streamed_ingest_leaves_the_project_unchanged(project, tmp_path, monkeypatch):
    ingest(project, [_write(tmp_path / "first.txt", b"Already here.")])
    before = counts(project)
    rows = "".join(f'"Passage {i} on troop levels.\n\nA second paragraph, {i}.",outlet-{i % 5}\n' for i in range(20_000))
    path = _write(tmp_path / "big.csv", ("text,outlet\n" + rows + "last row,A,one field too many\n").encode())
    original, written = project.add_documents, []

    def counting(docs, conn=None):
        def each():
            for doc in docs:
                written.append(doc.id)
                yield doc
        return original(each(), conn)

    monkeypatch.setattr(project, "add_documents", counting)
    with pytest.raises(InputError, match=r"big\.csv: line 60002: 3 fields, but the header has 2"):
        ingest(project, [path])
    assert len(written) == 20_000  # every good row went to the database as it was read (streamed)...
    assert counts(project) == before  # ...inside the one transaction, which the bad last row rolled back
