"""Import and export labels: Label Studio JSON, doccano JSONL, our own JSONL and CSV, and Parquet (export).

Every format follows one contract. An export keeps label names (never internal ids), the passage
id and text, the annotator, the codebook version, the time and the note, so that the file
re-imports without loss. An import matches passages by id (else by exact text), checks every
value against the codebook, names the file and line of the first problem, and writes everything
in one transaction: a bad file imports nothing.

Each format's reader and writer sit in this one module (more than the usual ~400 lines) so that
the two directions of a format can be read side by side; the contract tests check them as pairs.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .errors import InputError, LabelError
from .ingest import MAX_TEXT_BYTES, check_fields, csv_records, parse_json_object

if TYPE_CHECKING:
    from .codebook import Codebook
    from .store import Project

EXPORT_FORMATS = ("labelstudio", "doccano", "jsonl", "csv", "parquet")
IMPORT_FORMATS = ("labelstudio", "doccano", "jsonl", "csv")
FIELDS = ("passage_id", "doc_id", "text", "annotator", "codebook_version", "created_at", "note")
DOCUMENT_FIELDS = ("title", "outlet", "author", "date", "url")
NOTE_NAME = "note"  # Label Studio: a textarea with this from_name holds the annotator's note
MULTI_SEP = ";"


@dataclass
class LabelRecord:
    """One annotator's labels for one passage, as read from or written to a file."""

    labels: dict[str, Any]
    annotator: str | None = None
    passage_id: str | None = None
    doc_id: str | None = None
    text: str | None = None
    codebook_version: str | None = None
    created_at: str | None = None
    note: str = ""
    where: str = ""  # "file: line N", for error messages
    meta: dict[str, Any] = field(default_factory=dict)  # document metadata (exports)
    method: str | None = None  # gold exports: how the gold label was reached


@dataclass
class ImportResult:
    """What an import did."""

    annotations: int = 0
    gold: int = 0
    unchanged: int = 0  # records already in the project (same passage, annotator, labels and time)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


# -- export ------------------------------------------------------------------------------------------

def export_records(project: Project, gold: bool = False) -> list[LabelRecord]:
    """Every annotator's current labels (or, with `gold`, the current gold labels), in document order."""
    dims = project.codebook.dimension_names
    records: list[LabelRecord] = []
    if gold:
        by_passage: dict[str, list[Any]] = {}
        for row in store.current_gold(project.conn):
            if row["dimension"] in dims:
                by_passage.setdefault(row["passage_id"], []).append(row)
        for pid, rows in by_passage.items():
            records.append(LabelRecord(
                labels={r["dimension"]: r["value"] for r in rows},
                annotator=_joined(r["decided_by"] for r in rows), passage_id=pid,
                codebook_version=max(r["codebook_version"] for r in rows),
                created_at=max(r["created_at"] for r in rows), note=_joined((r["note"] for r in rows), " | "),
                method=_joined(r["method"] for r in rows),
            ))
    else:
        frame = project.current_annotations()
        for row, labels in zip(frame.itertuples(index=False), frame["labels"], strict=True):
            records.append(LabelRecord(
                labels={d: labels[d] for d in dims if d in labels}, annotator=row.annotator,
                passage_id=row.passage_id, codebook_version=row.codebook_version, created_at=row.created_at,
                note=row.note or "",
            ))
    passages = store.passage_details(project.conn, {r.passage_id for r in records})
    for rec in records:
        p = passages[rec.passage_id]
        rec.doc_id, rec.text = p["doc_id"], p["text"]
        rec.meta = {k: p[k] for k in DOCUMENT_FIELDS if p[k] not in (None, "")}
    records.sort(key=lambda r: (*passages[r.passage_id]["order"], r.annotator or ""))
    return records


def _joined(values: Iterable[str], sep: str = ";") -> str:
    return sep.join(dict.fromkeys(v for v in values if v))


