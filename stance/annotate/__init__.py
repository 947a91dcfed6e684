"""The local web apps: annotation (`create_app`) and adjudication (`create_adjudication_app`)."""

from .app import create_app
from .queue import ORDERS, QueueOptions, build_queue

__all__ = ["ORDERS", "QueueOptions", "build_queue", "create_app"]
