"""Browser tests: Playwright driving Debian's chromium through the real app on a real server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_annotate_helpers import (
    XSS_IMG,
    XSS_SCRIPT,
    ThreadServer,
    add_predictions,
    disagreeing_project,
    full_labels,
    make_project,
    tokens,
)

from stance.annotate import QueueOptions, create_app

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}: browser tests skipped"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def keys_for(project, pick):
    """The keystrokes that choose the `pick`-th value of every dimension."""
    return [dim.values[pick % len(dim.values)].key for dim in project.codebook.dimensions]


def shown_labels(page):
    """{dimension: value or [values]} as the page shows them selected."""
    out = {}
    for dim, value, multi in page.eval_on_selector_all(
            "button.choice.on", "bs => bs.map(b => [b.dataset.dim, b.dataset.value,"
            " b.closest('fieldset').dataset.multi === 'true'])"):
        if multi:
            out.setdefault(dim, []).append(value)
        else:
            out[dim] = value
    return out


def label_with_keys(page, keys):
    before = page.get_attribute("#text", "data-passage-id")
    for k in keys:
        page.keyboard.press(k)
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById('text').dataset.passageId !== id", arg=before)
    return before


def test_keyboard_only_labelling_reload_undo_and_xss(browser, tmp_path):
    proj = make_project(tmp_path / "p", n=5, xss=True)
    tok = tokens(proj, ["alice"])["alice"]
    with ThreadServer(create_app(proj.path, ["alice"])) as srv:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{srv.base}/login?token={tok}")
        page.wait_for_selector("#text[data-passage-id]")
        assert page.text_content("#progress").startswith("0 done / 7 assigned")
        # typing a note never triggers a shortcut, even letters that are codebook keys
        page.keyboard.press("Tab")
        page.keyboard.type("renpa 1 2 quoted")
        assert shown_labels(page) == {}
        page.keyboard.press("Escape")
        done = [label_with_keys(page, keys_for(proj, 0))]
        # the next two passages are the XSS payloads: shown as text, nothing ran, no element made
        assert page.text_content("#text") == XSS_SCRIPT
        done.append(label_with_keys(page, keys_for(proj, 1)))
        assert page.text_content("#text") == XSS_IMG
        assert page.locator("#text img, #before img, #after img, #text script").count() == 0
        done.append(label_with_keys(page, keys_for(proj, 0)))
        assert page.evaluate("window.__xss === undefined") and not dialogs
        assert page.text_content("#progress").startswith("3 done / 7 assigned")
        current = proj.current_annotations("alice")
        assert sorted(current["passage_id"]) == sorted(done)
        assert current.set_index("passage_id").loc[done[0], "note"] == "renpa 1 2 quoted"
        # reload: the labels are kept; going back shows them
        page.reload()
        page.wait_for_selector("#text[data-passage-id]")
        assert page.text_content("#progress").startswith("3 done")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("id => document.getElementById('text').dataset.passageId === id", arg=done[2])
        assert shown_labels(page) == full_labels(proj, 0)
        # a held Enter (auto-repeat) saves nothing
        rows_before = proj.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
        page.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', repeat: true}))")
        page.wait_for_timeout(200)
        assert proj.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == rows_before
        assert page.get_attribute("#text", "data-passage-id") == done[2]
        # undo retracts the last label (a new row), and the page returns to it
        page.keyboard.press("Backspace")
        page.wait_for_function("() => document.getElementById('progress').textContent.startsWith('2 done')")
        assert page.get_attribute("#text", "data-passage-id") == done[2]
        statuses = [r[0] for r in proj.conn.execute(
            "SELECT status FROM annotations WHERE passage_id = ? ORDER BY id", (done[2],))]
        assert statuses == ["labelled", "retracted"]
        page.close()


def test_two_annotators_see_only_their_own_labels(browser, tmp_path):
    proj = make_project(tmp_path / "p", n=4)
    toks = tokens(proj, ["alice", "bob"])
    app = create_app(proj.path, ["alice", "bob"], opts=QueueOptions(overlap=1.0))
    with ThreadServer(app) as srv:
        pages = {}
        for name in ("alice", "bob"):
            ctx = browser.new_context()
            pages[name] = ctx.new_page()
            pages[name].goto(f"{srv.base}/login?token={toks[name]}")
            pages[name].wait_for_selector("#text[data-passage-id]")
        first = label_with_keys(pages["alice"], keys_for(proj, 0))
        bob = pages["bob"]
        bob.reload()
        bob.wait_for_selector("#text[data-passage-id]")
        assert bob.get_attribute("#text", "data-passage-id") == first  # still to do for bob
        assert shown_labels(bob) == {} and bob.text_content("#progress").startswith("0 done")
        label_with_keys(bob, keys_for(proj, 1))
        alice = pages["alice"]
        alice.keyboard.press("ArrowLeft")
        alice.wait_for_function("id => document.getElementById('text').dataset.passageId === id", arg=first)
        assert shown_labels(alice) == full_labels(proj, 0)
        assert proj.current_annotations("bob")["labels"].tolist() == [full_labels(proj, 1)]
        for page in pages.values():
            page.context.close()


def test_model_suggestion_is_marked_and_the_change_recorded(browser, tmp_path):
    proj = make_project(tmp_path / "p", n=3)
    pid = proj.conn.execute("SELECT id FROM passages ORDER BY seq LIMIT 1").fetchone()[0]
    dim = proj.codebook.dimensions[0]
    guess, other = dim.values[0], dim.values[1]
    add_predictions(proj, dim.name, {pid: (guess.name, {guess.name: 0.7, other.name: 0.3})})
    tok = tokens(proj, ["alice"])["alice"]
    with ThreadServer(create_app(proj.path, ["alice"], opts=QueueOptions(order="uncertain"))) as srv:
        page = browser.new_page()
        page.goto(f"{srv.base}/login?token={tok}")
        page.wait_for_selector("#text[data-passage-id]")
        assert page.get_attribute("#text", "data-passage-id") == pid
        marked = page.locator(f'button.choice.suggested.on[data-value="{guess.name}"]')
        assert marked.count() == 1 and "suggested" in marked.inner_text()
        assert "suggestion" in page.text_content("#status")
        # the annotator overrides the suggestion with the other value, fills the rest, saves
        label_with_keys(page, [other.key, *keys_for(proj, 0)[1:]])
        page.close()
    row = proj.conn.execute("SELECT suggestion_json, changed_suggestion FROM annotations").fetchone()
    assert tuple(row) == (f'{{"{dim.name}": "{guess.name}"}}', 1)


def test_adjudication_view_resolves_a_disagreement(browser, tmp_path):
    pytest.importorskip("stance.agreement")
    from stance.annotate.adjudication import create_adjudication_app

    proj, p1, _p2, posture = disagreeing_project(tmp_path / "p")
    tok = tokens(proj, ["lead"])["lead"]
    with ThreadServer(create_adjudication_app(proj.path, "lead")) as srv:
        page = browser.new_page()
        page.goto(f"{srv.base}/login?token={tok}")
        page.wait_for_selector("#votes tr")
        votes = page.eval_on_selector_all("#votes tr", "rs => rs.map(r => r.innerText.split('\\t'))")
        assert sorted(v[:2] for v in votes) == [["alice", posture[0]], ["bob", posture[1]]]
        assert "reads as a call to talk" in page.text_content("#votes")
        assert page.text_content("#dim-name") == "posture"
        # the context: p1 opens its document, the next passage follows it; the rules sit beside the definitions
        texts = [r[0] for r in proj.conn.execute("SELECT text FROM passages ORDER BY seq")]
        assert page.text_content("#ctx-prev") == "(first passage of the document)"
        assert page.text_content("#ctx-next") == texts[1]
        assert "P1" in page.text_content("#rules")
        page.keyboard.press(proj.codebook.dimension("posture").values[1].key)
        page.fill("#rule", "P1")
        page.press("#rule", "Enter")
        page.wait_for_selector("#empty", state="visible")
        page.click("#show-decided")
        page.wait_for_selector("#batch-rows tr")
        assert "(P1)" in page.text_content("#batch-rows")
        page.close()
    row = proj.conn.execute("SELECT value_json, method, decided_by, rule FROM gold_labels WHERE passage_id = ? AND"
                            " dimension = 'posture' ORDER BY id DESC", (p1,)).fetchone()
    assert tuple(row) == (f'"{posture[1]}"', "adjudicated", "lead", "P1")


@pytest.mark.skipif(os.environ.get("STANCE_SCREENSHOTS") != "1", reason="set STANCE_SCREENSHOTS=1 to refresh "
                    "docs/img/annotate.png")
def test_screenshot_for_the_docs(browser, tmp_path):
    from stance.corpus import load_into
    from stance.store import Project

    proj = Project.init(tmp_path / "demo")
    load_into(proj)
    tok = tokens(proj, ["alice"])["alice"]
    with ThreadServer(create_app(proj.path, ["alice"])) as srv:
        page = browser.new_page(viewport={"width": 1360, "height": 1000})
        page.goto(f"{srv.base}/login?token={tok}")
        page.wait_for_selector("#text[data-passage-id]")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(150)
        # choose what the corpus's gold labels say, as an annotator would, leaving the last dimension open
        pid = page.get_attribute("#text", "data-passage-id")
        gold = proj.gold_frame().set_index("passage_id").loc[pid]
        for dim in proj.codebook.dimensions[:-1]:
            values = gold[dim.name] if dim.multi else [gold[dim.name]]
            for v in values:
                page.keyboard.press(dim.value(v).key)
        page.keyboard.press("Tab")
        page.keyboard.type("withdrawal argued as the author's own view")
        out = REPO / "docs" / "img" / "annotate.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        page.close()


def test_search_a_keyword_label_the_match_and_see_its_document(browser, tmp_path):
    """The issue's walk-through: ingest speeches with their columns mapped, search for a keyword, label the
    match from the keyboard, and see the title and date of the speech it is from in the header."""
    from click.testing import CliRunner
    from test_annotate_search import MAPPING, speeches_slice

    from stance.cli import main
    from stance.store import Project

    files = speeches_slice(tmp_path / "in")
    assert CliRunner().invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    assert CliRunner().invoke(main, ["ingest", *map(str, files), "-p", str(tmp_path / "p"), *MAPPING]).exit_code == 0
    proj = Project.open(tmp_path / "p")
    tok = tokens(proj, ["alice"])["alice"]
    with ThreadServer(create_app(proj.path, ["alice"])) as srv:
        page = browser.new_page()
        page.goto(f"{srv.base}/login?token={tok}")
        page.wait_for_selector("#text[data-passage-id]")
        page.keyboard.press("?")  # the help overlay lists the search keys; Esc closes it
        assert page.is_visible("#help") and "search" in page.text_content("#help")
        page.keyboard.press("Escape")
        assert not page.is_visible("#help")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("Kabul")  # letters that are codebook keys: typed, not chosen
        assert shown_labels(page) == {}
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('matches').textContent.startsWith('match 1 of')")
        match = page.get_attribute("#text", "data-passage-id")
        assert "kabul" in page.text_content("#text").lower()
        doc = proj.conn.execute("SELECT d.title, d.date, d.author FROM passages p JOIN documents d"
                                " ON d.id = p.doc_id WHERE p.id = ?", (match,)).fetchone()
        assert doc["title"].startswith("August") and "Afghanistan" in doc["title"]  # the speech's own title
        assert page.text_content("#doc-title") == doc["title"]
        assert doc["date"] in page.text_content("#doc-meta") and "Joe Biden" in page.text_content("#doc-meta")
        assert "in this document" in page.text_content("#doc-place")
        assert page.evaluate("document.activeElement === document.body")  # out of the search box: keys label
        label_with_keys(page, keys_for(proj, 0))
        current = proj.current_annotations("alice")
        assert current["passage_id"].tolist() == [match]
        assert current["labels"].iloc[0] == full_labels(proj, 0)
        # Enter moved on to the next match, not to the next passage of the queue
        page.wait_for_function("() => document.getElementById('matches').textContent.startsWith('match 2 of')")
        assert "kabul" in page.text_content("#text").lower()
        page.keyboard.press("[")
        page.wait_for_function("id => document.getElementById('text').dataset.passageId === id", arg=match)
        page.close()
