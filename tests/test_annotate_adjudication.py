"""The adjudication app: disagreements side by side, the choice becomes gold, unanimous labels too."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from test_annotate_helpers import disagreeing_project, tokens

pytest.importorskip("stance.agreement")
from stance.annotate.adjudication import create_adjudication_app
from stance.store import Project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def gold(proj, pid, dim):
    return proj.conn.execute("SELECT value_json, method, decided_by FROM gold_labels WHERE passage_id = ? AND"
                             " dimension = ? ORDER BY id DESC LIMIT 1", (pid, dim)).fetchone()


def test_disagreement_resolved_into_gold(tmp_path):
    proj, p1, p2, posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead", "alice"])
    app = create_adjudication_app(proj.path, "lead")
    n_dims = len(proj.codebook.dimensions)
    assert app.state.adjudication.promoted == 2 * n_dims - 1  # everything but p1's posture
    assert gold(proj, p2, "posture")[1] == "unanimous"
    c = TestClient(app, headers={"Authorization": f"Bearer {toks['lead']}"})
    s = c.get("/api/item").json()
    assert s["open"] == 1
    it = s["item"]
    assert (it["passage_id"], it["dimension"]) == (p1, "posture")
    assert {(x["annotator"], x["value"], x["note"]) for x in it["choices"]} == {
        ("alice", posture[0], "reads as a call to talk"), ("bob", posture[1], "")}
    assert [v["name"] for v in it["values"]] == posture
    r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": posture[1],
                                     "note": "rule P7"})
    assert r.status_code == 200 and r.json()["open"] == 0 and r.json()["item"] is None
    assert tuple(gold(proj, p1, "posture")) == (f'"{posture[1]}"', "adjudicated", "lead")
    # the page itself needs the adjudicator's login; another annotator's token is refused
    other = TestClient(app, headers={"Authorization": f"Bearer {toks['alice']}"})
    assert other.get("/api/item").status_code == 403
    assert TestClient(app).get("/", follow_redirects=False).status_code == 303
    assert c.get("/").status_code == 200


def test_adjudication_bad_input(tmp_path):
    proj, p1, _p2, _posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead"])
    app = create_adjudication_app(proj.path, "lead")
    c = TestClient(app, headers={"Authorization": f"Bearer {toks['lead']}"})
    for path in ("/api/resolve", "/api/promote"):
        assert c.post(path, content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 400
        assert c.post(path, content=b"{" + b" " * 70_000 + b"}",
                      headers={"Content-Type": "application/json"}).status_code == 413
        assert TestClient(app).post(path, json={}).status_code == 401
    r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": "hawk"})
    assert r.status_code == 422 and "unknown value 'hawk'" in r.json()["error"]
    r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "mood", "value": "x"})
    assert r.status_code == 422 and "unknown dimension" in r.json()["error"]
    r = c.post("/api/resolve", json={"passage_id": "nope", "dimension": "posture", "value": "neutral"})
    assert r.status_code == 404
    assert c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture"}).status_code == 422
    assert c.get("/api/item?index=x").status_code == 400
    for index in ("abc", [1], 1.5, True, -1):  # checked before the gold label is written, not after
        r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": "neutral",
                                         "index": index})
        assert r.status_code == 400 and "'index'" in r.json()["error"]
    assert c.get("/static/%2e%2e/adjudication.py").status_code == 404
    assert gold(proj, p1, "posture") is None


def test_adjudicate_command_promotes_and_serves(tmp_path, monkeypatch):
    import re

    from click.testing import CliRunner

    import stance.cli.annotate as cli_annotate
    from stance.annotate.auth import annotator_for_token
    from stance.cli import main

    proj, *_ = disagreeing_project(tmp_path / "p")
    served = []
    monkeypatch.setattr(cli_annotate, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setattr(cli_annotate, "bind_socket", lambda host, port: None)  # no real port taken
    r = CliRunner().invoke(main, ["adjudicate", "-p", str(proj.path), "-a", "lead", "--port", "9998"])
    assert r.exit_code == 0, r.output
    n_dims = len(proj.codebook.dimensions)
    assert f"{2 * n_dims - 1} unanimous labels made gold; 1 disagreement to resolve." in r.output
    token = re.search(r"lead: new token \(shown once, keep it\): (\S+)", r.output).group(1)
    assert annotator_for_token(proj, token) == "lead" and served == [{"host": "127.0.0.1", "port": 9998,
                                                                      "auth": True, "sock": None}]
    r = CliRunner().invoke(main, ["adjudicate", "-p", str(proj.path), "-a", "lead", "--host", "0.0.0.0",
                                  "--no-auth"])
    assert r.exit_code == 1 and "refusing to serve" in r.output


def test_promote_reports_what_this_call_added(tmp_path):
    proj, p1, _p2, posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead"])
    app = create_adjudication_app(proj.path, "lead")
    c = TestClient(app, headers={"Authorization": f"Bearer {toks['lead']}"})
    at_start = c.get("/api/item").json()["promoted_total"]
    assert at_start == 2 * len(proj.codebook.dimensions) - 1
    r = c.post("/api/promote", json={}).json()
    assert (r["promoted"], r["promoted_total"]) == (0, at_start)  # nothing new: 0, not the running total
    proj.add_annotation(p1, "bob", {"posture": posture[0]})  # bob comes round: posture is now unanimous
    r = c.post("/api/promote", json={}).json()
    assert (r["promoted"], r["promoted_total"], r["open"]) == (1, at_start + 1, 0)
    assert gold(proj, p1, "posture")[1] == "unanimous"


def test_resolve_records_the_rule_and_refuses_an_unknown_one(tmp_path):
    proj, p1, _p2, posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead"])
    c = TestClient(create_adjudication_app(proj.path, "lead"), headers={"Authorization": f"Bearer {toks['lead']}"})
    for bad in ("P99", "because I say so", ["P1", 3], "P1/" * 80):
        r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": posture[1], "rule": bad})
        assert r.status_code == 422 and "rule" in r.json()["error"], bad
    assert gold(proj, p1, "posture") is None  # nothing written by a refused request
    r = c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": posture[1],
                                     "rule": "p6 / P1", "note": "no stance on force"})
    assert r.status_code == 200
    row = proj.conn.execute("SELECT rule, note, method FROM gold_labels WHERE passage_id = ? AND dimension = 'posture'"
                            " ORDER BY id DESC LIMIT 1", (p1,)).fetchone()
    assert tuple(row) == ("P6/P1", "no stance on force", "adjudicated")


def test_item_shows_context_speaker_other_dimensions_and_rules(tmp_path):
    proj, p1, p2, _posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead"])
    c = TestClient(create_adjudication_app(proj.path, "lead"), headers={"Authorization": f"Bearer {toks['lead']}"})
    it = c.get("/api/item").json()["item"]
    texts = [r[0] for r in proj.conn.execute("SELECT text FROM passages ORDER BY seq")]
    # p1 opens its document: the key is there, and says so with null
    assert it["context"] == {"previous": None, "next": texts[1]}
    assert [r["id"] for r in it["rules"]] == [r.id for r in proj.codebook.dimension("posture").rules]
    others = {o["dimension"]: o for o in it["other_dimensions"]}
    assert set(others) == set(proj.codebook.dimension_names) - {"posture"}
    intervention = proj.codebook.dimension("intervention").value_names[0]
    assert others["intervention"]["labels"] == {"alice": intervention, "bob": intervention}
    assert others["intervention"]["gold"] == intervention  # promoted as unanimous at start
    second = c.get(f"/api/item?passage_id={p2}&dimension=posture").json()["item"]
    assert second["context"] == {"previous": texts[0], "next": texts[2]}
    for query in ("passage_id=nope&dimension=posture", f"passage_id={p1}"):
        assert c.get("/api/item?" + query).status_code in (400, 404)
    assert c.get(f"/api/item?passage_id={p1}&dimension=mood").status_code == 422


def test_batch_lists_open_items_then_decisions_and_re_resolving_keeps_history(tmp_path):
    proj, p1, _p2, posture = disagreeing_project(tmp_path / "p")
    toks = tokens(proj, ["lead"])
    c = TestClient(create_adjudication_app(proj.path, "lead"), headers={"Authorization": f"Bearer {toks['lead']}"})
    b = c.get("/api/batch").json()
    assert b["total"] == 1 and b["items"][0]["passage_id"] == p1
    assert b["items"][0]["choices"] == {"alice": posture[0], "bob": posture[1]}
    for query in ("status=closed", "offset=-1", "limit=x"):
        assert c.get("/api/batch?" + query).status_code == 400
    c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": posture[1], "rule": "P1"})
    assert c.get("/api/batch").json()["total"] == 0
    decided = c.get("/api/batch?status=decided").json()["items"]
    assert [(d["passage_id"], d["gold"], d["rule"]) for d in decided] == [(p1, posture[1], "P1")]
    # re-resolve: the decided item is still reachable by id, a new decision becomes current, both are kept
    view = c.get(f"/api/item?passage_id={p1}&dimension=posture").json()
    assert view["index"] is None and view["item"]["gold"] == posture[1]
    c.post("/api/resolve", json={"passage_id": p1, "dimension": "posture", "value": posture[0], "rule": "P2"})
    item = c.get(f"/api/item?passage_id={p1}&dimension=posture").json()["item"]
    assert item["gold"] == posture[0]
    assert [(d["value"], d["rule"]) for d in item["decisions"]] == [(posture[1], "P1"), (posture[0], "P2")]


def test_item_on_a_real_speech_names_the_speaker(tmp_path):
    """A real adjudicated passage of a US speech (corpus/real): speaker, context and the recorded rule."""
    from stance.real_corpus import load_real_into

    proj = Project.init(tmp_path / "p")
    real, _ = load_real_into(proj, shared=tmp_path / "no-shared")  # the US part only
    adjudicated = next(p for p in real.passages if "adjudicated" in {g["method"] for g in p.gold.values()})
    dim = next(d for d, g in adjudicated.gold.items() if g["method"] == "adjudicated")
    toks = tokens(proj, ["adjudicator-c"])
    c = TestClient(create_adjudication_app(proj.path, "adjudicator-c"),
                   headers={"Authorization": f"Bearer {toks['adjudicator-c']}"})
    item = c.get(f"/api/item?passage_id={adjudicated.passage_id}&dimension={dim}").json()["item"]
    doc = next(d for d in real.documents if d.id == adjudicated.doc_id)
    assert item["speaker"] == doc.meta["author"] and item["speaker"] in ("Donald Trump", "Joe Biden")
    assert item["text"] == adjudicated.text
    assert {c["annotator"] for c in item["choices"]} == {"reader-a", "reader-b"}
    assert item["decisions"][-1]["method"] == "adjudicated" and item["decisions"][-1]["rule"]
