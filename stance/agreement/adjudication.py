"""Adjudication: list where annotators disagree, record the adjudicator's decision as gold, and
promote unanimous labels to gold. Every gold row records how it was reached (`method`) and by whom.

`stance agree` and the adjudication web app (`stance adjudicate`, which only adds HTTP) both call
these functions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import store
from ..errors import InputError, LabelError
from .statistics import label_table, show_value

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..store import Project

MAX_RULE = 200
DEFINITION = "definition"  # cited when a value's definition, not a numbered rule, settled the case

DISAGREEMENT_COLUMNS = ["passage_id", "doc_id", "seq", "title", "text", "dimension", "choices", "values",
                        "n_annotators", "gold", "gold_method"]


def _gold_state(project: Project) -> tuple[dict[tuple[str, str], tuple[Any, str]], set[tuple[str, str]]]:
    """({(passage, dimension): (current gold value, its method)}, {(passage, dimension) ever adjudicated})."""
    latest = {(r["passage_id"], r["dimension"]): (r["value"], r["method"]) for r in store.current_gold(project.conn)}
    return latest, store.adjudicated_keys(project.conn)


def _as_json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _same(a: Any, b: Any) -> bool:
    norm = lambda v: tuple(sorted(v)) if isinstance(v, (list, tuple)) else v  # noqa: E731
    return norm(a) == norm(b)


def disagreements(project: Project, dimensions: list[str] | None = None,
                  annotators: list[str] | None = None) -> pd.DataFrame:
    """Passages labelled by two or more annotators who disagree, and not adjudicated yet.

    One row per passage and dimension, in document order, with `choices` = {annotator: value}
    (multi-valued values as lists), the distinct `values` chosen, and the current gold label if any.
    """
    table = label_table(project, dimensions, annotators, shared_only=True)
    latest, adjudicated = _gold_state(project)
    found: list[tuple[str, str, dict[str, Any]]] = []
    for dim, by_passage in table.items():
        for pid, choices in by_passage.items():
            if len(choices) >= 2 and len(set(choices.values())) > 1 and (pid, dim) not in adjudicated:
                found.append((pid, dim, choices))
    if not found:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    info = store.passage_details(project.conn, {pid for pid, _, _ in found})
    order = {d: i for i, d in enumerate(project.codebook.dimension_names)}
    rows = []
    for pid, dim, choices in found:
        p = info[pid]
        gold, method = latest.get((pid, dim), (None, None))
        rows.append({
            "passage_id": pid, "doc_id": p["doc_id"], "seq": p["seq"], "title": p["title"], "text": p["text"],
            "dimension": dim,
            "choices": {a: _as_json_value(v) for a, v in sorted(choices.items())},
            "values": sorted({show_value(v) for v in choices.values()}),
            "n_annotators": len(choices), "gold": gold, "gold_method": method,
            "_key": (*p["order"], order.get(dim, 99)),
        })
    rows.sort(key=lambda r: r["_key"])
    frame = pd.DataFrame(rows).drop(columns="_key")
    return frame[DISAGREEMENT_COLUMNS].reset_index(drop=True)


def check_rule(codebook: Codebook, rule: Any) -> str:
    """The codebook rule(s) an adjudicator cites, as stored: ids joined by '/' ("P6/P1"). Accepts a list
    of ids or a string of ids separated by '/', ',', '+' or spaces; the word "definition" stands for a
    value's definition. Empty when nothing is cited. Anything else is a LabelError naming the valid ids."""
    if rule is None or rule == "" or rule == []:
        return ""
    if isinstance(rule, str) and len(rule) <= MAX_RULE:
        parts = re.split(r"[/,+\s]+", rule.strip())
    elif isinstance(rule, list) and all(isinstance(r, str) for r in rule) and len(rule) <= 20:
        parts = [r.strip() for r in rule]
    else:
        raise LabelError(f"'rule' must be a rule id such as 'P12' or a list of them (at most {MAX_RULE} characters)")
    known = {r.id.upper(): r.id for d in codebook.dimensions for r in d.rules}
    cited = []
    for part in (p for p in parts if p):
        name = DEFINITION if part.lower() == DEFINITION else known.get(part.upper())
        if name is None:
            raise LabelError(f"unknown rule {part[:40]!r} in codebook {codebook.name!r} version {codebook.version}; "
                             f"its rules: {', '.join(known.values()) or 'none'} (or '{DEFINITION}')")
        if name not in cited:
            cited.append(name)
    return "/".join(cited)


