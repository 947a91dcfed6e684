"""The adjudication web app: disagreements side by side; the adjudicator's choice becomes gold.

The decisions go through `stance.agreement` (`disagreements`, `resolve`, `promote_unanimous`),
the same functions `stance agree` uses; this module only shows and routes.
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

from ..store import Project
from .web import (
    EXCEPTION_HANDLERS,
    MAX_BODY,
    MAX_NOTE,
    STATIC_DIR,
    Authenticator,
    GuardMiddleware,
    check_origin,
    read_json,
    templates,
)

COOKIE = "stance_adjudicator"


class Adjudication:
    """State of one adjudication server: the project, who decides, how many labels were promoted."""

    def __init__(self, project_path: str | Path, adjudicator: str, min_annotators: int = 2) -> None:
        from .. import agreement

        self.agreement = agreement
        self.project = Project.open(project_path)
        self.codebook = self.project.codebook
        self.adjudicator = adjudicator
        self.min_annotators = min_annotators
        self.promoted = self.promote()

    def promote(self) -> int:
        return self.agreement.promote_unanimous(self.project, min_annotators=self.min_annotators)

    def items(self) -> list[dict[str, Any]]:
        frame = self.agreement.disagreements(self.project)
        return frame.to_dict("records")

    def open_count(self) -> int:
        return len(self.items())

    def item(self, index: int = 0) -> dict[str, Any]:
        items = self.items()
        out: dict[str, Any] = {"open": len(items), "promoted": self.promoted, "item": None}
        if not items:
            return out
        index = min(max(index, 0), len(items) - 1)
        it = items[index]
        row = self.project.conn.execute(
            "SELECT d.title, d.outlet, d.date FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.id = ?",
            (it["passage_id"],),
        ).fetchone()
        dim = self.codebook.dimension(it["dimension"])
        notes = {r["annotator"]: r["note"] for r in self.project.conn.execute(
            "SELECT annotator, note FROM annotations WHERE id IN (SELECT MAX(id) FROM annotations"
            " WHERE passage_id = ? GROUP BY annotator)", (it["passage_id"],))}
        out["index"] = index
        out["item"] = {
            "passage_id": it["passage_id"], "dimension": dim.name, "question": dim.question, "multi": dim.multi,
            "text": it["text"], "title": row["title"] if row else None,
            "outlet": row["outlet"] if row else None, "date": row["date"] if row else None,
            "choices": [{"annotator": a, "value": v, "note": notes.get(a, "")} for a, v in it["choices"].items()],
            "gold": it.get("gold"),
            "values": [{"name": v.name, "key": v.key, "definition": v.definition} for v in dim.values],
        }
        return out

    def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        pid, dim, value = data.get("passage_id"), data.get("dimension"), data.get("value")
        note = data.get("note") or ""
        if not isinstance(pid, str) or not isinstance(dim, str):
            raise HTTPException(400, "'passage_id' and 'dimension' must be strings")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise HTTPException(400, f"'note' must be a string of at most {MAX_NOTE} characters")
        if value in (None, "", []):
            raise HTTPException(422, f"choose a value for {dim!r}")
        if self.project.conn.execute("SELECT 1 FROM passages WHERE id = ?", (pid,)).fetchone() is None:
            raise HTTPException(404, f"unknown passage id {pid[:100]!r}")
        gold_id = self.agreement.resolve(self.project, pid, dim, value, self.adjudicator, note)
        return {"saved": True, "gold_id": gold_id, **self.item(int(data.get("index") or 0))}


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

    async def login(request: Request) -> Response:
        token = request.query_params.get("token")
        if request.method == "POST":
            check_origin(request, auth, write=True)
            form = await request.form(max_files=0, max_fields=5)
            token = str(form.get("token") or "")
        if token is None:
            return tpl.TemplateResponse(request, "login.html", {"error": None, "title": "adjudicate"})
        if await run_in_threadpool(gate.lookup, token) != adjudicator:
            return tpl.TemplateResponse(request, "login.html", {"error": "not the adjudicator's token",
                                                                "title": "adjudicate"}, status_code=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=60 * 60 * 24 * 30)
        return response

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
            Route("/login", login, methods=["GET", "POST"]),
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
