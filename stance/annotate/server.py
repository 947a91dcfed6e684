"""Serve an app with uvicorn, refusing an exposed address without tokens."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from ..errors import InputError
from .auth import is_loopback

if TYPE_CHECKING:
    from starlette.types import ASGIApp


def check_bind(host: str, auth: bool) -> None:
    """Only loopback may be served without tokens: anyone on the network could label otherwise."""
    if not auth and not is_loopback(host):
        raise InputError(
            f"refusing to serve {host} without tokens: anyone who can reach it could read the corpus and "
            "write labels. Drop --no-auth (each annotator then logs in with a token) or bind 127.0.0.1"
        )


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, taken before any token or "Serving" line is printed: a port in use
    is then a one-line error and nothing else happens (`serve` listens on this very socket)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does; a live listener still wins
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot serve on {host}:{port}: {exc.strerror or exc}. Is another server running there? "
                         "Stop it or choose another --port") from None
    return sock


def serve(app: ASGIApp, host: str = "127.0.0.1", port: int = 8765, auth: bool = True,
          log_level: str = "warning", sock: socket.socket | None = None) -> None:
    """Run `app` until interrupted (Ctrl-C), on `sock` if given (see `bind_socket`). Blocks."""
    check_bind(host, auth)
    import uvicorn  # imported when a server starts, so that `stance --help` stays light

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=3, server_header=False)
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
