"""Exact document and passage counts over a whole scoring run.

A run's batches (or Dask partitions) can hold the same document more than once (the same text from the
same outlet in two rows has one id), so counting distinct ids per batch and adding up overcounts. The
tally keeps every id as the 64-bit number its 16 hex digits spell (8 bytes an id, exact: no hashing) and
counts the distinct ones at the end. Ids of another shape are kept as strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_CONSOLIDATE = 1_000_000  # fold the kept arrays into one unique array after this many new ids


class IdTally:
    """Distinct documents and passages of scored frames, passage or document level."""

    def __init__(self) -> None:
        self._docs: list[np.ndarray] = []
        self._passages: list[np.ndarray] = []
        self._doc_passages: dict[int, int] = {}  # document level: passages of each distinct document
        self._other: dict[str, set] = {"doc": set(), "passage": set()}
        self._pending = 0

    def add(self, frame: pd.DataFrame) -> None:
        """Count one output frame (passage level: `doc_id` and `passage_id`; document level: `doc_id`
        and `n_passages`)."""
        if not len(frame):
            return
        docs = self._numbers(frame["doc_id"], "doc")
        if "passage_id" in frame.columns:
            self._docs.append(docs)
            self._passages.append(self._numbers(frame["passage_id"], "passage"))
        else:
            for doc, n in zip(docs.tolist(), frame["n_passages"].tolist(), strict=True):
                self._doc_passages.setdefault(doc, int(n))
        self._pending += len(frame)
        if self._pending >= _CONSOLIDATE:
            self._docs, self._passages = [self._unique(self._docs)], [self._unique(self._passages)]
            self._pending = 0

    @property
    def documents(self) -> int:
        if self._doc_passages:
            return len(self._doc_passages) + len(self._other["doc"])
        return len(self._unique(self._docs)) + len(self._other["doc"])

    @property
    def passages(self) -> int:
        if self._doc_passages:
            return sum(self._doc_passages.values())
        return len(self._unique(self._passages)) + len(self._other["passage"])

    def _numbers(self, ids: pd.Series, kind: str) -> np.ndarray:
        values = ids.astype(str).tolist()
        ours = [v for v in values if len(v) == 17]
        try:
            numbers = np.frombuffer(bytes.fromhex("".join(v[1:] for v in ours)), dtype=">u8").astype(np.uint64)
        except ValueError:  # not hex: keep these ids as they are
            self._other[kind].update(ours)
            numbers = np.empty(0, dtype=np.uint64)
        if len(ours) < len(values):
            self._other[kind].update(v for v in values if len(v) != 17)
        return numbers

    @staticmethod
    def _unique(parts: list[np.ndarray]) -> np.ndarray:
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)
