"""`/login` for both web apps: one implementation, so the annotation and adjudication apps refuse the
same things.

The link printed when a server starts (`/login?token=...`) logs in at once only when the person
opened it themselves: the browser says so with `Sec-Fetch-Site: none` (typed, pasted, clicked in a
terminal, a bookmark). Reached from another page, or from a browser that does not say where it came
from, the link shows a "Log in as NAME" button instead, and that button's POST must come from this
origin. So a page on another site cannot log someone in under another annotator's name and have
their labels recorded under it (login CSRF); the apps cannot be framed, so the button cannot be
clicked for them either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from .web import Authenticator, check_origin

COOKIE_MAX_AGE = 60 * 60 * 24 * 30
CROSS_SITE = ("cross-site", "same-site")  # Sec-Fetch-Site values of a request another site started


def login_endpoint(gate: Authenticator, tpl: Jinja2Templates, title: str, cookie: str,
                   allowed: Callable[[str], bool] = lambda name: True,
                   refusal: str = "unknown token") -> Callable[[Request], Awaitable[Response]]:
    """The `/login` endpoint (GET and POST) of an app whose tokens `gate` checks.

    `allowed(name)` says whether the token's annotator may use this app; a token that is unknown or
    not allowed gets the login page with `refusal` and 401. Success sets the HttpOnly, SameSite=Strict
    session cookie `cookie` and redirects to the app."""

    def page(request: Request, error: str | None = None, status: int = 200, confirm: dict | None = None):
        return tpl.TemplateResponse(request, "login.html", {"error": error, "title": title, "confirm": confirm},
                                    status_code=status)

    async def login(request: Request) -> Response:
        if request.method == "POST":
            check_origin(request, gate.auth, write=True)
            if request.headers.get("sec-fetch-site") in CROSS_SITE:
                raise HTTPException(403, "log-in from another site refused")
            form = await request.form(max_files=0, max_fields=5)
            token: str | None = str(form.get("token") or "")
            opened_here = True
        else:
            token = request.query_params.get("token")
            opened_here = request.headers.get("sec-fetch-site") == "none"
        if token is None:
            return page(request)
        name = await run_in_threadpool(gate.lookup, token)
        if name is None or not allowed(name):
            return page(request, refusal, 401)
        if not opened_here:
            return page(request, confirm={"name": name, "token": token})
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(cookie, token, httponly=True, samesite="strict", max_age=COOKIE_MAX_AGE)
        return response

    return login