def resolve(project: Project, passage_id: str, dimension: str, value: Any, adjudicator: str,
            note: str = "", rule: Any = "") -> int:
    """Record the adjudicator's choice as the gold label (method "adjudicated") with the codebook rule(s)
    that settled it; returns the gold row id.

    The value is checked against the codebook (a list or ';'-joined string for multi-valued dimensions),
    and so is the rule (`check_rule`). Resolving a passage and dimension again appends a new gold row
    that becomes the current one; the earlier decision stays in the history (`store.gold_history`).
    """
    if not adjudicator or not str(adjudicator).strip():
        raise InputError("resolve needs the adjudicator's name")
    project.codebook.dimension(dimension)  # unknown dimension: LabelError naming the valid ones
    cited = check_rule(project.codebook, rule)
    if not store.passage_exists(project.conn, passage_id):
        raise InputError(f"unknown passage {passage_id!r}: it is not in the project")
    return project.add_gold(passage_id, dimension, value, method="adjudicated",
                            decided_by=str(adjudicator).strip(), note=note, rule=cited)


def promote_unanimous(project: Project, min_annotators: int = 2, dimensions: list[str] | None = None,
                      annotators: list[str] | None = None) -> int:
    """Make gold of every label on which all of a passage's annotators agree; returns gold rows added.

    Needs at least `min_annotators` (and never fewer than two) annotators on the passage. Idempotent:
    a passage whose current gold already has that value gets no new row. Gold reached another way
    (adjudicated, imported, from the corpus) is never overridden; a stale unanimous gold (the
    annotators have since changed their labels, and agree again) is replaced.
    """
    need = max(2, int(min_annotators))
    table = label_table(project, dimensions, annotators, shared_only=True)
    added = 0
    with project.transaction() as conn:
        latest, adjudicated = _gold_state(project)
        for dim, by_passage in table.items():
            for pid, choices in by_passage.items():
                values = set(choices.values())
                if len(choices) < need or len(values) != 1 or (pid, dim) in adjudicated:
                    continue
                value = _as_json_value(values.pop())
                current = latest.get((pid, dim))
                if current is not None and (_same(current[0], value) or current[1] != "unanimous"):
                    continue
                project.add_gold(pid, dim, value, method="unanimous", decided_by=",".join(sorted(choices)),
                                 note=f"unanimous: {len(choices)} annotators", conn=conn)
                added += 1
    return added


def promote_single(project: Project, annotator: str, dimensions: list[str] | None = None,
                   decided_by: str | None = None) -> int:
    """Make gold of `annotator`'s labels on the passages that no one else has labelled (method 'single',
    decided by `decided_by`, by default the annotator); returns gold rows added.

    A deliberate decision to accept one reader's reading where there is no second one, recorded as
    such (method, who decided, when, codebook version), so that gold reached by agreement or
    adjudication stays distinguishable. The one path from a lone annotator's labels to gold: `stance
    gold --from` and `stance agree --promote-single` both call it. Never overrides an existing gold
    label; a passage with a second annotator is left to agreement and adjudication.
    """
    decider = (decided_by or annotator).strip()
    table = label_table(project, dimensions, [annotator])
    everyone = label_table(project, dimensions)
    note = f"single reader: {annotator}'s label (no second reading)"
    if decider != annotator:
        note += f", accepted by {decider}"
    added = 0
    with project.transaction() as conn:
        latest, _adjudicated = _gold_state(project)
        for dim, by_passage in table.items():
            for pid, choices in by_passage.items():
                if set(everyone[dim].get(pid, {})) != {annotator} or (pid, dim) in latest:
                    continue
                project.add_gold(pid, dim, _as_json_value(choices[annotator]), method="single", decided_by=decider,
                                 note=note, conn=conn)
                added += 1
    return added
