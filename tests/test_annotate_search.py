"""Finding what to annotate: `stance annotate --where`, the app's search endpoint, the document header
and the queue's start, on the real US speeches (a slice) and on hostile input."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED, counts
from starlette.testclient import TestClient
from test_annotate_helpers import add_predictions, full_labels, make_project, tokens

from stance.annotate import QueueOptions, create_app
from stance.annotate.filters import parse_where, where_conditions
from stance.cli import main
from stance.errors import InputError
from stance.passages import is_pleasantry
from stance.store import Project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CORPUS = SHARED / "corpora" / "us-presidential-speeches-2017-2024"
MAPPING = ["--text-col", "Transcript", "--map", "title=Title,date=Date,author=President"]


def speeches_slice(folder: Path, per_file: int = 3) -> list[Path]:
    """The first speeches of each president, as the corpus has them (a slice keeps the tests fast)."""
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} not found")
    csv.field_size_limit(sys.maxsize)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in ("Biden_speeches.csv", "Trump_speeches.csv"):
        with (CORPUS / name).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))[:per_file]
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        out.append(path)
    return out


@pytest.fixture(scope="module")
def speeches(tmp_path_factory) -> Project:
    """A project of the slice, ingested with the title, date and author columns mapped."""
    root = tmp_path_factory.mktemp("speeches")
    files = speeches_slice(root / "in")
    run = CliRunner().invoke
    assert run(main, ["init", str(root / "p")]).exit_code == 0
    result = run(main, ["ingest", *map(str, files), "-p", str(root / "p"), *MAPPING])
    assert result.exit_code == 0, result.output
    return Project.open(root / "p")


def client(project, names=("alice",), opts=None):
    tok = tokens(project, list(names))[names[0]]
    c = TestClient(create_app(project.path, list(names), opts=opts))
    c.headers["Authorization"] = f"Bearer {tok}"
    return c


# -- the grammar ---------------------------------------------------------------------------------------

def test_where_grammar_reads_conditions_joined_by_and():
    assert parse_where("author = Obama") == [("author", "=", "Obama")]
    assert parse_where('topic != other AND title ~ "war and peace" and date >= 2021-01-01') == [
        ("topic", "!=", "other"), ("title", "~", "war and peace"), ("date", ">=", "2021-01-01")]
    assert parse_where("author = Joe Biden") == [("author", "=", "Joe Biden")]
    for bad, message in [("author", "cannot read the filter at 'author'"), ("= Obama", "cannot read"),
                         ("author = Obama and", "ends with 'and'"), ("   ", "empty filter"),
                         ("x" * 3000, "at most 2,000")]:
        with pytest.raises(InputError, match=message):
            parse_where(bad)


def test_where_names_only_known_fields_and_values(speeches):
    with pytest.raises(InputError, match=r"unknown field 'athor' \(did you mean 'author'\?\); fields: text, "
                                         r"title, author"):
        where_conditions(speeches, "athor = Joe Biden")
    with pytest.raises(InputError, match="no predictions for 'topic' in this project"):
        where_conditions(speeches, "topic != other")
    with pytest.raises(InputError, match="operator '~' cannot be used with 'posture'"):
        where_conditions(speeches, "posture ~ restraint")
    with pytest.raises(InputError, match="unknown field 'title; DROP TABLE passages'"):
        where_conditions(speeches, '"title; DROP TABLE passages" = x')


def test_where_filters_the_queue_and_values_are_never_sql(speeches):
    author = where_conditions(speeches, "author = joe biden")  # the same text, ignoring case
    biden = set(speeches.passages_frame().query("author == 'Joe Biden'")["passage_id"])
    opts = QueueOptions(overlap=1.0, where="author = joe biden")
    state = create_app(speeches.path, ["alice"], opts=opts).state.annotation
    queue = state.queue("alice").passage_ids
    assert queue and set(queue) <= biden and author[0].kind == "document"
    before = counts(speeches)
    for hostile in ["author = \"x' OR 1=1 --\"", "author = '\"); DROP TABLE passages; --'",
                    "title ~ %", "text ~ _"]:
        assert create_app(speeches.path, ["alice"], opts=QueueOptions(where=hostile)).state.annotation.queue(
            "alice").passage_ids == []  # taken as text: nothing has it
    assert counts(speeches) == before
    kabul = QueueOptions(overlap=1.0, where="text ~ kabul and date < 2021-08-30")
    texts = [state.passages[p]["text"] for p in create_app(speeches.path, ["alice"], opts=kabul)
             .state.annotation.queue("alice").passage_ids]
    assert texts and all("kabul" in t.lower() for t in texts)


def test_where_on_a_predicted_value(tmp_path):
    proj = make_project(tmp_path / "p", n=4)
    ids = [r[0] for r in proj.conn.execute("SELECT id FROM passages ORDER BY seq")]
    add_predictions(proj, "topic", {ids[0]: (["russia-ukraine", "other"], {}), ids[1]: (["other"], {}),
                                    ids[2]: (["russia-ukraine"], {})})
    add_predictions(proj, "posture", {i: ("restraint" if n % 2 else "escalation", {}) for n, i in enumerate(ids)})

    def queue(where):
        return create_app(proj.path, ["a"], opts=QueueOptions(overlap=1.0, where=where)).state.annotation.queue(
            "a").passage_ids

    assert queue("topic = russia-ukraine") == [ids[0], ids[2]]  # one of several values
    assert queue("topic != other") == [ids[2]]  # passages without a prediction are left out
    assert queue("posture = escalation and topic != other") == [ids[2]]
    assert queue("posture != escalation") == [ids[1], ids[3]]
    with pytest.raises(InputError, match=r"unknown value 'russia-ukrane' for topic \(did you mean 'russia-ukraine'\?\)"):
        queue("topic = russia-ukrane")


def test_cli_where_serves_the_filtered_queue_and_refuses_a_bad_one(speeches, monkeypatch):
    import stance.cli.annotate as cli_annotate

    monkeypatch.setattr(cli_annotate, "serve", lambda app, **kw: None)
    run = lambda *args: CliRunner().invoke(main, ["annotate", "-p", str(speeches.path), "-a", "bob", *args])  # noqa: E731
    all_of_them = run("--overlap", "1")
    some = run("--overlap", "1", "--where", "author = Donald Trump")
    assert all_of_them.exit_code == 0 and some.exit_code == 0, some.output
    count = lambda out: int(out.split("bob: ")[-1].split(" passages assigned")[0])  # noqa: E731
    trump = (speeches.passages_frame().query("author == 'Donald Trump' and not is_boilerplate"))
    assert count(some.output) == len(trump) < count(all_of_them.output)
    before = counts(speeches)
    bad = run("--where", "athor = Obama")
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert bad.output.strip().splitlines()[-1].startswith("Error: unknown field 'athor' (did you mean 'author'?)")
    bad = run("--where", "author = Obama and", "--queue", "validation")
    assert bad.exit_code == 1 and "cannot be filtered with --where" in bad.output
    assert counts(speeches) == before


# -- the app -------------------------------------------------------------------------------------------

def test_header_shows_the_document_and_the_queue_starts_on_content(speeches):
    c = client(speeches)
    task = c.get("/api/task").json()
    first = task["passage"]
    assert not is_pleasantry(first["text"])  # not "THE PRESIDENT: Thank you. (Applause.) Thank you. ..."
    assert (first["title"], first["date"], first["author"]) == (
        "April 28, 2021: Address to Joint Session of Congress", "2021-04-29", "Joe Biden")
    assert task["in_document"] == {"position": 2, "passages": task["in_document"]["passages"]}
    assert task["in_document"]["passages"] > 50
    # the thanks and greetings are still there, after the rest
    opening = speeches.passages_frame().iloc[0]
    assert is_pleasantry(opening["text"]) and opening["text"].startswith("THE PRESIDENT: Thank you. (Applause.)")
    queue = c.app.state.annotation.queue("alice").passage_ids
    assert opening["passage_id"] in queue and queue.index(opening["passage_id"]) > len(queue) * 0.9


def test_search_finds_passages_of_the_queue_by_keyword_field_and_status(speeches):
    c = client(speeches, names=("carol",), opts=QueueOptions(overlap=1.0))
    r = c.post("/api/search", json={"text": "Kabul"})
    assert r.status_code == 200
    found = r.json()
    assert found["count"] == len(found["matches"]) > 3 and not found["truncated"]
    assert all("kabul" in m["snippet"].lower() for m in found["matches"])
    assert [m["position"] for m in found["matches"]] == sorted(m["position"] for m in found["matches"])
    assert {m["author"] for m in found["matches"]} == {"Joe Biden"}
    assert {m["title"] for m in found["matches"]} >= {"August 26, 2021: Statement on Terror Attacks in Afghanistan"}
    first = found["matches"][0]["id"]
    assert c.post("/api/annotations", json={"passage_id": first, "labels": full_labels(speeches)}).status_code == 200
    left = c.post("/api/search", json={"text": "kabul", "unlabelled": True}).json()
    assert left["count"] == found["count"] - 1 and first not in [m["id"] for m in left["matches"]]
    narrowed = c.post("/api/search", json={"text": "kabul", "filters": [
        {"field": "date", "op": "=", "value": "2021-08-26"}], "limit": 2}).json()
    assert 0 < len(narrowed["matches"]) <= 2 and narrowed["count"] < found["count"]
    assert {m["date"] for m in narrowed["matches"]} == {"2021-08-26"}
    fields = c.get("/api/fields").json()["fields"]
    author = next(f for f in fields if f["name"] == "author")
    assert author["values"] == ["Donald Trump", "Joe Biden"] and "~" in author["ops"]
    assert not any(f["name"] == "topic" for f in fields)  # no predictions: no predicted-value filter


def test_hostile_search_requests_get_a_4xx_and_change_nothing(speeches):
    c = client(speeches, names=("dave",))
    before = counts(speeches)
    deep = b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for body, status in [
        ({"text": 5}, 400), ({"text": ["a"]}, 400), ({"text": "x" * 5000}, 400), ({"filters": "author"}, 400),
        ({"filters": [{"field": "author"}]}, 400), ({"filters": [{"field": 1, "op": "=", "value": "x"}]}, 400),
        ({"filters": [{"field": "author", "op": "LIKE", "value": "x"}]}, 400),
        ({"filters": [{"field": "author", "op": "=", "value": ""}]}, 400),
        ({"filters": [{"field": "author", "op": "=", "value": "x", "sql": "1"}]}, 400),
        ({"filters": [{"field": "author", "op": "=", "value": "x"}] * 40}, 400),
        ({"filters": [{"field": "autor", "op": "=", "value": "x"}]}, 422),
        ({"filters": [{"field": "d.title) OR (1=1", "op": "=", "value": "x"}]}, 422),
        ({"unlabelled": "yes"}, 400), ({"limit": True}, 400), ({"limit": 0}, 400), ({"limit": 10**12}, 400),
        ({"limit": "5"}, 400), ({"where": "1=1"}, 400),
    ]:
        r = c.post("/api/search", json=body)
        assert r.status_code == status, (body, r.text)
        assert len(r.json()["error"]) < 300 and "Traceback" not in r.text
    for raw in (deep, b"{not json", b"[]"):
        assert c.post("/api/search", content=raw, headers={"Content-Type": "application/json"}).status_code == 400
    markup = c.post("/api/search", json={"text": "<script>alert(1)</script>"})
    assert markup.status_code == 200 and markup.json() == {"count": 0, "matches": [], "truncated": False}
    injection = c.post("/api/search", json={"filters": [{"field": "author", "op": "=", "value": "x' OR '1'='1"}]})
    assert injection.json()["count"] == 0
    assert c.post("/api/search", json={}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert TestClient(c.app).post("/api/search", json={}).status_code == 401
    assert counts(speeches) == before


@pytest.mark.parametrize(("text", "polite"), [
    ("THE PRESIDENT: Thank you. (Applause.) Thank you. Thank you. Good to be back. And Mitch and Chuck will "
     "understand it’s good to be almost home, down the hall. Anyway, thank you all.", True),
    ("THE PRESIDENT: Thank you, thank you, thank you. Thank you. (Applause.)", True),
    ("Thank you. God bless you. God bless our great military. And God bless the United States of America.", True),
    ("Thank God we did, passing the most sweeping gun safety law in three decades.", False),
    ("Now, thanks to all we’ve done, we’re exporting American products and creating American jobs.", False),
    ("THE PRESIDENT: Good afternoon. I want to speak today to the unfolding situation in Afghanistan.", False),
    ("Madam Speaker, Madam Vice President—(applause)—no President has ever said those words from this podium.",
     False),
])
def test_thanks_and_greetings_are_told_from_content(text, polite):
    assert is_pleasantry(text) is polite