def export_labels(project: Project, path: str | Path, fmt: str, gold: bool = False) -> int:
    """Write the project's labels to `path` in format `fmt`; returns the number of records written."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
    records = export_records(project, gold=gold)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        WRITERS[fmt](records, tmp, project.codebook)
        os.replace(tmp, path)  # never leave a half-written file under the real name
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return len(records)


def _flat_row(rec: LabelRecord, codebook: Codebook, join_multi: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"passage_id": rec.passage_id, "doc_id": rec.doc_id, "text": rec.text,
                           "annotator": rec.annotator, "codebook_version": rec.codebook_version,
                           "created_at": rec.created_at, "note": rec.note}
    if rec.method is not None:
        row["method"] = rec.method
    for dim in codebook.dimensions:
        value = rec.labels.get(dim.name)
        if join_multi and isinstance(value, list):
            value = MULTI_SEP.join(value)
        row[dim.name] = value
    return row


def _write_jsonl(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(_flat_row(rec, codebook, join_multi=False), ensure_ascii=False) + "\n")


def _write_csv(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    columns = [*FIELDS, *(["method"] if any(r.method for r in records) else []), *codebook.dimension_names]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for rec in records:
            writer.writerow(_flat_row(rec, codebook, join_multi=True))


def _write_parquet(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    import pandas as pd

    columns = [*FIELDS, *(["method"] if any(r.method for r in records) else []), *codebook.dimension_names]
    frame = pd.DataFrame([_flat_row(r, codebook, join_multi=False) for r in records], columns=columns)
    frame.to_parquet(path, index=False)


def _write_doccano(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for number, rec in enumerate(records, start=1):
            labels = [f"{dim}:{v}" for dim, value in rec.labels.items()
                      for v in (value if isinstance(value, list) else [value])]
            row = {"id": number, "text": rec.text, "label": labels, "Comments": [rec.note] if rec.note else [],
                   "passage_id": rec.passage_id, "doc_id": rec.doc_id, "annotator": rec.annotator,
                   "codebook_version": rec.codebook_version, "created_at": rec.created_at}
            if rec.method is not None:
                row["method"] = rec.method
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_labelstudio(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    tasks: dict[str, dict[str, Any]] = {}
    for rec in records:
        task = tasks.get(rec.passage_id)
        if task is None:
            task = tasks[rec.passage_id] = {
                "id": len(tasks) + 1,
                "data": {"text": rec.text, "passage_id": rec.passage_id, "doc_id": rec.doc_id, **rec.meta},
                "annotations": [],
            }
        result = [{"id": f"{dim}", "from_name": dim, "to_name": "text", "type": "choices", "origin": "manual",
                   "value": {"choices": value if isinstance(value, list) else [value]}}
                  for dim, value in rec.labels.items()]
        if rec.note:
            result.append({"id": NOTE_NAME, "from_name": NOTE_NAME, "to_name": "text", "type": "textarea",
                           "origin": "manual", "value": {"text": [rec.note]}})
        annotation = {"id": sum(len(t["annotations"]) for t in tasks.values()) + 1, "annotator": rec.annotator,
                      "created_at": rec.created_at, "codebook_version": rec.codebook_version,
                      "was_cancelled": False, "result": result}
        if rec.method is not None:
            annotation["method"] = rec.method
        task["annotations"].append(annotation)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        json.dump(list(tasks.values()), f, ensure_ascii=False, indent=1)
        f.write("\n")


def labelstudio_config(codebook: Codebook) -> str:
    """A Label Studio labeling config (XML) for the codebook: one Choices block per dimension and a note."""
    from xml.sax.saxutils import quoteattr

    parts = ['<View>', '  <Text name="text" value="$text"/>']
    for dim in codebook.dimensions:
        choice = "multiple" if dim.multi else "single"
        parts.append(f'  <Header value={quoteattr(dim.question or dim.name)}/>')
        parts.append(f'  <Choices name={quoteattr(dim.name)} toName="text" choice="{choice}" showInline="true">')
        parts += [f'    <Choice value={quoteattr(v.name)} hint={quoteattr(v.definition)}/>' for v in dim.values]
        parts.append('  </Choices>')
    parts.append(f'  <TextArea name="{NOTE_NAME}" toName="text" placeholder="note" maxSubmissions="1"/>')
    parts.append('</View>')
    return "\n".join(parts) + "\n"


WRITERS: dict[str, Callable[[list[LabelRecord], Path, Codebook], None]] = {
    "labelstudio": _write_labelstudio, "doccano": _write_doccano, "jsonl": _write_jsonl, "csv": _write_csv,
    "parquet": _write_parquet,
}


# -- reading -----------------------------------------------------------------------------------------

def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{source}: line {line}: not UTF-8 ({exc.reason} at byte {exc.start}); label files must "
                         "be UTF-8: convert it first, e.g. iconv -f windows-1252 -t utf-8") from None
    if not text.strip():
        raise InputError(f"{source}: file is empty")
    return text


def _str(row: dict[str, Any], key: str, where: str) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise InputError(f"{where}: field {key!r} must be text, got {type(value).__name__}")
    return str(value)


def _common(row: dict[str, Any], where: str) -> dict[str, Any]:
    return {"passage_id": _str(row, "passage_id", where), "doc_id": _str(row, "doc_id", where),
            "text": _str(row, "text", where), "annotator": _str(row, "annotator", where),
            "codebook_version": _str(row, "codebook_version", where),
            "created_at": _str(row, "created_at", where), "where": where}


def _read_jsonl(text: str, source: str, codebook: Codebook) -> list[LabelRecord]:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+0085, U+2028 are text
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        row = parse_json_object(line, where)
        records.append(LabelRecord(labels={d: row[d] for d in codebook.dimension_names
                                           if row.get(d) not in (None, "", [])},
                                   note=_str(row, "note", where) or "", **_common(row, where)))
    _check_dimension_columns(records, source, codebook)
    return records


def _read_csv(text: str, source: str, codebook: Codebook) -> list[LabelRecord]:
    header, rows = csv_records(text, source)
    if "passage_id" not in header and "text" not in header:
        raise InputError(f"{source}: no column 'passage_id' or 'text' to find the passages by; columns are: "
                         f"{', '.join(header)}")
    dims = [d for d in codebook.dimension_names if d in header]
    if not dims:
        raise InputError(f"{source}: no label columns; expected one or more of: "
                         f"{', '.join(codebook.dimension_names)} (columns are: {', '.join(header)})")
    records = []
    for where, values in rows:
        row = check_fields(where, values, header)
        records.append(LabelRecord(labels={d: row[d] for d in dims if row[d].strip()},
                                   note=row.get("note", ""), **_common(row, where)))
    return records


def _check_dimension_columns(records: list[LabelRecord], source: str, codebook: Codebook) -> None:
    if records and not any(r.labels for r in records):
        raise InputError(f"{source}: no labels found; expected fields named after the codebook's dimensions: "
                         f"{', '.join(codebook.dimension_names)}")


def _read_doccano(text: str, source: str, codebook: Codebook) -> list[LabelRecord]:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+0085, U+2028 are text
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        row = parse_json_object(line, where)
        raw = row.get("label", row.get("labels"))
        if raw is None:
            raise InputError(f"{where}: no 'label' field (doccano text classification exports have "
                             "\"label\": [\"dimension:value\", ...])")
        if not isinstance(raw, list):
            raise InputError(f"{where}: 'label' must be a list of \"dimension:value\" strings, got "
                             f"{type(raw).__name__}")
        labels: dict[str, list[str]] = {}
        for item in raw:
            dim, sep, value = str(item).partition(":")
            if not sep or not value:
                raise InputError(f"{where}: label {item!r} is not \"dimension:value\" (dimensions: "
                                 f"{', '.join(codebook.dimension_names)})")
            labels.setdefault(dim.strip(), []).append(value.strip())
        comments = row.get("Comments") or row.get("comments") or []
        note = _str(row, "note", where) or "\n".join(
            str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in comments)
        records.append(LabelRecord(labels=labels, note=note, **_common(row, where)))
    return records


def _array_lines(text: str) -> list[int]:
    """Line number of each element of a top-level JSON array (the text is known to be valid JSON)."""
    decoder = json.JSONDecoder()
    lines, i, line, counted = [], 0, 1, 0
    n = len(text)

    def skip(i: int) -> int:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        return i

    i = skip(text.find("[") + 1)
    while i < n and text[i] != "]":
        line += text.count("\n", counted, i)
        counted = i
        lines.append(line)
        _, i = decoder.raw_decode(text, i)
        i = skip(i)
    return lines


def _read_labelstudio(text: str, source: str, codebook: Codebook) -> list[LabelRecord]:
    try:
        tasks = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: line {exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if isinstance(tasks, dict):
        tasks, lines = [tasks], [1]
    elif isinstance(tasks, list):
        lines = _array_lines(text)
    else:
        raise InputError(f"{source}: expected a list of Label Studio tasks, got {type(tasks).__name__}")
    records = []
    for number, (task, line) in enumerate(zip(tasks, lines, strict=True), start=1):
        where = f"{source}: line {line} (task {number})"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(f"{where}: expected a task object with a 'data' object")
        data = task["data"]
        annotations = task.get("annotations") or task.get("completions") or []
        if not isinstance(annotations, list):
            raise InputError(f"{where}: 'annotations' must be a list")
        for k, ann in enumerate(annotations, start=1):
            here = f"{source}: line {line} (task {number}, annotation {k})"
            if not isinstance(ann, dict):
                raise InputError(f"{here}: expected an object")
            if ann.get("was_cancelled"):
                records.append(LabelRecord(labels={}, where=here, note="cancelled (skipped) in Label Studio"))
                continue
            labels, note = _labelstudio_result(ann.get("result") or [], here)
            common = _common({**data, **{k2: ann.get(k2) for k2 in ("annotator", "codebook_version", "created_at")}},
                             here)
            common["annotator"] = common["annotator"] or _labelstudio_user(ann.get("completed_by"))
            records.append(LabelRecord(labels=labels, note=note, **common))
    return records


def _labelstudio_result(result: Any, where: str) -> tuple[dict[str, Any], str]:
    if not isinstance(result, list):
        raise InputError(f"{where}: 'result' must be a list")
    labels: dict[str, Any] = {}
    notes: list[str] = []
    for item in result:
        if not isinstance(item, dict):
            raise InputError(f"{where}: every result must be an object")
        kind, name, value = item.get("type"), item.get("from_name"), item.get("value") or {}
        if kind == "choices":
            choices = value.get("choices")
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                raise InputError(f"{where}: result {name!r}: 'value.choices' must be a list of strings")
            labels.setdefault(str(name), []).extend(choices)
        elif kind == "textarea" and name == NOTE_NAME:
            texts = value.get("text") or []
            notes.extend(str(t) for t in (texts if isinstance(texts, list) else [texts]))
        else:
            raise InputError(f"{where}: unsupported result type {kind!r} (from_name {name!r}); only 'choices' "
                             f"results and a textarea named {NOTE_NAME!r} are read")
    return labels, "\n".join(notes)


def _labelstudio_user(completed_by: Any) -> str | None:
    if isinstance(completed_by, dict):
        for key in ("email", "username", "first_name"):
            if completed_by.get(key):
                return str(completed_by[key])
        completed_by = completed_by.get("id")
    if completed_by not in (None, ""):
        return f"labelstudio-user-{completed_by}"
    return None


READERS: dict[str, Callable[[str, str, Codebook], list[LabelRecord]]] = {
    "labelstudio": _read_labelstudio, "doccano": _read_doccano, "jsonl": _read_jsonl, "csv": _read_csv,
}


def read_labels(path: str | Path, fmt: str, codebook: Codebook) -> list[LabelRecord]:
    """Parse a label file into records (passages not yet matched, values not yet checked)."""
    if fmt not in READERS:
        raise InputError(f"unknown import format {fmt!r}; valid: {', '.join(IMPORT_FORMATS)}")
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return READERS[fmt](_decode(data, str(path)), str(path), codebook)


# -- import ------------------------------------------------------------------------------------------

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
                  as_gold: bool = False, skip_unknown: bool = False) -> ImportResult:
    """Import a label file as annotations (source "import"), and also as gold with `as_gold`.

    `annotator` names the annotator of every record (default: the name in the file). Passages are
    matched by passage_id, else by exact text; an unknown passage is an error naming the line unless
    `skip_unknown`. Re-importing the same file adds nothing. One transaction: a bad file imports nothing.
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
        _check_time(rec)
        who = (annotator or rec.annotator or "").strip()
        if not who:
            raise InputError(f"{rec.where}: no annotator in the file; name one with --annotator NAME")
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
        ready.append((rec, pid, labels, who))
    if as_gold:
        _check_gold_conflicts(ready)
    with project.transaction() as conn:
        for rec, pid, labels, who in ready:
            labels_json = json.dumps(labels, ensure_ascii=False)
            if _already_there(conn, pid, who, labels_json, rec):
                result.unchanged += 1
            else:
                project.add_annotation(pid, who, labels, note=rec.note, source="import", conn=conn,
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
