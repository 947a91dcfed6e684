"""Hostile input, generated: every JSON endpoint of both apps and every importer (`stance ingest` of each
format, `stance import-labels` of each format) answers wrong types, deep nesting, huge fields, markup,
formula cells and broken Unicode with a 4xx or a one-line error, never a 500 or a traceback, and a
refusal leaves the database as it was.

Example counts are small (the whole module adds well under a minute of CPU to the suite); the
hand-picked nasty values are where the bugs were, and Hypothesis mixes them into valid structures.
"""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from test_annotate_helpers import disagreeing_project, full_labels, make_project, tokens

from stance.annotate.adjudication import create_adjudication_app
from stance.annotate.app import create_app
from stance.cli import main
from stance.codebook import load_codebook
from stance.store import Project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CODEBOOK = load_codebook()
DIMS = CODEBOOK.dimension_names
VALUES = [v for d in CODEBOOK.dimensions for v in d.value_names]

NASTY = st.sampled_from([
    '=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "%s%n", "\x00", "\ud800",
    "a\ud83d", "\u202e\u2028\u0085", "line\nbreak\r\n", " ", "", "null", "NaN", "../../etc/passwd",
    "x" * 5_000, "y" * 70_000, *DIMS, *VALUES,
])
SCALARS = (NASTY | st.text(max_size=20) | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
           | st.floats() | st.booleans() | st.none())
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(NASTY | st.text(max_size=8), inner, max_size=3), max_leaves=10)
LABELS = st.dictionaries(st.sampled_from(DIMS) | NASTY, st.sampled_from(VALUES) | st.lists(st.sampled_from(VALUES),
                         max_size=2) | JSON, max_size=6)
DEEP = st.integers(min_value=21, max_value=40_000).map(lambda n: "[" * n + "]" * n)


