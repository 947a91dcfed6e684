"""The annotation app through Starlette's TestClient: flow, queue, auth, bad input, traversal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from test_annotate_helpers import XSS_SCRIPT, full_labels, make_project, tokens

from stance import store
from stance.annotate import QueueOptions, create_app
from stance.annotate.auth import ensure_annotator, hash_token
from stance.annotate.server import check_bind
from stance.cli import main
from stance.errors import InputError
from stance.store import Project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def proj(tmp_path):
    return make_project(tmp_path / "p", n=8, xss=True)


def client(project, names=("alice",), token_of=None, **kw):
    app = create_app(project.path, list(names), **kw)
    c = TestClient(app)
    if token_of is not None:
        c.headers["Authorization"] = f"Bearer {token_of}"
    return c


def rows(project, annotator=None):
    sql = "SELECT passage_id, annotator, status FROM annotations"
    if annotator:
        return project.conn.execute(sql + " WHERE annotator = ? ORDER BY id", (annotator,)).fetchall()
    return project.conn.execute(sql + " ORDER BY id").fetchall()


def test_login_sets_cookie_and_page_lists_codebook_keys(proj):
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj)
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/login?token=wrong").status_code == 401
    r = c.get(f"/login?token={tok}", follow_redirects=False, headers={"Sec-Fetch-Site": "none"})  # opened by hand
    assert r.status_code == 303
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    page = c.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for dim in proj.codebook.dimensions:
        for v in dim.values:
            assert f'data-key="{v.key}"' in page.text
            assert v.name in page.text
    assert "Talks" not in page.text  # corpus text arrives through the API, set with textContent
    assert c.post("/login", data={"token": tok}, follow_redirects=False).status_code == 303


def test_tokens_are_stored_hashed_and_issued_once(proj):
    tok = ensure_annotator(proj, "alice")
    assert tok and ensure_annotator(proj, "alice") is None
    stored = proj.conn.execute("SELECT token_hash FROM annotators WHERE name = 'alice'").fetchone()[0]
    assert stored == hash_token(tok) and tok not in stored
    new = ensure_annotator(proj, "alice", new_token=True)
    assert new != tok
    c = client(proj)
    assert c.get("/api/task", headers={"Authorization": f"Bearer {tok}"}).status_code == 401
    assert c.get("/api/task", headers={"X-Stance-Token": new}).status_code == 200
    with pytest.raises(InputError, match="invalid annotator name"):
        ensure_annotator(proj, "../x")


def test_label_skip_back_undo_and_resume(proj):
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj, token_of=tok)
    t = c.get("/api/task").json()
    first = t["passage"]["id"]
    assert t["progress"] == {"done": 0, "skipped": 0, "assigned": t["progress"]["assigned"]}
    assert t["passage"]["title"] == "Talks <b>resume</b>" and t["before"] == [] and len(t["after"]) == 2
    r = c.post("/api/annotations", json={"passage_id": first, "labels": full_labels(proj), "note": "P7"})
    assert r.status_code == 200 and r.json()["saved"] is True
    second = r.json()["task"]["passage"]["id"]
    assert second != first and r.json()["task"]["progress"]["done"] == 1
    r = c.post("/api/annotations", json={"passage_id": second, "action": "skip"})
    third = r.json()["task"]["passage"]["id"]
    assert r.json()["task"]["progress"]["skipped"] == 1
    back = c.get(f"/api/task?passage_id={second}&step=prev").json()
    assert back["passage"]["id"] == first and back["status"] == "labelled"
    assert back["labels"] == full_labels(proj) and back["note"] == "P7"
    # undo retracts the latest (the skip), by appending a row, never deleting
    before = len(rows(proj))
    r = c.post("/api/undo", json={})
    assert r.json()["retracted"] == second and r.json()["task"]["passage"]["id"] == second
    assert [tuple(x) for x in rows(proj)][before:] == [(second, "alice", "retracted")]
    r = c.post("/api/undo", json={})
    assert r.json()["retracted"] == first and r.json()["task"]["draft"] == full_labels(proj)
    assert proj.current_annotations("alice").empty
    c.post("/api/annotations", json={"passage_id": first, "labels": full_labels(proj, 1)})
    # a new app on the same project (a restart) resumes at the first passage not done
    c2 = client(proj, token_of=tok)
    assert c2.get("/api/task").json()["passage"]["id"] == second
    assert third != second


def test_progress_follows_labels_written_elsewhere_while_the_app_runs(proj, tmp_path):
    # the app reads only the rows added since its last look: a label imported by another process, a
    # change of mind and a retraction made outside the app must all show in the next task
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj, token_of=tok)
    t = c.get("/api/task").json()
    ids = c.app.state.annotation.queue("alice").passage_ids
    first, second, third = ids[:3]
    assert t["passage"]["id"] == first
    other = Project.open(proj.path)  # its own connection, as `stance import-labels` would have
    other.add_annotation(second, "alice", full_labels(proj), source="import")
    other.add_annotation(third, "alice", {}, status="skipped", source="import")
    r = c.post("/api/annotations", json={"passage_id": first, "labels": full_labels(proj)}).json()["task"]
    assert r["progress"]["done"] == 2 and r["progress"]["skipped"] == 1
    assert r["passage"]["id"] == ids[3]  # the passages done elsewhere are not offered again
    other.add_annotation(second, "alice", {}, status="retracted", source="import")
    other.add_annotation(third, "alice", full_labels(proj, 1), source="import")
    t = c.get("/api/task").json()
    assert t["progress"]["done"] == 2 and t["progress"]["skipped"] == 0  # first and third; second retracted
    assert t["passage"]["id"] == second
    fresh = client(proj, token_of=tok).get("/api/task").json()  # a restart reads everything at once
    assert fresh["progress"] == t["progress"] and fresh["passage"]["id"] == second


def test_each_annotator_sees_only_their_labels_and_overlap_divides(proj):
    toks = tokens(proj, ["alice", "bob"])
    shared = QueueOptions(overlap=1.0)
    a = client(proj, ["alice", "bob"], toks["alice"], opts=shared)
    b = client(proj, ["alice", "bob"], toks["bob"], opts=shared)
    pid = a.get("/api/task").json()["passage"]["id"]
    a.post("/api/annotations", json={"passage_id": pid, "labels": full_labels(proj)})
    seen = b.get(f"/api/task?passage_id={pid}").json()
    assert seen["labels"] is None and seen["status"] is None and seen["progress"]["done"] == 0
    assert b.get("/api/task").json()["passage"]["id"] == pid  # bob still has it to do
    split = QueueOptions(overlap=0.0)
    qa = a.app.state.annotation.queue("alice").passage_ids
    app = create_app(proj.path, ["alice", "bob"], opts=split)
    sa = app.state.annotation.queue("alice").passage_ids
    sb = app.state.annotation.queue("bob").passage_ids
    assert not set(sa) & set(sb) and sorted(sa + sb) == sorted(qa)
    assert pid in sa  # alice labelled it first, so it stays hers


def test_random_is_seeded_and_boilerplate_is_skipped(tmp_path):
    from stance.annotate.queue import build_queue

    proj = make_project(tmp_path / "q", n=20)
    proj.conn.execute("UPDATE passages SET is_boilerplate = 1 WHERE seq = 3")
    seq = build_queue(proj, "a", QueueOptions()).passage_ids
    r1 = build_queue(proj, "a", QueueOptions(order="random", seed=5)).passage_ids
    r2 = build_queue(proj, "a", QueueOptions(order="random", seed=5)).passage_ids
    assert r1 == r2 and r1 != seq and sorted(r1) == sorted(seq)
    boiler = proj.conn.execute("SELECT id FROM passages WHERE seq = 3").fetchone()[0]
    assert boiler not in seq
    assert boiler in build_queue(proj, "a", QueueOptions(include_boilerplate=True)).passage_ids


def test_uncertain_order_and_suggestions(proj):
    from stance.annotate.queue import build_queue

    q = build_queue(proj, "a", QueueOptions(order="uncertain"))
    assert "no model predictions" in q.note
    assert q.passage_ids == build_queue(proj, "a", QueueOptions()).passage_ids
    dim = proj.codebook.dimensions[0]
    first, second = dim.values[0].name, dim.values[1].name
    model = proj.add_model(dim.name, proj.path / "models" / "m.skops", proj.codebook.version)
    ids = q.passage_ids
    tops = [0.95 - 0.05 * i for i in range(len(ids))]  # later passages are less certain
    with proj.transaction() as tx:
        store.replace_predictions(tx, model, dim.name, [first, second], ids, [first] * len(ids),
                                  [[top, 1 - top] for top in tops], "2024-01-01")
    unc = build_queue(proj, "a", QueueOptions(order="uncertain")).passage_ids
    assert unc == list(reversed(ids))
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj, token_of=tok, opts=QueueOptions(order="uncertain"))
    t = c.get("/api/task").json()
    assert t["passage"]["id"] == ids[-1]
    assert t["suggestion"][dim.name]["value"] == first and t["suggestion"][dim.name]["model_id"] == model
    keep = full_labels(proj)
    keep[dim.name] = first
    c.post("/api/annotations", json={"passage_id": ids[-1], "labels": keep})
    change = dict(keep, **{dim.name: second})
    c.post("/api/annotations", json={"passage_id": ids[-2], "labels": change})
    got = proj.conn.execute("SELECT passage_id, suggestion_json, changed_suggestion FROM annotations"
                            " WHERE annotator = 'alice' ORDER BY id").fetchall()
    assert [(r[0], json.loads(r[1]), r[2]) for r in got] == [
        (ids[-1], {dim.name: first}, 0), (ids[-2], {dim.name: first}, 1)]


def test_bad_input_gets_4xx_with_a_clear_message(proj):
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj, token_of=tok)
    anon = client(proj)
    pid = c.get("/api/task").json()["passage"]["id"]
    for path in ("/api/annotations", "/api/undo"):
        bad = c.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and "malformed JSON" in bad.json()["error"]
        assert c.post(path, content=b"[1, 2]", headers={"Content-Type": "application/json"}).status_code == 400
        assert c.post(path, content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
        huge = c.post(path, content=b'{"note": "' + b"x" * 70_000 + b'"}',
                      headers={"Content-Type": "application/json"})
        assert huge.status_code == 413
        chunked = c.post(path, content=iter([b'{"note": "', b"x" * 70_000, b'"}']),
                         headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413
        assert anon.post(path, json={}).status_code == 401
        assert c.post(path, json={}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert anon.get("/api/task").status_code == 401
    assert anon.post("/login", content=b"token=" + b"x" * 70_000,
                     headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
    assert anon.post("/login", data={"token": tok}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert anon.post("/login", data={"token": "wrong"}).status_code == 401
    r = c.post("/api/annotations", json={"passage_id": pid, "labels": dict(full_labels(proj), posture="hawk")})
    assert r.status_code == 422 and "unknown value 'hawk'" in r.json()["error"] and "restraint" in r.json()["error"]
    r = c.post("/api/annotations", json={"passage_id": pid, "labels": {"mood": "x"}})
    assert r.status_code == 422 and "unknown dimension 'mood'" in r.json()["error"]
    r = c.post("/api/annotations", json={"passage_id": pid, "labels": {"posture": "neutral"}})
    assert r.status_code == 422 and "choose a value for: intervention" in r.json()["error"]
    r = c.post("/api/annotations", json={"passage_id": "nope", "labels": full_labels(proj)})
    assert r.status_code == 404 and "unknown passage id 'nope'" in r.json()["error"]
    assert c.post("/api/annotations", json={"labels": full_labels(proj)}).status_code == 400
    assert c.post("/api/annotations", json={"passage_id": pid, "labels": "x"}).status_code == 400
    assert c.post("/api/annotations", json={"passage_id": pid, "action": "burn"}).status_code == 400
    assert c.post("/api/annotations", json={"passage_id": pid, "note": 5}).status_code == 400
    assert c.post("/api/undo", json={}).status_code == 409
    assert c.get("/api/task?passage_id=nope").status_code == 404
    assert c.get(f"/api/task?passage_id={pid}&step=sideways").status_code == 400
    assert proj.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 0


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2fweb.py",
    "/static/..%5capp.py", "/static/%252e%252e/app.py", "/static/....//app.py", "/static//etc/passwd",
    "/static/../../store.py", "/static/%2e%2e/%2e%2e/errors.py",
])
def test_no_path_outside_static_can_be_read(proj, path):
    c = client(proj)
    r = c.get(path)
    assert r.status_code == 404
    assert "import" not in r.text and "root:" not in r.text
    assert c.get("/static/annotate.js").status_code == 200


def test_xss_payload_is_data_not_markup(proj):
    tok = tokens(proj, ["alice"])["alice"]
    c = client(proj, token_of=tok)
    t = c.get("/api/task").json()
    assert t["after"][0] == XSS_SCRIPT  # JSON carries the raw text; the page sets it with textContent
    page = c.get("/")
    assert "<script>window.__xss" not in page.text


def test_refuses_exposed_address_without_tokens(proj):
    check_bind("127.0.0.1", auth=False)
    check_bind("0.0.0.0", auth=True)
    with pytest.raises(InputError, match=r"refusing to serve 0\.0\.0\.0 without tokens"):
        check_bind("0.0.0.0", auth=False)
    r = CliRunner().invoke(main, ["annotate", "-p", str(proj.path), "-a", "alice", "--host", "0.0.0.0",
                                  "--no-auth"])
    assert r.exit_code == 1 and "refusing to serve 0.0.0.0 without tokens" in r.output
    # without tokens on loopback, a request addressed to another host name is refused (DNS rebinding)
    c = TestClient(create_app(proj.path, ["alice"], auth=False), base_url="http://127.0.0.1:8765")
    assert c.get("/api/task").status_code == 200
    assert client(proj, auth=False).get("/api/task").status_code == 403  # Host: testserver
    assert c.post("/api/undo", json={}, headers={"Host": "evil.example"}).status_code == 403
    assert c.get("/api/task", headers={"Host": "evil.example:8765"}).status_code == 403


def test_cli_help_has_examples():
    for name in ("annotate", "adjudicate"):
        r = CliRunner().invoke(main, [name, "--help"])
        assert r.exit_code == 0 and "Example" in r.output and f"stance {name}" in r.output


def test_group_commit_rolls_back_only_the_failing_write(proj):
    from concurrent.futures import Future

    from stance.annotate.writer import LabelWriter

    pid = proj.conn.execute("SELECT id FROM passages LIMIT 1").fetchone()[0]
    writer = LabelWriter(proj)

    def ok(conn):
        return proj.add_annotation(pid, "alice", full_labels(proj), conn=conn)

    def bad(conn):
        proj.add_annotation(pid, "alice", full_labels(proj), conn=conn)
        raise RuntimeError("boom")

    batch = [(ok, Future()), (bad, Future()), (ok, Future())]
    writer._commit(proj.conn, batch)
    assert batch[0][1].result() and batch[2][1].result()
    with pytest.raises(RuntimeError, match="boom"):
        batch[1][1].result()
    assert proj.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 2
    assert (writer.commits, writer.writes) == (1, 2)
    assert writer.write(ok) > 0  # and through the writer thread
    writer.close()


def test_cli_prints_a_token_once_and_serves(proj, monkeypatch):
    import re

    import stance.cli.annotate as cli_annotate
    from stance.annotate.auth import annotator_for_token

    served = []
    monkeypatch.setattr(cli_annotate, "serve", lambda app, **kw: served.append((app, kw)))
    monkeypatch.setattr(cli_annotate, "bind_socket", lambda host, port: None)  # no real port taken
    run = lambda *args: CliRunner().invoke(main, ["annotate", "-p", str(proj.path), *args])  # noqa: E731
    r = run("-a", "alice", "--port", "9999", "--order", "uncertain")
    assert r.exit_code == 0, r.output
    token = re.search(r"alice: new token \(shown once, keep it\): (\S+)", r.output).group(1)
    assert f"http://127.0.0.1:9999/login?token={token}" in r.output
    assert annotator_for_token(proj, token) == "alice"
    assert "no model predictions" in r.output and served[-1][1] == {"host": "127.0.0.1", "port": 9999,
                                                                    "auth": True, "sock": None}
    r = run("-a", "alice")
    assert "alice: has a token already" in r.output and token not in r.output
    r = run("-a", "alice", "--new-token")
    assert "new token" in r.output and annotator_for_token(proj, token) is None
    r = run("-a", "alice", "-a", "bob", "--no-auth")
    assert r.exit_code == 2 and "--no-auth serves exactly one --annotator" in r.output
    r = CliRunner().invoke(main, ["annotate", "-p", str(proj.path / "missing"), "-a", "alice"])
    assert r.exit_code == 1 and "is not a project" in r.output


def test_every_option_is_documented():
    from pathlib import Path

    import stance.cli.annotate as cli_annotate

    doc = (Path(__file__).resolve().parent.parent / "docs" / "annotation.md").read_text(encoding="utf-8")
    for command in cli_annotate.COMMANDS:
        assert f"stance {command.name}" in doc
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in doc, f"{command.name} {opt} is not in docs/annotation.md"
