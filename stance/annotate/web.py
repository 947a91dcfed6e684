"""What the annotation and adjudication apps share: templates, auth, body limits, security headers.

Every request that reads or changes project data needs an annotator token (header
``Authorization: Bearer <token>``, header ``X-Stance-Token`` or the HttpOnly cookie set by
``/login``). Bodies are capped (64 KB by default) before the app reads them; API posts must be
JSON; a browser post from another origin is refused.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import checks
from ..errors import InputError, StanceError
from ..store import Project
from .auth import annotator_for_token, is_loopback

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
MAX_BODY = 64 * 1024
MAX_NOTE = 4000
TOKEN_RECHECK_SECONDS = 5.0  # how long a revoked token may keep working in a running server
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
     b" form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def templates() -> Jinja2Templates:
    """Jinja2 with autoescape on for every template, whatever its file name."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    return Jinja2Templates(env=env)


class GuardMiddleware:
    """Caps request bodies (413) and adds security headers to every response.

    The body is read here, up to the cap, before the app sees it: a chunked upload without a
    Content-Length cannot slip past the limit.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                present = {k.lower() for k, _ in message["headers"]}
                message["headers"] = list(message["headers"]) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in present]
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                await _plain(400, "bad Content-Length", scope, receive, send_with_headers)
                return
            if too_big:
                await _plain(413, f"request body larger than {self.max_body} bytes", scope, receive,
                             send_with_headers)
                return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send_with_headers)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _plain(413, f"request body larger than {self.max_body} bytes", scope, receive,
                             send_with_headers)
                return
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


async def _plain(status: int, text: str, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"].startswith("/api/"):
        response: Response = JSONResponse({"error": text}, status_code=status)
    else:
        response = PlainTextResponse(text, status_code=status)
    await response(scope, receive, send)


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTP errors as JSON {"error": ...} under /api/, plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=exc.headers)


async def stance_error(request: Request, exc: Exception) -> Response:
    """A label or input the codebook rejects: 422 with the library's own message."""
    return JSONResponse({"error": str(exc)}, status_code=422)


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    HTTPException: http_error,
    StanceError: stance_error,
}


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body, or a 4xx that says what is wrong with it."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(415, "send the body as JSON (Content-Type: application/json)")
    raw = await request.body()
    try:
        data = checks.loads(raw, "malformed JSON body")  # malformed or too deeply nested: 400, never a 500
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    if not isinstance(data, dict):
        raise HTTPException(400, "the JSON body must be an object")
    return data


def check_origin(request: Request, auth: bool, write: bool) -> None:
    """Refuse cross-site browser posts, and (without tokens) requests not addressed to loopback."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if write and origin is not None and urlsplit(origin).netloc != host:
        raise HTTPException(403, f"cross-origin request from {origin} refused")
    if not auth and not is_loopback(urlsplit(f"//{host}").hostname or ""):
        raise HTTPException(403, "without tokens the app answers only requests addressed to loopback")


def token_of(request: Request, cookie: str) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-stance-token") or request.cookies.get(cookie)


class Authenticator:
    """Maps a request to its annotator. Token lookups are cached for `TOKEN_RECHECK_SECONDS`, so that a
    token replaced while the server runs (`stance annotate --new-token` in another terminal) stops
    working within that time, without a database query on every request."""

    def __init__(self, project: Project, auth: bool, default: str | None, cookie: str) -> None:
        self.project = project
        self.auth = auth
        self.default = default
        self.cookie = cookie
        self._cache: dict[str, tuple[str, float]] = {}

    def lookup(self, token: str | None) -> str | None:
        if token is None:
            return None
        cached = self._cache.get(token)
        if cached is not None and time.monotonic() - cached[1] < TOKEN_RECHECK_SECONDS:
            return cached[0]
        name = annotator_for_token(self.project, token)
        if name is None:
            self._cache.pop(token, None)
        else:
            self._cache[token] = (name, time.monotonic())
        return name

    def who(self, request: Request) -> str | None:
        """The request's annotator, or None; without tokens, 403 unless the request is addressed to
        loopback (a foreign Host header must not get the project's pages either)."""
        if not self.auth:
            check_origin(request, auth=False, write=False)
            return self.default
        return self.lookup(token_of(request, self.cookie))

    def require(self, request: Request, write: bool = False) -> str:
        check_origin(request, self.auth, write)
        name = self.who(request)
        if name is None:
            raise HTTPException(401, "missing or unknown token: open the login link printed when the "
                                     "server started, or send 'Authorization: Bearer <token>'")
        return name
