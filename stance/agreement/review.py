"""What an adjudicator sees: one disagreement with everything needed to decide it, a whole batch of
them at a glance, and the decisions already taken (to check or re-resolve them).

An item shows the passage with the passages before and after it in its document, who speaks (the
document's author and, where the corpus records them, the speaker's post and country), every
annotator's labels on every dimension with their notes (a disagreement on posture is often explained
by how the readers read intervention), the current gold of each dimension, and the dimension's
definitions and decision rules. The decisions themselves go through `stance.agreement.adjudication`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import store
from ..errors import InputError
from .adjudication import disagreements
from .statistics import show_value

if TYPE_CHECKING:
    from ..store import Project

SPEAKER_META = ("speaker_post", "country", "speaker")  # document metadata that says who speaks, when present
MAX_BATCH = 500


def _speaker(details: dict[str, Any], meta: dict[str, Any]) -> str | None:
    parts = [details.get("author")] + [meta.get(k) for k in SPEAKER_META]
    seen: list[str] = []
    for p in parts:
        if p and str(p) not in seen:
            seen.append(str(p))
    return ", ".join(seen) or None


def passage_view(project: Project, passage_id: str, dimension: str) -> dict[str, Any]:
    """One passage and dimension as the adjudicator sees it (open or already decided)."""
    dim = project.codebook.dimension(dimension)  # unknown dimension: LabelError naming the valid ones
    details = store.passage_details(project.conn, [passage_id]).get(passage_id)
    if details is None:
        raise InputError(f"unknown passage {passage_id!r}: it is not in the project")
    context = store.passage_context(project.conn, passage_id)
    labels = store.passage_labels(project.conn, passage_id)
    histories = {d.name: store.gold_history(project.conn, passage_id, d.name) for d in project.codebook.dimensions}
    gold = {name: rows[-1] for name, rows in histories.items() if rows}
    history = histories[dim.name]
    return {
        "passage_id": passage_id, "dimension": dim.name, "question": dim.question, "multi": dim.multi,
        "text": details["text"], "title": details.get("title"), "outlet": details.get("outlet"),
        "date": details.get("date"), "speaker": _speaker(details, context.get("meta", {})),
        "context": {"previous": context.get("previous"), "next": context.get("next")},
        "choices": [{"annotator": a, "value": got["labels"].get(dim.name), "note": got["note"]}
                    for a, got in labels.items() if got["labels"].get(dim.name) not in (None, "", [])],
        "other_dimensions": [
            {"dimension": d.name,
             "labels": {a: got["labels"].get(d.name) for a, got in labels.items()},
             "gold": gold[d.name]["value"] if d.name in gold else None}
            for d in project.codebook.dimensions if d.name != dim.name],
        "gold": gold[dim.name]["value"] if dim.name in gold else None,
        "decisions": [{"value": h["value"], "method": h["method"], "decided_by": h["decided_by"], "rule": h["rule"],
                       "note": h["note"], "created_at": h["created_at"]} for h in history],
        "values": [{"name": v.name, "key": v.key, "definition": v.definition} for v in dim.values],
        "rules": [{"id": r.id, "text": r.text} for r in dim.rules],
    }


def review_item(project: Project, index: int = 0, passage_id: str | None = None,
                dimension: str | None = None) -> dict[str, Any]:
    """{"open": disagreements left, "index", "item"}: the `index`-th open disagreement (clamped to the
    list), or the given passage and dimension whether open or decided (to re-resolve it; "index" is its
    place among the open ones, or None). "item" is None when none is open and none was asked for."""
    open_items = disagreements(project)
    out: dict[str, Any] = {"open": len(open_items), "index": None, "item": None}
    if passage_id is not None and dimension is not None:
        where = open_items.index[(open_items["passage_id"] == passage_id) & (open_items["dimension"] == dimension)]
        out["index"] = int(where[0]) if len(where) else None
        out["item"] = passage_view(project, passage_id, dimension)
        return out
    if open_items.empty:
        return out
    index = min(max(index, 0), len(open_items) - 1)
    row = open_items.iloc[index]
    out["index"] = index
    out["item"] = passage_view(project, row["passage_id"], row["dimension"])
    return out


def batch(project: Project, offset: int = 0, limit: int = 100, decided: bool = False) -> dict[str, Any]:
    """A page of the open disagreements (or, with `decided`, of the adjudicated decisions), one short
    row each, so that an adjudicator can see a whole batch and jump to any item."""
    limit = min(max(int(limit), 1), MAX_BATCH)
    offset = max(int(offset), 0)
    if decided:
        rows = [r for r in store.current_gold(project.conn) if r["method"] == "adjudicated"]
        page = rows[offset:offset + limit]
        info = store.passage_details(project.conn, {r["passage_id"] for r in page})
        items = [{"passage_id": r["passage_id"], "dimension": r["dimension"],
                  "title": info.get(r["passage_id"], {}).get("title"),
                  "text": _excerpt(info.get(r["passage_id"], {}).get("text", "")),
                  "gold": r["value"], "rule": r["rule"], "note": r["note"], "decided_by": r["decided_by"],
                  "created_at": r["created_at"]} for r in page]
        return {"total": len(rows), "offset": offset, "limit": limit, "items": items}
    frame = disagreements(project)
    page = frame.iloc[offset:offset + limit]
    items = [{"index": int(i), "passage_id": r.passage_id, "dimension": r.dimension, "title": r.title,
              "text": _excerpt(r.text), "choices": {a: show_value(v) for a, v in r.choices.items()}}
             for i, r in zip(page.index, page.itertuples(), strict=True)]
    return {"total": len(frame), "offset": offset, "limit": limit, "items": items}


def _excerpt(text: str, width: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
