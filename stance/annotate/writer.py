"""Group commit: one thread writes every label; labels that arrive together share one commit.

Each label still commits before its request is answered, and each runs in its own savepoint
(a bad one is rolled back alone). When eight annotators press Enter at once, the writer makes
one fsync for all of them instead of eight queued one after another: durable (fsync at commit)
and fast under load. Nothing waits for a batch to fill: the writer takes whatever is queued
when it finishes the previous commit.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from .. import store
from ..store import Project

T = TypeVar("T")
MAX_BATCH = 64
WAIT_SECONDS = 120  # a request waits at most this long for its commit (busy_timeout is 30 s)


class LabelWriter:
    """Serialises writes to the project database through one thread with its own connection."""

    def __init__(self, project: Project, durable: bool = True) -> None:
        self.project = project
        self.durable = durable
        self._queue: queue.Queue[tuple[Callable[[sqlite3.Connection], Any], Future] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.commits = 0  # transactions committed
        self.writes = 0   # writes committed (labels, skips, retractions); writes / commits = batch size

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` inside a committed transaction; return its result once it is on disk."""
        self._ensure_started()
        fut: Future = Future()
        self._queue.put((fn, fut))
        return fut.result(timeout=WAIT_SECONDS)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="stance-label-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        conn = self.project.conn  # this thread's own connection
        store.set_durable(conn, self.durable)
        while True:
            item = self._queue.get()
            if item is None:
                self.project.close()
                return
            batch = [item]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            try:
                self._commit(conn, batch)
            except BaseException as exc:  # never leave a request waiting for an answer
                for _fn, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise

    def _commit(self, conn: sqlite3.Connection, batch: list) -> None:
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        try:
            with store.transaction(conn):
                for fn, fut in batch:
                    try:
                        with store.savepoint(conn, "label"):
                            result = fn(conn)
                    except Exception as exc:  # this label only: rolled back, the others kept
                        outcomes.append((fut, None, exc))
                    else:
                        outcomes.append((fut, result, None))
            self.commits += 1
            self.writes += sum(1 for _fut, _r, exc in outcomes if exc is None)
        except Exception as exc:  # the commit itself failed (and was rolled back): nobody is told "saved"
            for _fn, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for fut, result, exc in outcomes:
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(result)