def raw_body(value) -> bytes:
    """A JSON body; `str` values are sent as they are (deep nesting, broken JSON)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode("utf-8", "surrogatepass")


def assert_refused_or_valid(response, project: Project, before: tuple[int, ...]) -> None:
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert "error" in response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else True
        assert counts(project) == before  # a refusal writes nothing
    for (labels,) in project.conn.execute("SELECT labels_json FROM annotations"):
        for dim, value in json.loads(labels).items():
            CODEBOOK.validate_label(dim, value)  # whatever was accepted is a valid label


# -- the JSON endpoints -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def annotation(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("fuzz") / "p", n=4)
    tok = tokens(proj, ["alice"])["alice"]
    client = TestClient(create_app(proj.path, ["alice"]), headers={"Authorization": f"Bearer {tok}"},
                        raise_server_exceptions=False)
    pids = [r[0] for r in proj.conn.execute("SELECT id FROM passages")]
    return proj, client, pids


@FUZZ
@given(data=st.data())
def test_annotation_endpoints_refuse_hostile_bodies(annotation, data):
    proj, client, pids = annotation
    body = data.draw(st.one_of(
        st.fixed_dictionaries({}, optional={"passage_id": st.sampled_from(pids) | JSON, "labels": LABELS | JSON,
                                            "note": NASTY | JSON, "action": st.sampled_from(["label", "skip"]) | JSON}),
        st.fixed_dictionaries({"passage_id": st.sampled_from(pids), "labels": st.just(full_labels(proj)),
                               "note": NASTY}),
        JSON, DEEP, st.sampled_from(['{"a":', "\xff", '{"note": "\\ud800"}', "[]" * 40_000])))
    path = data.draw(st.sampled_from(["/api/annotations", "/api/undo"]))
    before = counts(proj)
    response = client.post(path, content=raw_body(body), headers={"Content-Type": "application/json"})
    assert_refused_or_valid(response, proj, before)
    query = data.draw(st.fixed_dictionaries({}, optional={"passage_id": NASTY | st.sampled_from(pids),
                                                          "step": NASTY | st.sampled_from(["prev", "next", "last"])}))
    query = {k: v[:1000].encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in query.items()}
    assert client.get("/api/task", params=query).status_code < 500
    token = data.draw(NASTY | st.text(max_size=300)).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    login = TestClient(client.app, raise_server_exceptions=False).post("/login", data={"token": token[:60_000]})
    assert login.status_code < 500 and "set-cookie" not in login.headers


@pytest.fixture(scope="module")
def adjudication(tmp_path_factory):
    proj, p1, _p2, _posture = disagreeing_project(tmp_path_factory.mktemp("fuzz") / "p")
    tok = tokens(proj, ["lead"])["lead"]
    client = TestClient(create_adjudication_app(proj.path, "lead"), headers={"Authorization": f"Bearer {tok}"},
                        raise_server_exceptions=False)
    return proj, client, p1


@FUZZ
@given(data=st.data())
def test_adjudication_endpoints_refuse_hostile_bodies(adjudication, data):
    proj, client, p1 = adjudication
    body = data.draw(st.one_of(
        st.fixed_dictionaries({}, optional={"passage_id": st.just(p1) | JSON, "dimension": st.sampled_from(DIMS) | JSON,
                                            "value": st.sampled_from(VALUES) | JSON, "note": NASTY | JSON,
                                            "index": st.integers() | JSON}),
        JSON, DEEP))
    path = data.draw(st.sampled_from(["/api/resolve", "/api/promote"]))
    before = counts(proj)
    response = client.post(path, content=raw_body(body), headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert counts(proj) == before
    for dim, value in proj.conn.execute("SELECT dimension, value_json FROM gold_labels"):
        CODEBOOK.validate_label(dim, json.loads(value))
    index = data.draw(NASTY | st.integers().map(str))[:1000]
    assert client.get("/api/item", params={"index": index.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                                           }).status_code < 500


# -- the importers, through the entry point --------------------------------------------------------------

def assert_one_line_or_ok(result, project: Project, before: tuple[int, ...]) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output[-500:]
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()  # a progress label may come first; the error is one line, last
        assert lines[-1].startswith("Error: ") and [x for x in lines if x.startswith("Error")] == lines[-1:], \
            result.stderr[-500:]
        assert counts(project) == before


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-import")
    proj = make_project(root / "p", n=3)
    pid, text = proj.conn.execute("SELECT id, text FROM passages LIMIT 1").fetchone()
    return root, proj, pid, text


def label_file(fmt: str, record: dict, pid: str, text: str) -> str:
    """One label record in `fmt`, with hostile values where the generated record has them."""
    if fmt == "jsonl":
        return json.dumps({"passage_id": pid, **record})
    if fmt == "doccano":
        return json.dumps({"text": text, "label": [f"{k}:{v}" if isinstance(v, str) else v for k, v in record.items()],
                           **{k: v for k, v in record.items() if k in ("annotator", "note")}})
    if fmt == "labelstudio":
        result = [{"type": "choices", "from_name": k, "value": v if isinstance(v, dict) else {"choices": v}}
                  for k, v in record.items()]
        return json.dumps([{"data": {"passage_id": pid}, "annotations": [{"result": result,
                           "completed_by": record.get("annotator", 1)}]}])
    cells = {k: v if isinstance(v, str) else json.dumps(v) for k, v in record.items()}
    header = ",".join(["passage_id", *cells])
    quote = lambda s: '"' + str(s).replace('"', '""') + '"'  # noqa: E731
    return header + "\n" + ",".join([pid, *map(quote, cells.values())]) + "\n"


@FUZZ
@given(fmt=st.sampled_from(["jsonl", "csv", "doccano", "labelstudio"]),
       record=st.dictionaries(st.sampled_from([*DIMS, "annotator", "note"]) | NASTY,
                              st.sampled_from(VALUES) | NASTY | JSON, min_size=1, max_size=5),
       deep=st.booleans())
def test_import_labels_refuses_hostile_files(target, fmt, record, deep):
    root, proj, pid, text = target
    body = label_file(fmt, record, pid, text)
    if deep and fmt != "csv":
        body = body.replace("{", "[" * 30 + "{", 1) if fmt == "labelstudio" else "[" * 5_000 + "]" * 5_000
    path = root / f"labels.{'json' if fmt == 'labelstudio' else fmt if fmt == 'csv' else 'jsonl'}"
    path.write_bytes(body.encode("utf-8", "surrogatepass"))
    before = counts(proj)
    result = CliRunner().invoke(main, ["import-labels", str(path), "--project", str(proj.path), "--format", fmt,
                                       "--annotator", "fuzz", "--partial"])
    assert_one_line_or_ok(result, proj, before)


DOCUMENT = st.fixed_dictionaries({"text": NASTY | JSON | st.text(min_size=1, max_size=40)},
                                 optional={"outlet": NASTY | JSON, "title": NASTY | JSON, "id": NASTY | JSON})


def document_file(fmt: str, doc: dict) -> bytes:
    text = doc["text"] if isinstance(doc["text"], str) else json.dumps(doc["text"])
    if fmt == "jsonl":
        return json.dumps(doc).encode("utf-8", "surrogatepass")
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        quote = lambda v: '"' + (v if isinstance(v, str) else json.dumps(v)).replace('"', '""') + '"'  # noqa: E731
        return (sep.join(doc) + "\n" + sep.join(quote(v) for v in doc.values()) + "\n").encode("utf-8", "surrogatepass")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.table({k: [v] for k, v in doc.items()})
        except (pa.ArrowException, ValueError, TypeError, OverflowError):  # a mix pyarrow cannot type: as JSON text
            table = pa.table({k: [json.dumps(v)] for k, v in doc.items()})
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return sink.getvalue()
    if fmt == "md":
        front = "".join(f"{k}: {v if isinstance(v, str) else json.dumps(v)}\n" for k, v in doc.items() if k != "text")
        return f"---\n{front}---\n# Title\n\n{text}\n".encode("utf-8", "surrogatepass")
    if fmt == "html":
        return f"<html><head><title>{doc.get('title')}</title></head><body><article><p>{text}</p><p>{text} and more words here.</p></article></body></html>".encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(fmt=st.sampled_from(["jsonl", "csv", "tsv", "parquet", "txt", "md", "html"]), doc=DOCUMENT,
       id_col=st.booleans())
def test_ingest_refuses_hostile_files(target, fmt, doc, id_col):
    root, proj, _pid, _text = target
    path = root / f"in.{fmt}"
    path.write_bytes(document_file(fmt, doc))
    before = counts(proj)
    args = ["ingest", str(path), "--project", str(proj.path)]
    if id_col and "id" in doc and fmt in ("jsonl", "csv", "tsv", "parquet"):
        args += ["--id-col", "id"]
    result = CliRunner().invoke(main, args)
    assert_one_line_or_ok(result, proj, before)
    assert proj.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    if fmt == "jsonl" and not isinstance(doc["text"], str):
        assert result.exit_code == 1  # an object, list or number is refused, never stored as its Python repr


def test_fuzz_uses_a_real_sqlite_file(target):
    _root, proj, _pid, _text = target
    assert isinstance(proj.conn, sqlite3.Connection) and (proj.path / "stance.db").is_file()
