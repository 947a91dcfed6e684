"""Reading label files: one parser per format, each giving `LabelRecord`s with the file and line
of every record (passages not yet matched, values not yet checked: see `importing.py`)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import checks
from ..errors import InputError
from ..ingest import check_fields, csv_records, parse_json_object
from ..spreadsheet import restore_cell
from .records import DOCUMENT_FIELDS, FIELDS, IMPORT_FORMATS, NOTE_NAME, LabelRecord

if TYPE_CHECKING:
    from ..codebook import Codebook


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
    records, rows = [], []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+0085, U+2028 are text
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        row = parse_json_object(line, where)
        rows.append((where, row))
        records.append(LabelRecord(labels={d: row[d] for d in codebook.dimension_names
                                           if row.get(d) not in (None, "", [])},
                                   note=_str(row, "note", where) or "", **_common(row, where)))
    _check_dimension_columns(records, source, codebook)
    for where, row in rows:
        _check_field_names(row, where, codebook)
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
    _check_field_names(header, f"{source}: line 1", codebook)
    records = []
    for where, values in rows:
        row = {k: restore_cell(v) for k, v in check_fields(where, values, header).items()}  # see spreadsheet.py
        records.append(LabelRecord(labels={d: row[d] for d in dims if row[d].strip()},
                                   note=row.get("note", ""), **_common(row, where)))
    return records


def _check_field_names(names: Iterable[str], where: str, codebook: Codebook) -> None:
    """Refuse a field the format does not have (a misspelled dimension would otherwise be dropped unseen)."""
    known = {*FIELDS, *DOCUMENT_FIELDS, "method", "rule", *codebook.dimension_names}  # gold exports' extras
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = [f"{n!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(n, sorted(known), 1))
                 else repr(n) for n in unknown]
        raise InputError(f"{where}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(hints)[:300]}; "
                         f"fields are the codebook's dimensions ({', '.join(codebook.dimension_names)}) and "
                         f"{', '.join(FIELDS)}")


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
    tasks = checks.loads(text, source, max_depth=checks.MAX_DEPTH + 2)  # the list and task wrap a record
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
        if not isinstance(value, dict):
            raise InputError(f"{where}: result {str(name)[:60]!r}: 'value' must be an object, got "
                             f"{type(value).__name__}")
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
