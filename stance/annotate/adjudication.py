"""The adjudication web app: disagreements side by side; the adjudicator's choice becomes gold.

The decisions go through `stance.agreement` (`review_item`, `resolve`, `promote_unanimous`), the
same functions `stance agree` uses; this module only checks requests and routes them.
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

    def item(self, index: int = 0) -> dict[str, Any]:
        view = agreement.review_item(self.project, index)
        return {"open": view["open"], "promoted": self.promoted, **view}

    def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        pid, dim, value = data.get("passage_id"), data.get("dimension"), data.get("value")
        note = data.get("note") or ""
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
        gold_id = agreement.resolve(self.project, pid, dim, value, self.adjudicator, note)
        return {"saved": True, "gold_id": gold_id, **self.item(index)}


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
        raw = request.query_params.get("index", "0")
        if not raw.lstrip("-").isdigit():
            raise HTTPException(400, f"'index' must be an integer, got {raw[:20]!r}")
        return JSONResponse(await run_in_threadpool(state.item, int(raw)))

    async def post_resolve(request: Request) -> Response:
        require(request, write=True)
        data = await read_json(request)
        return JSONResponse(await run_in_threadpool(state.resolve, data))

    async def post_promote(request: Request) -> Response:
        require(request, write=True)
        await read_json(request)
        added = await run_in_threadpool(state.promote)
        state.promoted += added
        return JSONResponse({"promoted": added, **await run_in_threadpool(state.item, 0)})

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/login", login_endpoint(gate, tpl, "adjudicate", COOKIE, allowed=lambda name: name == adjudicator,
                                           refusal="not the adjudicator's token"), methods=["GET", "POST"]),
            Route("/api/item", get_item),
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
