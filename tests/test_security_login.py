"""Login CSRF: another site cannot log a browser in under someone else's token, in either app (one
`/login` serves both). The link a server prints still logs in when the person opens it themselves.
Also: without tokens, a request addressed to a foreign Host gets no project page."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from test_annotate_helpers import ThreadServer, disagreeing_project, make_project, tokens

from stance.annotate.adjudication import create_adjudication_app
from stance.annotate.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHROMIUM = "/usr/bin/chromium"
OPENED_BY_HAND = {"Sec-Fetch-Site": "none"}  # what a browser sends for a typed, pasted or terminal link


def apps(tmp_path):
    """(app, the token that may log in, a token that may not) for the annotation and adjudication apps."""
    proj = make_project(tmp_path / "a", n=3)
    toks = tokens(proj, ["alice"])
    yield create_app(proj.path, ["alice"]), toks["alice"], "wrong-token"
    adj, _p1, _p2, _posture = disagreeing_project(tmp_path / "b")
    toks = tokens(adj, ["lead", "alice"])
    yield create_adjudication_app(adj.path, "lead"), toks["lead"], toks["alice"]


def test_login_link_sets_the_cookie_only_when_opened_by_hand(tmp_path):
    for app, good, bad in apps(tmp_path):
        c = TestClient(app)
        direct = c.get(f"/login?token={good}", headers=OPENED_BY_HAND, follow_redirects=False)
        assert direct.status_code == 303 and "samesite=strict" in direct.headers["set-cookie"].lower()
        for site in ("cross-site", "same-site", None):  # from another page, or a browser that does not say
            anon = TestClient(app)
            headers = {"Sec-Fetch-Site": site} if site else {}
            r = anon.get(f"/login?token={good}", headers=headers, follow_redirects=False)
            assert r.status_code == 200 and "set-cookie" not in r.headers, site
            assert "Log in as " in r.text and 'type="hidden"' in r.text
            assert anon.get("/", follow_redirects=False).status_code == 303  # still logged out
            assert anon.post("/login", data={"token": good}, follow_redirects=False).status_code == 303  # the button
        assert c.get(f"/login?token={bad}", headers=OPENED_BY_HAND).status_code == 401
        anon = TestClient(app)
        assert anon.post("/login", data={"token": good}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert anon.post("/login", data={"token": good}, headers={"Origin": "null"}).status_code == 403
        assert "set-cookie" not in anon.post("/login", data={"token": bad}).headers


def test_without_tokens_a_foreign_host_gets_no_project_page(tmp_path):
    proj = make_project(tmp_path / "secret-project", n=3)
    for app in (create_app(proj.path, ["alice"], auth=False), create_adjudication_app(proj.path, "alice", auth=False)):
        local = TestClient(app, base_url="http://127.0.0.1:8000")
        assert local.get("/").status_code == 200
        foreign = TestClient(app, base_url="http://attacker.example")
        page = foreign.get("/", follow_redirects=False)
        assert page.status_code == 403 and proj.path.name not in page.text and "alice" not in page.text


def attacker_site(victim: str, token: str) -> Starlette:
    """A page on another site holding the attacker's own token: a link and a self-submitting form."""
    html = (f'<a id="link" href="{victim}/login?token={token}">prize</a>'
            f'<form id="form" method="post" action="{victim}/login"><input name="token" value="{token}"></form>')
    return Starlette(routes=[Route("/", lambda r: HTMLResponse(html)),
                             Route("/healthz", lambda r: JSONResponse({"ok": True}))])


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}")
def test_a_page_on_another_site_cannot_log_a_browser_in(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    proj = make_project(tmp_path / "p", n=3)
    toks = tokens(proj, ["alice", "mallory"])
    with ThreadServer(create_app(proj.path, ["alice", "mallory"])) as victim, sync_api.sync_playwright() as p:
        with ThreadServer(attacker_site(victim.base, toks["mallory"])) as evil:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"http://localhost:{evil.port}/")  # another site than 127.0.0.1
                page.click("#link")
                page.wait_for_selector("text=Log in as mallory")
                assert context.cookies(victim.base) == []
                page.goto(f"http://localhost:{evil.port}/")
                with page.expect_navigation():
                    page.eval_on_selector("#form", "f => f.submit()")
                assert "refused" in page.content() and context.cookies(victim.base) == []
                page.goto(f"{victim.base}/login?token={toks['alice']}")  # the printed link, opened by hand
                page.wait_for_selector("#text[data-passage-id]")
                assert [c["name"] for c in context.cookies(victim.base)] == ["stance_token"]
            finally:
                browser.close()
