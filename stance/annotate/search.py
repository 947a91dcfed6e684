"""The app's search: find passages of one's own queue by keyword, document field, metadata or predicted
value, optionally only those not yet labelled.

`search_request` checks a request body (types, sizes, known fields) before anything is queried, and
answers a malformed or hostile one with a 4xx; the conditions are `stance.annotate.filters`', so the
search box and `stance annotate --where` mean the same thing. Searching only reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from ..store import search as store_search
from ..store.search import DOCUMENT_COLUMNS, PREDICTION_OPERATORS, TEXT_OPERATORS, Condition
from .filters import MAX_CONDITIONS, MAX_VALUE, Fields, matching, resolve
from .progress import Progress
from .queue import Queue

MAX_RESULTS = 500
DEFAULT_RESULTS = 100
MAX_VALUES = 200  # a field with more distinct values is typed, not chosen from a list
SNIPPET = 160
KEYS = {"text", "filters", "unlabelled", "limit"}
FILTER_KEYS = {"field", "op", "value"}


@dataclass(frozen=True)
class SearchRequest:
    """A checked search: its conditions, whether to keep only unlabelled passages, how many to list."""

    conditions: list[Condition]
    keyword: str
    unlabelled: bool
    limit: int


def _string(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise HTTPException(400, f"'{name}' must be a string")
    if len(value) > limit:
        raise HTTPException(400, f"'{name}' is {len(value):,} characters long; at most {limit}")
    return value.strip()


def search_request(data: dict[str, Any], fields: Fields) -> SearchRequest:
    """The search a JSON body asks for: {"text": "missile", "filters": [{"field": "author", "op": "=",
    "value": "Joe Biden"}], "unlabelled": true, "limit": 100}; every key optional. A 400 for wrong types
    or sizes and unknown keys, a 422 (`InputError`) for an unknown field or value."""
    unknown = sorted(str(k)[:40] for k in data if k not in KEYS)
    if unknown:
        raise HTTPException(400, f"unknown key {', '.join(map(repr, unknown))}; valid: {', '.join(sorted(KEYS))}")
    keyword = _string(data.get("text") or "", "text", MAX_VALUE)
    filters = data.get("filters") or []
    if not isinstance(filters, list) or len(filters) > MAX_CONDITIONS:
        raise HTTPException(400, f"'filters' must be a list of at most {MAX_CONDITIONS} objects")
    raw = [("text", "~", keyword)] if keyword else []
    for item in filters:
        if not isinstance(item, dict) or set(item) != FILTER_KEYS:
            raise HTTPException(400, "each filter must be an object with exactly 'field', 'op' and 'value'")
        op = _string(item["op"], "op", 2)
        if op not in TEXT_OPERATORS + PREDICTION_OPERATORS:
            raise HTTPException(400, f"unknown operator {op!r}; valid: {' '.join(TEXT_OPERATORS)}")
        value = _string(item["value"], "value", MAX_VALUE)
        if not value:
            raise HTTPException(400, "a filter needs a value")
        raw.append((_string(item["field"], "field", 64), op, value))
    unlabelled = data.get("unlabelled", False)
    if not isinstance(unlabelled, bool):
        raise HTTPException(400, "'unlabelled' must be true or false")
    limit = data.get("limit", DEFAULT_RESULTS)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
        raise HTTPException(400, f"'limit' must be a whole number from 1 to {MAX_RESULTS}")
    return SearchRequest(resolve(raw, fields), keyword, unlabelled, limit)


def search_passages(project, queue: Queue, progress: Progress, request: SearchRequest,
                    passages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The queue's passages that meet the request, in queue order: how many, and the first `limit` with
    their document's title, author and date, a snippet around the keyword and the annotator's status."""
    found = matching(project, request.conditions) if request.conditions else queue.passage_ids
    ids = sorted((pid for pid in found if pid in queue.position), key=queue.position.__getitem__)
    if request.unlabelled:
        ids = [pid for pid in ids if not progress.done(pid)]
    matches = []
    for pid in ids[:request.limit]:
        p = passages[pid]
        matches.append({"id": pid, "position": queue.position[pid] + 1, "title": p["title"], "author": p["author"],
                        "date": p["date"], "snippet": snippet(p["text"], request.keyword),
                        "status": progress.statuses.get(pid)})
    return {"count": len(ids), "matches": matches, "truncated": len(ids) > request.limit}


def snippet(text: str, keyword: str) -> str:
    """About `SNIPPET` characters of `text` around the first occurrence of `keyword` (the start without one)."""
    at = text.lower().find(keyword.lower()) if keyword else -1
    start = max(0, at - SNIPPET // 3) if at > 0 else 0
    end = start + SNIPPET
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def field_choices(project, fields: Fields) -> list[dict[str, Any]]:
    """The fields the app's filters offer: name, operators, and the values to choose from (the codebook's
    for a dimension; a document field's or metadata key's own when it has at most `MAX_VALUES`)."""
    out = []
    for name in fields.names():
        if name == "text":
            continue
        dimension = next((d for d in fields.codebook.dimensions if d.name == name), None)
        if dimension is not None:
            out.append({"name": name, "label": f"{name} (predicted)", "ops": list(PREDICTION_OPERATORS),
                        "values": [v.name for v in dimension.values]})
            continue
        kind = "document" if name in DOCUMENT_COLUMNS else "meta"
        values = store_search.field_values(project.conn, kind, name, MAX_VALUES + 1)
        if kind == "document" and not values:
            continue  # a standard field no document has
        out.append({"name": name, "label": name, "ops": list(TEXT_OPERATORS),
                    "values": values if len(values) <= MAX_VALUES else []})
    return out
