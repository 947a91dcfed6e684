"""The adjudication app: disagreements side by side, the choice becomes gold, unanimous labels too."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from test_annotate_helpers import disagreeing_project, tokens

pytest.importorskip("stance.agreement")
from stance.annotate.adjudication import create_adjudication_app

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
