"""The adjudication web app: disagreements side by side; the adjudicator's choice becomes gold.

The decisions go through `stance.agreement` (`review_item`, `batch`, `resolve`, `promote_unanimous`),
the same functions `stance agree` uses; this module only checks requests and routes them.

JSON API (every call needs the adjudicator's login; POSTs need the page's Origin):

- `GET /api/item?index=N`: the N-th open disagreement with its context (the passages before and after,
  the speaker, every annotator's labels on every dimension, the dimension's rules);
  `GET /api/item?passage_id=P&dimension=D`: that passage and dimension, open or already decided.
- `GET /api/batch?status=open|decided&offset=0&limit=100`: a page of open disagreements or of decisions.
- `POST /api/resolve` `{"passage_id", "dimension", "value", "rule", "note", "index"}`: the gold value and
  the codebook rule(s) that settled it ("P12", "P6/P1"). Posting a decided passage and dimension again
  re-resolves it: a new gold row becomes current and the earlier one stays in its `decisions` history.
- `POST /api/promote`: make gold of labels that became unanimous; `promoted` is how many this call
  added, `promoted_total` how many since the server started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import agreement, store
from ..store import Project
from .login import login_endpoint
from .web import (
    EXCEPTION_HANDLERS,
    MAX_BODY,
    MAX_NOTE,
    STATIC_DIR,
    Authenticator,
    GuardMiddleware,
    read_json,
    templates,
)

COOKIE = "stance_adjudicator"


class Adjudication:
    """State of one adjudication server: the project, who decides, how many labels were promoted."""

    def __init__(self, project_path: str | Path, adjudicator: str, min_annotators: int = 2) -> None:
        self.project = Project.open(project_path)
        self.codebook = self.project.codebook
        self.adjudicator = adjudicator
        self.min_annotators = min_annotators
        self.promoted = self.promote()

    def promote(self) -> int:
        return agreement.promote_unanimous(self.project, min_annotators=self.min_annotators)

    def open_count(self) -> int:
        return len(agreement.disagreements(self.project))

    def item(self, index: int = 0, passage_id: str | None = None, dimension: str | None = None) -> dict[str, Any]:
        view = agreement.review_item(self.project, index, passage_id, dimension)
        return {"promoted_total": self.promoted, **view}

    def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        pid, dim, value = data.get("passage_id"), data.get("dimension"), data.get("value")
        note, rule = data.get("note") or "", data.get("rule") or ""
        index = data.get("index") or 0
        if not isinstance(pid, str) or not isinstance(dim, str):
            raise HTTPException(400, "'passage_id' and 'dimension' must be strings")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1_000_000:
            raise HTTPException(400, f"'index' must be a non-negative integer, got {str(index)[:20]!r}")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise HTTPException(400, f"'note' must be a string of at most {MAX_NOTE} characters")
        if value in (None, "", []):
            raise HTTPException(422, f"choose a value for {dim!r}")
        if not store.passage_exists(self.project.conn, pid):
            raise HTTPException(404, f"unknown passage id {pid[:100]!r}")
        gold_id = agreement.resolve(self.project, pid, dim, value, self.adjudicator, note, rule)
        return {"saved": True, "gold_id": gold_id, **self.item(index)}

    def promote_more(self) -> dict[str, Any]:
        added = self.promote()
        self.promoted += added
        return {"promoted": added, **self.item(0)}


def _integer(query, name: str, default: int) -> int:
    """A non-negative integer query parameter, or a 400 naming it."""
    raw = query.get(name, str(default))
    if not raw.isdigit() or len(raw) > 9:
        raise HTTPException(400, f"'{name}' must be a non-negative integer, got {raw[:20]!r}")
    return int(raw)


def create_adjudication_app(project_path: str | Path, adjudicator: str, auth: bool = True,
                            min_annotators: int = 2, max_body: int = MAX_BODY) -> Starlette:
    """The adjudication app; only `adjudicator`'s token is accepted. Promotes unanimous labels at start."""
    state = Adjudication(project_path, adjudicator, min_annotators)
    gate = Authenticator(state.project, auth, adjudicator, COOKIE)
    tpl = templates()

    def require(request: Request, write: bool = False) -> str:
        name = gate.require(request, write=write)
        if name != adjudicator:
            raise HTTPException(403, f"{name} is not the adjudicator of this server ({adjudicator} is)")
        return name

    async def index(request: Request) -> Response:
        if gate.who(request) != adjudicator:
            return RedirectResponse("/login", status_code=303)
        return tpl.TemplateResponse(request, "adjudicate.html", {
            "adjudicator": adjudicator, "project": state.project.path.name, "codebook": state.codebook})

    async def get_item(request: Request) -> Response:
        require(request)
        q = request.query_params
        if "passage_id" in q or "dimension" in q:
            pid, dim = q.get("passage_id"), q.get("dimension")
            if not pid or not dim:
                raise HTTPException(400, "give both 'passage_id' and 'dimension'")
            if not await run_in_threadpool(store.passage_exists, state.project.conn, pid):
                raise HTTPException(404, f"unknown passage id {pid[:100]!r}")
            return JSONResponse(await run_in_threadpool(state.item, 0, pid, dim))
        raw = q.get("index", "0")
        if not raw.lstrip("-").isdigit() or len(raw) > 9:
            raise HTTPException(400, f"'index' must be an integer, got {raw[:20]!r}")
        return JSONResponse(await run_in_threadpool(state.item, int(raw)))

    async def get_batch(request: Request) -> Response:
        require(request)
        q = request.query_params
        status = q.get("status", "open")
        if status not in ("open", "decided"):
            raise HTTPException(400, f"'status' must be 'open' or 'decided', got {status[:20]!r}")
        return JSONResponse(await run_in_threadpool(agreement.batch, state.project, _integer(q, "offset", 0),
                                                    _integer(q, "limit", 100), status == "decided"))

    async def post_resolve(request: Request) -> Response:
        require(request, write=True)
        data = await read_json(request)
        return JSONResponse(await run_in_threadpool(state.resolve, data))

    async def post_promote(request: Request) -> Response:
        require(request, write=True)
        await read_json(request)
        return JSONResponse(await run_in_threadpool(state.promote_more))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/login", login_endpoint(gate, tpl, "adjudicate", COOKIE, allowed=lambda name: name == adjudicator,
                                           refusal="not the adjudicator's token"), methods=["GET", "POST"]),
            Route("/api/item", get_item),
            Route("/api/batch", get_batch),
            Route("/api/resolve", post_resolve, methods=["POST"]),
            Route("/api/promote", post_promote, methods=["POST"]),
            Route("/healthz", health),
            Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        ],
        middleware=[Middleware(GuardMiddleware, max_body=max_body)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.adjudication = state
    return app
