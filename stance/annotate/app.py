"""The annotation web app: one passage at a time, every action from the keyboard.

`create_app(project_path, annotators=[...])` returns a Starlette app; `stance annotate` serves it
with uvicorn. A label is committed to SQLite before the response says "saved": request threads validate it,
then hand it to one writer thread (`writer.LabelWriter`) that commits it, fsynced, sharing the
commit with any labels that arrived at the same moment. An uncertain queue is re-ordered by a model
retrained in a background thread every few labels or on request (`retrain.Retrainer`); requests keep
being served in the old order until the new one is ready.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import threading
from collections.abc import Sequence
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

from .. import store
from ..store import Project
from .filters import Fields, where_conditions
from .login import login_endpoint
from .progress import Progress
from .queue import Queue, QueueOptions, build_queue, candidates, prediction_models, suggestions
from .retrain import DEFAULT_EVERY, RefreshState, Retrainer
from .search import field_choices, search_passages, search_request
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
from .writer import LabelWriter

COOKIE = "stance_token"
CONTEXT = 2  # neighbouring passages shown on each side


class Annotation:
    """Server-side state of one annotation app: the project, the passages, each annotator's queue."""

    def __init__(self, project_path: str | Path, annotators: Sequence[str], opts: QueueOptions,
                 durable: bool = True, retrain_every: int = DEFAULT_EVERY, retrain_head: str | None = None) -> None:
        self.project = Project.open(project_path)
        self.codebook = self.project.codebook
        self.opts = dataclasses.replace(opts, annotators=tuple(annotators) or opts.annotators)
        self.durable = durable
        self._lock = threading.Lock()
        self._queues: dict[str, Queue] = {}
        self._progress: dict[str, Progress] = {}
        self._pool: list[str] | None = None  # candidate passages, shared by every annotator's queue
        self._conf: dict[str, float] | None = None  # the retrained model's confidences, once there are some
        self._conf_note = ""
        self._fresh: set[str] = set()  # annotators whose queue was re-ordered since their last task
        # an uncertain queue learns from the labels as they arrive; other orders do not depend on a model
        self.retrainer = (Retrainer(project_path, self.pool, self._order_ready, every=retrain_every, head=retrain_head)
                          if self.opts.order == "uncertain" and not self.opts.validation else None)
        self._field_choices: list[dict[str, Any]] | None = None
        # newest scored model per dimension; none for a validation queue, so that no suggestion is shown
        self.models = {} if self.opts.validation else prediction_models(self.project)
        self.fields = Fields.of(self.project, self.models)  # what the search filters may name
        if self.opts.where:
            where_conditions(self.project, self.opts.where, self.models)  # a bad --where fails at start
        self.writer = LabelWriter(self.project, durable=durable)
        frame = self.project.passages_frame(include_examples=True)
        self.passages: dict[str, dict[str, Any]] = {}
        self.doc_passages: dict[str, list[str]] = {}
        frame = frame.astype(object).where(frame.notna(), None)  # NaN metadata -> null in JSON
        for row in frame.itertuples(index=False):
            self.passages[row.passage_id] = {
                "id": row.passage_id, "doc_id": row.doc_id, "seq": int(row.seq), "text": row.text,
                "title": row.title, "outlet": row.outlet, "author": row.author, "date": row.date,
                "boilerplate": bool(row.is_boilerplate),
            }
            self.doc_passages.setdefault(row.doc_id, []).append(row.passage_id)

    @property
    def conn(self):
        """This thread's connection, for reads; every write goes through `self.writer`."""
        return self.project.conn

    def pool(self) -> list[str]:
        """The candidate passages (every annotator's queue is drawn from them)."""
        with self._lock:
            if self._pool is None:
                self._pool = candidates(self.project, self.opts)
            return self._pool

    def queue(self, annotator: str) -> Queue:
        pool = self.pool()
        with self._lock:
            q = self._queues.get(annotator)
            if q is None:
                q = self._queues[annotator] = build_queue(self.project, annotator, self.opts, pool, self.models,
                                                          self._conf, self._conf_note)
            return q

    def _order_ready(self, conf: dict[str, float], state: RefreshState) -> None:
        """From the retraining thread: the new model's confidences. Each annotator's queue is rebuilt aside
        and swapped in one step, so a request sees the old order or the new one, never a mix."""
        note = (f"least confident first, by a model retrained on {state.labels} labelled passages "
                f"({', '.join(state.dimensions)}; {state.head} head) at {(state.refreshed_at or '')[11:19]} UTC")
        with self._lock:
            names = list(self._queues)
        try:
            rebuilt = {name: build_queue(self.project, name, self.opts, self.pool(), self.models, conf, note)
                       for name in names}
        finally:
            self.project.close()  # this thread's connection; request threads keep theirs
        with self._lock:
            self._conf, self._conf_note = conf, note
            self._queues.update(rebuilt)
            for name in rebuilt:  # the assigned passages may have moved too (first labellers keep theirs)
                self._progress.pop(name, None)
            self._fresh.update(rebuilt)

    def progress(self, annotator: str) -> Progress:
        """The annotator's status per passage and counts within their queue, brought up to date."""
        q = self.queue(annotator)
        with self._lock:
            p = self._progress.get(annotator)
            if p is None:
                p = self._progress[annotator] = Progress(annotator, q.position)
        return p.refresh(self.conn)

    def current(self, annotator: str, passage_id: str) -> dict[str, Any] | None:
        """The annotator's current row for one passage."""
        row = store.current_row(self.conn, annotator, passage_id)
        if row is None:
            return None
        return {"status": row["status"], "labels": json.loads(row["labels_json"]), "note": row["note"]}

    # -- tasks ---------------------------------------------------------------------------------

    def task(self, annotator: str, passage_id: str | None = None, step: str | None = None,
             after: str | None = None, draft: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the page shows next: a passage with context, the annotator's labels, progress."""
        q = self.queue(annotator)
        mine = self.progress(annotator)
        ids = q.passage_ids
        if step == "last" and ids:
            passage_id, step = ids[-1], None
        if passage_id is not None:
            self.check_passage(q, passage_id)
            if step in ("prev", "next"):
                i = q.position[passage_id] + (-1 if step == "prev" else 1)
                passage_id = ids[i] if 0 <= i < len(ids) else (passage_id if step == "prev" else None)
        with self._lock:
            fresh = annotator in self._fresh
            self._fresh.discard(annotator)
        if passage_id is None:  # after a refresh, the next passage is the first undone in the new order
            start = q.position[after] + 1 if after in q.position and not fresh else 0
            order = itertools.chain(range(start, len(ids)), range(start))
            passage_id = next((ids[i] for i in order if not mine.done(ids[i])), None)
        labelled, skipped = mine.counts["labelled"], mine.counts["skipped"]
        out: dict[str, Any] = {
            "annotator": annotator,
            "progress": {"done": labelled, "skipped": skipped, "assigned": len(ids)},
            "order_note": q.note,
            "refresh": self.retrainer.snapshot() if self.retrainer is not None else None,
            "finished": passage_id is None,
            "passage": None,
        }
        if passage_id is None:
            return out
        p = self.passages[passage_id]
        siblings = self.doc_passages[p["doc_id"]]
        k = siblings.index(passage_id)
        current = self.current(annotator, passage_id)
        status = current["status"] if current else None
        out.update({
            "passage": p,
            "position": q.position[passage_id] + 1,
            "in_document": {"position": k + 1, "passages": len(siblings)},
            "before": [self.passages[s]["text"] for s in siblings[max(0, k - CONTEXT):k]],
            "after": [self.passages[s]["text"] for s in siblings[k + 1:k + 1 + CONTEXT]],
            "status": status if status in ("labelled", "skipped") else None,
            "labels": current["labels"] if status == "labelled" else None,
            "note": current["note"] if status == "labelled" else "",
            "draft": draft,
            "suggestion": suggestions(self.project, passage_id, self.models) or None,
        })
        return out

    def check_passage(self, q: Queue, passage_id: Any) -> str:
        if not isinstance(passage_id, str) or not passage_id:
            raise HTTPException(400, "'passage_id' must be a non-empty string")
        if passage_id not in self.passages:
            raise HTTPException(404, f"unknown passage id {passage_id[:100]!r}")
        if passage_id not in q.position:
            raise HTTPException(404, f"passage {passage_id!r} is not in {q.annotator}'s queue")
        return passage_id

    def field_choices(self) -> list[dict[str, Any]]:
        """The fields the search filters offer, with their values (read once: they are the corpus's)."""
        with self._lock:
            if self._field_choices is None:
                self._field_choices = field_choices(self.project, self.fields)
            return self._field_choices

    def search(self, annotator: str, data: dict[str, Any]) -> dict[str, Any]:
        """The passages of the annotator's queue that match a search (text, field filters, not yet
        labelled), in queue order; a 4xx for a malformed or hostile request."""
        q = self.queue(annotator)
        request = search_request(data, self.fields)
        return search_passages(self.project, q, self.progress(annotator), request, self.passages)

    # -- writes ----------------------------------------------------------------------------------

    def save(self, annotator: str, data: dict[str, Any]) -> dict[str, Any]:
        """Validate and commit one label (or skip); return the id and the next task."""
        q = self.queue(annotator)
        pid = self.check_passage(q, data.get("passage_id"))
        action = data.get("action", "label")
        if action not in ("label", "skip"):
            raise HTTPException(400, f"unknown action {action!r}; valid: label, skip")
        note = data.get("note") or ""
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise HTTPException(400, f"'note' must be a string of at most {MAX_NOTE} characters")
        labels = data.get("labels") or {}
        if not isinstance(labels, dict):
            raise HTTPException(400, "'labels' must be an object {dimension: value}")
        suggestion = None
        if action == "label":
            for dim, value in labels.items():
                self.codebook.validate_label(dim, value)  # LabelError -> 422 naming the valid values
            missing = [d for d in self.codebook.dimension_names if labels.get(d) in (None, "", [])]
            if missing:
                raise HTTPException(422, "choose a value for: " + ", ".join(missing))
            guess = suggestions(self.project, pid, self.models)
            suggestion = {d: s["value"] for d, s in guess.items()} or None
        ann_id = self.writer.write(lambda conn: self.project.add_annotation(
            pid, annotator, labels if action == "label" else {}, note=note, source="web",
            status="labelled" if action == "label" else "skipped", suggestion=suggestion, conn=conn))
        if action == "label" and self.retrainer is not None:
            self.retrainer.label_saved()  # every N labels: retrain in the background
        return {"saved": True, "annotation_id": ann_id, "passage_id": pid,
                "task": self.task(annotator, after=pid)}

    def undo(self, annotator: str) -> dict[str, Any]:
        """Retract the annotator's most recent label or skip (a new 'retracted' row; nothing is deleted)."""
        def retract(conn):
            row = store.last_unretracted(conn, annotator)
            if row is None:
                raise HTTPException(409, "nothing to undo")
            self.project.add_annotation(row["passage_id"], annotator, {}, note="", status="retracted",
                                        conn=conn)
            return row

        row = self.writer.write(retract)
        pid = row["passage_id"]
        draft = json.loads(row["labels_json"]) if row["status"] == "labelled" else None
        q = self.queue(annotator)
        task = self.task(annotator, passage_id=pid) if pid in q.position else self.task(annotator)
        task["draft"] = draft
        task["note"] = row["note"]
        return {"retracted": pid, "task": task}


def create_app(project_path: str | Path, annotators: Sequence[str] = (), opts: QueueOptions | None = None,
               auth: bool = True, max_body: int = MAX_BODY, durable: bool = True,
               retrain_every: int = DEFAULT_EVERY, retrain_head: str | None = None) -> Starlette:
    """The annotation app for a project.

    `annotators` are the people this server divides the non-overlap passages among; with
    `auth=False` (loopback only, checked by the server) every request is the first of them. An
    uncertain queue is re-ordered by a model retrained every `retrain_every` labels (0: only when an
    annotator asks, POST /api/retrain), with the head `retrain_head` (None: the project's newest model's).
    """
    opts = opts or QueueOptions()
    state = Annotation(project_path, annotators, opts, durable=durable, retrain_every=retrain_every,
                       retrain_head=retrain_head)
    gate = Authenticator(state.project, auth, annotators[0] if annotators else None, COOKIE)
    tpl = templates()

    async def index(request: Request) -> Response:
        name = gate.who(request)
        if name is None:
            return RedirectResponse("/login", status_code=303)
        return tpl.TemplateResponse(request, "annotate.html", {
            "annotator": name, "codebook": state.codebook, "codebook_data": state.codebook.to_dict(),
            "project": state.project.path.name, "auth": auth,
        })

    async def get_task(request: Request) -> Response:
        name = gate.require(request)
        qp = request.query_params
        step = qp.get("step")
        if step not in (None, "prev", "next", "last"):
            raise HTTPException(400, f"unknown step {step!r}; valid: prev, next, last")
        task = await run_in_threadpool(state.task, name, qp.get("passage_id"), step)
        return JSONResponse(task)

    async def post_annotation(request: Request) -> Response:
        name = gate.require(request, write=True)
        data = await read_json(request)
        return JSONResponse(await run_in_threadpool(state.save, name, data))

    async def get_fields(request: Request) -> Response:
        gate.require(request)
        return JSONResponse({"fields": await run_in_threadpool(state.field_choices)})

    async def post_search(request: Request) -> Response:
        name = gate.require(request, write=True)  # a read, but its body is JSON: same origin checks
        data = await read_json(request)
        return JSONResponse(await run_in_threadpool(state.search, name, data))

    async def post_undo(request: Request) -> Response:
        name = gate.require(request, write=True)
        await read_json(request)
        return JSONResponse(await run_in_threadpool(state.undo, name))

    async def post_retrain(request: Request) -> Response:
        gate.require(request, write=True)
        await read_json(request)
        if state.retrainer is None:
            raise HTTPException(409, "this queue does not follow a model (start with --order uncertain to "
                                     "have it re-ordered as labels arrive)")
        started = state.retrainer.request()
        return JSONResponse({"started": started, "refresh": state.retrainer.snapshot()},
                            status_code=202 if started else 200)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "commits": state.writer.commits, "writes": state.writer.writes})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        state.writer.close()

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/login", login_endpoint(gate, tpl, "annotate", COOKIE), methods=["GET", "POST"]),
            Route("/api/task", get_task),
            Route("/api/annotations", post_annotation, methods=["POST"]),
            Route("/api/undo", post_undo, methods=["POST"]),
            Route("/api/retrain", post_retrain, methods=["POST"]),
            Route("/api/search", post_search, methods=["POST"]),
            Route("/api/fields", get_fields),
            Route("/healthz", health),
            Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        ],
        middleware=[Middleware(GuardMiddleware, max_body=max_body)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.annotation = state
    return app
