"""One contract for every label format: exports re-import without loss, bad files import nothing."""

import json
from pathlib import Path

import hypothesis
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import counts
from hypothesis import strategies as st

from stance.checks import NAME_RE
from stance.cli import main
from stance.codebook import load_codebook
from stance.errors import InputError
from stance.formats import EXPORT_FORMATS, IMPORT_FORMATS, export_labels, import_labels, labelstudio_config
from stance.ingest import MAX_TEXT_BYTES, make_document
from stance.store import Project

MARKUP = "<script>alert(1)</script> & <b>bold</b> <img src=x onerror=alert(2)>"
DOC_TEXT = "\n\n".join([
    "Washington should open talks with Tehran before the next rocket attack widens the war.",
    "Send more long-range missiles to Kyiv, \"now\", and lift every limit on their use.\nNo half measures.",
    MARKUP,
    "Le ministre a déclaré que la France retirerait ses troupes du Sahel — c’est prévu.",
])


def documents():
    return [make_document(DOC_TEXT, "op-ed.txt", {"outlet": "Test Review", "title": "Talks, not missiles",
                                                   "author": "Jane Roe", "date": "2024-11-21"})]


def new_project(path: Path) -> Project:
    project = Project.init(path)
    project.add_documents(documents())
    return project


@pytest.fixture
def labelled(tmp_path) -> Project:
    """Two annotators, notes with commas, quotes and newlines, multi-valued topics, an older codebook
    version, a label that was changed, and a passage with markup in its text."""
    project = new_project(tmp_path / "source")
    ids = project.passages_frame().passage_id.tolist()
    add = project.add_annotation
    add(ids[0], "alice", {"posture": "restraint", "intervention": "neutral", "topic": ["iran"]},
        note='P2: warns of a "wider war", says so twice,\nthen stops', created_at="2024-11-22T09:00:00+00:00")
    add(ids[1], "alice", {"posture": "neutral"}, created_at="2024-11-22T09:01:00+00:00")
    add(ids[1], "alice", {"posture": "escalation", "intervention": "pro", "role": "recommendation",
                          "voice": "author", "topic": ["russia-ukraine", "other"]},
        created_at="2024-11-22T09:02:00+00:00")
    add(ids[2], "alice", {"posture": "not_applicable", "role": "other"}, note="markup only",
        created_at="2024-11-22T09:03:00+00:00", codebook_version="1.0")
    add(ids[0], "bob", {"posture": "neutral", "topic": ["iran", "other"]}, note="é — ’ unicode note",
        created_at="2024-11-23T10:00:00+00:00")
    add(ids[3], "bob", {"posture": "restraint", "voice": "reported"}, created_at="2024-11-23T10:05:00+00:00")
    return project


def state(project: Project) -> set:
    """Everything a round trip must keep: passage, annotator, labels, codebook version, note, time."""
    frame = project.current_annotations()
    return {(r.passage_id, r.annotator, json.dumps(labels, sort_keys=True), r.codebook_version, r.note,
             r.created_at) for r, labels in zip(frame.itertuples(), frame["labels"], strict=True)}


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_round_trip_keeps_labels_annotators_versions_notes(labelled, tmp_path, fmt):
    path = tmp_path / f"labels.{fmt}"
    assert export_labels(labelled, path, fmt) == 5
    fresh = new_project(tmp_path / "fresh")
    result = import_labels(fresh, path, fmt, partial=True)
    assert (result.annotations, result.gold, result.unchanged, result.skipped) == (5, 0, 0, [])
    assert state(fresh) == state(labelled)
    assert set(fresh.current_annotations().source) == {"import"}
    # importing the same file again adds nothing
    before = counts(fresh)
    assert import_labels(fresh, path, fmt, partial=True).unchanged == 5 and counts(fresh) == before
    # and the file keeps the markup as text
    assert MARKUP in path.read_text(encoding="utf-8") or json.dumps(MARKUP)[1:-1] in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_round_trip_as_gold(labelled, tmp_path, fmt):
    path = tmp_path / f"gold.{fmt}"
    for pid, dim, value in [(0, "posture", "restraint"), (3, "posture", "neutral"), (0, "topic", ["iran"])]:
        labelled.add_gold(labelled.passages_frame().passage_id[pid], dim, value, method="adjudicated",
                          decided_by="lead", note="decided")
    assert export_labels(labelled, path, fmt, gold=True) == 2
    fresh = new_project(tmp_path / "fresh")
    result = import_labels(fresh, path, fmt, as_gold=True, partial=True)
    assert (result.annotations, result.gold) == (2, 3)
    cols = ["passage_id", "posture", "topic"]
    assert fresh.gold_frame()[cols].equals(labelled.gold_frame()[cols])
    methods = {tuple(r) for r in fresh.conn.execute("SELECT method, decided_by FROM gold_labels")}
    assert methods == {("imported", "lead")}
    assert import_labels(fresh, path, fmt, as_gold=True, partial=True).gold == 0  # idempotent


