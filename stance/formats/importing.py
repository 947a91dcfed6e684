"""Import: match each record of a label file to a project passage (by id, else by exact text), check
its values against the codebook, and store everything in one transaction (a bad file imports nothing)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..checks import check_name
from ..errors import InputError, LabelError
from ..ingest import MAX_TEXT_BYTES
from .readers import read_labels
from .records import ImportResult, LabelRecord

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..store import Project


def _check_sizes(rec: LabelRecord) -> None:
    fields = {"text": rec.text, "note": rec.note, "annotator": rec.annotator, "passage_id": rec.passage_id}
    for name, value in fields.items():
        if value and len(value.encode("utf-8")) > MAX_TEXT_BYTES:
            raise InputError(f"{rec.where}: field {name!r} is {len(value.encode('utf-8')):,} bytes, over the "
                             f"{MAX_TEXT_BYTES:,}-byte limit")


def _clean_labels(rec: LabelRecord, codebook: Codebook) -> dict[str, Any]:
    clean = {}
    for dim_name, value in rec.labels.items():
        try:
            dim = codebook.dimension(dim_name)
            if isinstance(value, list) and not dim.multi:
                if len(value) != 1:
                    raise LabelError(f"dimension {dim_name!r} takes one value, got {value!r}")
                value = value[0]
            if isinstance(value, str) and not dim.multi:
                value = value.strip()
            clean[dim_name] = codebook.validate_label(dim_name, value)
        except LabelError as exc:
            raise InputError(f"{rec.where}: {exc}") from None
    return clean


def _normal_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _find_passages(project: Project, records: list[LabelRecord]) -> tuple[set[str], dict[str, list[tuple[str, str]]]]:
    """(ids of the records' passage_ids that exist, {text: [(passage id, doc id)]} for the records' texts)."""
    known = store.known_passages(project.conn, {r.passage_id for r in records if r.passage_id})
    texts = {_normal_text(r.text) for r in records if r.text and r.passage_id not in known}
    return known, store.passages_by_text(project.conn, texts)


def _match(rec: LabelRecord, known: set[str], by_text: dict[str, list[tuple[str, str]]]) -> str | None:
    """The project passage of a record, None when there is none; raises when the text is ambiguous."""
    if rec.passage_id and rec.passage_id in known:
        return rec.passage_id
    if not rec.text:
        return None
    hits = by_text.get(_normal_text(rec.text), [])
    if rec.doc_id and len(hits) > 1:
        hits = [h for h in hits if h[1] == rec.doc_id] or hits
    if len(hits) > 1:
        raise InputError(f"{rec.where}: the text matches {len(hits)} passages ({', '.join(h[0] for h in hits[:5])}); "
                         "add a passage_id to say which")
    return hits[0][0] if hits else None


def _check_time(rec: LabelRecord) -> None:
    if rec.created_at:
        try:
            datetime.fromisoformat(rec.created_at)
        except ValueError:
            raise InputError(f"{rec.where}: created_at {rec.created_at!r} is not an ISO 8601 date-time") from None


def import_labels(project: Project, path: str | Path, fmt: str, annotator: str | None = None,
                  as_gold: bool = False, skip_unknown: bool = False, partial: bool = False,
                  only: set[str] | None = None, only_what: str = "the selected passages",
                  source: str = "import") -> ImportResult:
    """Import a label file as annotations (source "import"), and also as gold with `as_gold`.

    `source` "relabel" (`store.RELABEL`) records the labels as re-readings of passages already labelled
    (for instance under a newer codebook): kept in the history and as gold, left out of agreement.

    `annotator` names the annotator of every record (default: the name in the file). Passages are
    matched by passage_id, else by exact text; an unknown passage is an error naming the line unless
    `skip_unknown`. A record must label every dimension of the codebook unless `partial` (a dimension
    left out by mistake would otherwise pass unseen). With `only` (e.g. the validation sample), a
    passage outside it is an error too. Re-importing the same file adds nothing. One transaction: a bad
    file imports nothing.
    """
    codebook = project.codebook
    records = read_labels(path, fmt, codebook)
    if not records:
        raise InputError(f"{path}: no labels found")
    result = ImportResult()
    known, by_text = _find_passages(project, records)
    ready: list[tuple[LabelRecord, str, dict[str, Any], str]] = []
    for rec in records:
        _check_sizes(rec)
        if not rec.labels:
            result.skipped.append((rec.where, rec.note or "no labels"))
            continue
        labels = _clean_labels(rec, codebook)
        missing = [d for d in codebook.dimension_names if d not in labels]
        if missing and not partial:
            raise InputError(f"{rec.where}: no value for {', '.join(missing)}; label every dimension, or pass "
                             "--partial to import labels of some dimensions only")
        _check_time(rec)
        who = (annotator or rec.annotator or "").strip()
        if not who:
            raise InputError(f"{rec.where}: no annotator in the file; name one with --annotator NAME")
        check_name(who, rec.where)
        pid = _match(rec, known, by_text)
        if pid is None and not rec.passage_id and not rec.text:
            raise InputError(f"{rec.where}: no passage_id or text to find the passage by")
        if pid is None:
            what = f"passage {rec.passage_id!r}" if rec.passage_id else "text " + repr(_short(rec.text or ""))
            if not skip_unknown:
                raise InputError(f"{rec.where}: {what} is not in the project; ingest its document first, "
                                 "or use --skip-unknown")
            result.skipped.append((rec.where, f"{what} is not in the project"))
            continue
        if only is not None and pid not in only:
            raise InputError(f"{rec.where}: passage {pid!r} is not in {only_what}; nothing was imported")
        ready.append((rec, pid, labels, who))
    if as_gold:
        _check_gold_conflicts(ready)
    with project.transaction() as conn:
        for rec, pid, labels, who in ready:
            labels_json = json.dumps(labels, ensure_ascii=False)
            if _already_there(conn, pid, who, labels_json, rec):
                result.unchanged += 1
            else:
                project.add_annotation(pid, who, labels, note=rec.note, source=source, conn=conn,
                                       created_at=rec.created_at, codebook_version=rec.codebook_version)
                result.annotations += 1
            if as_gold:
                for dim, value in labels.items():
                    has_gold, current = store.current_gold_value(conn, pid, dim)
                    if has_gold and current == value:
                        continue
                    project.add_gold(pid, dim, value, method="imported", decided_by=who, note=rec.note, conn=conn,
                                     created_at=rec.created_at, codebook_version=rec.codebook_version)
                    result.gold += 1
    return result


def _check_gold_conflicts(ready: list[tuple[LabelRecord, str, dict[str, Any], str]]) -> None:
    """Gold is one label per passage and dimension: refuse a file whose records disagree."""
    seen: dict[tuple[str, str], tuple[Any, LabelRecord, str]] = {}
    for rec, pid, labels, who in ready:
        for dim, value in labels.items():
            first = seen.setdefault((pid, dim), (value, rec, who))
            if first[0] != value:
                raise InputError(
                    f"{rec.where}: --as-gold, but passage {pid} has {dim} {first[0]!r} from {first[2]} "
                    f"({first[1].where.rsplit(': ', 1)[-1]}) and {value!r} from {who}; import the labels as "
                    "annotations and adjudicate them (stance agree), or import one annotator's labels as gold"
                )


def _already_there(conn: Any, pid: str, who: str, labels_json: str, rec: LabelRecord) -> bool:
    """True when this annotator's current label of the passage, or a row with the same time, is the record."""
    last = store.current_row(conn, who, pid)
    if last is not None and last["status"] == "labelled" and last["labels_json"] == labels_json \
            and last["note"] == (rec.note or ""):
        return True
    return bool(rec.created_at) and store.has_annotation_at(conn, pid, who, labels_json, rec.created_at)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."
