"""The local web apps: annotation (`create_app`) and adjudication (`create_adjudication_app`)."""

from .queue import ORDERS, QueueOptions, build_queue

__all__ = ["ORDERS", "QueueOptions", "build_queue", "create_app"]


def __getattr__(name: str):
    # the web app (starlette) is imported when used, so that `stance --help` and scoring stay light
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