def test_parquet_export_has_the_flat_columns(labelled, tmp_path):
    path = tmp_path / "labels.parquet"
    assert export_labels(labelled, path, "parquet") == 5
    frame = pd.read_parquet(path)
    assert list(frame.columns[:7]) == ["passage_id", "doc_id", "text", "annotator", "codebook_version",
                                       "created_at", "note"]
    alice = frame[(frame.annotator == "alice") & (frame.posture == "escalation")].iloc[0]
    assert list(alice.topic) == ["other", "russia-ukraine"] and alice.role == "recommendation"
    assert set(frame.codebook_version) == {"1.0", labelled.codebook.version} and MARKUP in set(frame.text)


def test_every_format_is_covered():
    assert set(EXPORT_FORMATS) == set(IMPORT_FORMATS) | {"parquet"}


# -- files as the other tools write them: no passage ids, matched by text --------------------------

def native(fmt: str, path: Path, rows: list[dict]) -> Path:
    """Write `rows` ({text, annotator, labels}) the way Label Studio / doccano / a spreadsheet would."""
    if fmt == "labelstudio":
        tasks = [{"id": i, "data": {"text": r["text"]}, "annotations": [{
            "id": i, "completed_by": {"id": 7, "email": r["annotator"]}, "result": [
                {"from_name": d, "to_name": "text", "type": "choices",
                 "value": {"choices": v if isinstance(v, list) else [v]}} for d, v in r["labels"].items()]}]}
            for i, r in enumerate(rows, start=1)]
        path.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    elif fmt == "doccano":
        lines = [json.dumps({"id": i, "text": r["text"], "annotator": r["annotator"], "Comments": [],
                             "label": [f"{d}:{x}" for d, v in r["labels"].items()
                                       for x in (v if isinstance(v, list) else [v])]}, ensure_ascii=False)
                 for i, r in enumerate(rows, start=1)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps({"text": r["text"], "annotator": r["annotator"], **r["labels"]},
                                           ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        frame = pd.DataFrame([{"text": r["text"], "annotator": r["annotator"],
                               **{d: ";".join(v) if isinstance(v, list) else v for d, v in r["labels"].items()}}
                              for r in rows])
        frame.to_csv(path, index=False)
    return path


def rows(second_text=None, second_value="escalation"):
    texts = DOC_TEXT.split("\n\n")
    return [
        {"text": texts[0], "annotator": "carol", "labels": {"posture": "restraint", "topic": ["iran"]}},
        {"text": second_text if second_text is not None else texts[1], "annotator": "carol",
         "labels": {"posture": second_value}},
        {"text": MARKUP, "annotator": "carol", "labels": {"posture": "not_applicable"}},
    ]


def second_line(fmt: str, path: Path) -> str:
    """How the error names the second record of a native file."""
    if fmt == "labelstudio":
        starts = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line == " {"]
        return rf"line {starts[1]} \(task 2, annotation 1\)"
    return "line 3" if fmt == "csv" else "line 2"


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_native_file_matched_by_text_with_markup_kept(project, tmp_path, fmt):
    project.add_documents(documents())
    path = native(fmt, tmp_path / f"in.{fmt}", rows())
    result = import_labels(project, path, fmt, partial=True)
    assert result.annotations == 3
    labels = project.current_annotations("carol").merge(project.passages_frame(), on="passage_id")
    by_text = dict(zip(labels.text, labels["labels"], strict=True))
    assert by_text[MARKUP] == {"posture": "not_applicable"}
    assert by_text[DOC_TEXT.split("\n\n")[0]] == {"posture": "restraint", "topic": ["iran"]}


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_annotator_option_names_every_label(project, tmp_path, fmt):
    project.add_documents(documents())
    import_labels(project, native(fmt, tmp_path / f"in.{fmt}", rows()), fmt, annotator="dave", partial=True)
    assert set(project.current_annotations().annotator) == {"dave"}


BAD = {
    "unknown value": (dict(second_value="hawk"),
                      "unknown value 'hawk' for dimension 'posture'; valid: restraint, escalation, neutral, "
                      "not_applicable"),
    "unknown passage": (dict(second_text="A passage that was never ingested."),
                        "text 'A passage that was never ingested.' is not in the project; ingest its document "
                        "first, or use --skip-unknown"),
    "huge field": (dict(second_text="word " * (MAX_TEXT_BYTES // 5 + 10)),
                   r"field 'text' is 1,000,05\d bytes, over the 1,000,000-byte limit"),
}


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_record_names_file_line_and_imports_nothing(project, tmp_path, fmt, case):
    project.add_documents(documents())
    before = counts(project)
    kwargs, message = BAD[case]
    path = native(fmt, tmp_path / f"bad.{fmt}", rows(**kwargs))
    with pytest.raises(InputError, match=rf"{path}: {second_line(fmt, path)}: {message}"):
        import_labels(project, path, fmt, partial=True)
    assert counts(project) == before


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_skip_unknown_imports_the_rest(project, tmp_path, fmt):
    project.add_documents(documents())
    path = native(fmt, tmp_path / f"in.{fmt}", rows(second_text="Never ingested."))
    result = import_labels(project, path, fmt, skip_unknown=True, partial=True)
    assert result.annotations == 2 and len(result.skipped) == 1
    assert "is not in the project" in result.skipped[0][1]


BROKEN = {
    "labelstudio": (b'[{"data": {"text": "x"},\n "annotations": [}]', r"line 2: not valid JSON"),
    "doccano": (b'{"text": "x", "label": ["posture:neutral"]}\n{"text": "y", "label": [\n',
                r"line 2: not valid JSON"),
    "jsonl": (b'{"text": "x", "posture": "neutral"}\n{"text": \n', r"line 2: not valid JSON"),
    "csv": (b"text,posture\nx,neutral\ny,neutral,extra\n", r"line 3: 3 fields, but the header has 2"),
}


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
@pytest.mark.parametrize("case", ["malformed", "encoding", "empty", "blank"])
def test_unreadable_files_give_a_clear_error(project, tmp_path, fmt, case):
    project.add_documents(documents())
    before = counts(project)
    data, message = {
        "malformed": BROKEN[fmt],
        "encoding": ('{"text": "ok"}\n{"text": "Le ministre a déclaré"}\n'.encode("cp1252"),
                     r"line 2: not UTF-8 \(invalid continuation byte at byte \d+\); label files must be UTF-8"),
        "empty": (b"", "file is empty"),
        "blank": (b"\xef\xbb\xbf \n\n", "file is empty"),
    }[case]
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"{path}: {message}"):
        import_labels(project, path, fmt, partial=True)
    assert counts(project) == before


def test_format_specific_mistakes(project, tmp_path):
    project.add_documents(documents())
    text = DOC_TEXT.split("\n\n")[0]
    cases = [
        ("csv", f"body,posture\n{text},neutral\n", "no column 'passage_id' or 'text'"),
        ("csv", f"text,stance\n{text},neutral\n", "no label columns; expected one or more of: posture,"),
        ("jsonl", json.dumps({"text": text, "stance": "neutral"}) + "\n", "no labels found"),
        ("jsonl", json.dumps({"text": text, "posture": "neutral"}) + "\n",
         "line 1: no annotator in the file; name one with --annotator NAME"),
        ("doccano", json.dumps({"text": text, "annotator": "a", "label": ["neutral"]}) + "\n",
         "line 1: label 'neutral' is not \"dimension:value\""),
        ("doccano", json.dumps({"text": text, "annotator": "a", "label": ["stance:neutral"]}) + "\n",
         "line 1: unknown dimension 'stance'; valid: posture, intervention"),
        ("doccano", json.dumps({"text": text, "annotator": "a", "label": ["posture:neutral", "posture:restraint"]}),
         r"line 1: dimension 'posture' takes one value, got \['neutral', 'restraint'\]"),
        ("labelstudio", json.dumps({"data": {"text": text}, "annotations": [{"completed_by": 3, "result": [
            {"from_name": "x", "to_name": "text", "type": "labels", "value": {"labels": ["A"]}}]}]}),
         r"unsupported result type 'labels'"),
        ("labelstudio", json.dumps(["not a task"]), r"line 1 \(task 1\): expected a task object"),
        ("jsonl", json.dumps({"text": text, "annotator": "a", "posture": "neutral", "created_at": "yesterday"}),
         "created_at 'yesterday' is not an ISO 8601 date-time"),
    ]
    before = counts(project)
    for fmt, content, message in cases:
        path = tmp_path / f"case.{fmt}"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            import_labels(project, path, fmt, partial=True)
    assert counts(project) == before


def test_labelstudio_numeric_user_and_cancelled_annotations(project, tmp_path):
    project.add_documents(documents())
    text = DOC_TEXT.split("\n\n")[0]
    tasks = [{"data": {"text": text}, "annotations": [
        {"completed_by": 3, "result": [{"from_name": "posture", "to_name": "text", "type": "choices",
                                        "value": {"choices": ["restraint"]}},
                                       {"from_name": "note", "to_name": "text", "type": "textarea",
                                        "value": {"text": ["P2"]}}]},
        {"completed_by": 4, "was_cancelled": True, "result": []}]},
        {"data": {"text": "unannotated task"}, "annotations": []}]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    result = import_labels(project, path, "labelstudio", partial=True)
    assert result.annotations == 1 and "cancelled" in result.skipped[0][1]
    row = project.current_annotations().iloc[0]
    assert (row.annotator, row.note, row["labels"]) == ("labelstudio-user-3", "P2", {"posture": "restraint"})


def test_ambiguous_text_needs_an_id(project, tmp_path):
    project.add_documents(documents())
    project.add_documents([make_document("Subscribe to our newsletter.\n\n" + DOC_TEXT.split("\n\n")[0],
                                         "other.txt", {"outlet": "Other"})])
    path = native("jsonl", tmp_path / "in.jsonl", rows()[:1])
    with pytest.raises(InputError, match=r"line 1: the text matches 2 passages \(p\w+, p\w+\); add a passage_id"):
        import_labels(project, path, "jsonl", partial=True)


def test_labelstudio_config_lists_every_value(project):
    config = labelstudio_config(project.codebook)
    assert '<Choices name="topic" toName="text" choice="multiple"' in config
    assert '<Choice value="restraint"' in config and config.count("<Choices") == 5


def test_import_and_export_commands(labelled, tmp_path):
    runner = CliRunner()
    out = tmp_path / "labels.csv"
    result = runner.invoke(main, ["export", "--project", str(labelled.path), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and f"Wrote 5 label records to {out}." in result.output
    config = tmp_path / "config.xml"
    result = runner.invoke(main, ["export", "--project", str(labelled.path), "--format", "labelstudio", "-o",
                                  str(tmp_path / "tasks.json"), "--labelstudio-config", str(config)])
    assert result.exit_code == 0 and '<Choices name="posture"' in config.read_text(encoding="utf-8")
    fresh = new_project(tmp_path / "fresh")
    result = runner.invoke(main, ["import-labels", str(out), "--project", str(fresh.path), "--format", "csv",
                                  "--as-gold", "--partial"])
    assert result.exit_code == 1 and counts(fresh)[2:4] == (0, 0)
    assert (f"{out}: line 4: --as-gold, but passage {labelled.passages_frame().passage_id[0]} has posture "
            "'restraint' from alice (line 2) and 'neutral' from bob") in result.output
    result = runner.invoke(main, ["import-labels", str(out), "--project", str(fresh.path), "--format", "csv",
                                  "--partial"])
    assert result.exit_code == 0, result.output
    assert f"Imported 5 annotations from {out}." in result.output
    result = runner.invoke(main, ["import-labels", str(out), "--project", str(fresh.path), "--format", "csv",
                                  "--partial"])
    assert "Imported 0 annotations, 5 already in the project" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "nowhere", "annotator": "a", "posture": "hawk"}) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["import-labels", str(bad), "--project", str(fresh.path), "--format", "jsonl"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (f"Error: {bad}: line 1: unknown value 'hawk' for dimension 'posture'; "
                                     "valid: restraint, escalation, neutral, not_applicable")
    result = runner.invoke(main, ["export", "--project", str(tmp_path / "none"), "--format", "csv", "-o", "x.csv"])
    assert result.exit_code == 1 and "is not a project" in result.output


# -- any note, any valid annotator name, any labels: the round trip holds ---------------------------

def _label_sets():
    codebook = load_codebook()
    fields = {}
    for dim in codebook.dimensions:
        values = st.sampled_from(dim.value_names)
        fields[dim.name] = (st.lists(values, min_size=1, max_size=3, unique=True).map(sorted) if dim.multi
                            else values)
    return st.fixed_dictionaries({}, optional=fields).filter(bool)


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_names = st.from_regex(NAME_RE, fullmatch=True)  # names are checked: no markup, newlines or megabytes
_records = st.lists(st.tuples(st.integers(0, 3), _names, _text, _label_sets()),
                    min_size=1, max_size=4)


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_round_trip_property(tmp_path, fmt):
    """Notes with any characters (quotes, commas, newlines, NUL, RTL), any valid names, any label sets."""
    source, fresh = new_project(tmp_path / "a"), new_project(tmp_path / "b")
    ids = source.passages_frame().passage_id.tolist()
    path = tmp_path / f"labels.{fmt}"

    @hypothesis.settings(max_examples=30, deadline=None, database=None)
    @hypothesis.given(records=_records)
    def check(records):
        for project in (source, fresh):
            with project.transaction() as conn:
                conn.execute("DELETE FROM annotations")
        for n, (i, who, note, labels) in enumerate(records):
            source.add_annotation(ids[i], who, labels, note=note, created_at=f"2024-01-01T00:00:{n:02d}+00:00")
        export_labels(source, path, fmt)
        import_labels(fresh, path, fmt, partial=True)
        assert state(fresh) == state(source)

    check()


def test_commands_and_formats_are_documented():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "labels.md").read_text(encoding="utf-8")
    for command in ("stance agree", "stance import-labels", "stance export", "--as-gold", "--skip-unknown",
                    "--annotator", "--gold", "--labelstudio-config"):
        assert command in docs, command
    for fmt in EXPORT_FORMATS:
        assert f"| `{fmt}` |" in docs, fmt
