"""Each annotator's status per passage, kept current by reading only the rows added since the last look.

Annotations are append-only and their ids only grow, so applying the new rows in id order to the
statuses read before gives exactly each passage's current status (its newest row). A submission
then costs the same in a project of 1,000 labels as in one of 100,000 (issue 16, item 9); rows
written by another process (an import while the app runs) are picked up the same way.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Container

from .. import store

DONE = ("labelled", "skipped")  # statuses that take a passage off the annotator's to-do list


class Progress:
    """One annotator's status per passage (labelled, skipped or retracted) and how many of the passages
    in `assigned` are labelled and skipped."""

    def __init__(self, annotator: str, assigned: Container[str]) -> None:
        self.annotator = annotator
        self.assigned = assigned
        self.statuses: dict[str, str] = {}
        self.counts: Counter[str] = Counter()  # statuses of assigned passages
        self.last_id = 0  # the newest annotation row applied
        self._lock = threading.Lock()

    def refresh(self, conn: sqlite3.Connection) -> Progress:
        """Apply the annotator's rows added since the last refresh; returns self."""
        with self._lock:
            for row_id, passage_id, status in store.annotator_rows_since(conn, self.annotator, self.last_id):
                if passage_id in self.assigned:
                    old = self.statuses.get(passage_id)
                    if old is not None:
                        self.counts[old] -= 1
                    self.counts[status] += 1
                self.statuses[passage_id] = status
                self.last_id = row_id
        return self

    def done(self, passage_id: str) -> bool:
        return self.statuses.get(passage_id) in DONE
