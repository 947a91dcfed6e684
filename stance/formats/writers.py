"""Export: the project's current labels (or gold labels) as records, written in each format.

An export keeps label names (never internal ids), the passage id and text, the annotator, the
codebook version, the time and the note, so that the file re-imports without loss. A new format is
a writer function and an entry in `WRITERS` (and a reader in `readers.py`).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..errors import InputError
from ..spreadsheet import safe_cell
from .records import DOCUMENT_FIELDS, EXPORT_FORMATS, FIELDS, MULTI_SEP, NOTE_NAME, LabelRecord

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..store import Project


def export_records(project: Project, gold: bool = False) -> list[LabelRecord]:
    """Every annotator's current labels (or, with `gold`, the current gold labels with how each was
    reached: deciders, methods, and the codebook rule that settled each adjudicated dimension), in
    document order."""
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
                rule=_joined((f"{r['dimension']}: {r['rule']}" for r in rows if r.get("rule")), "; "),
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
    if rec.rule is not None:
        row["rule"] = rec.rule
    row.update((k, rec.meta.get(k)) for k in DOCUMENT_FIELDS)  # the document's title, author, date...
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
    columns = [*FIELDS, *(["method", "rule"] if any(r.method for r in records) else []), *DOCUMENT_FIELDS,
               *codebook.dimension_names]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for rec in records:
            writer.writerow({k: safe_cell(v) for k, v in _flat_row(rec, codebook, join_multi=True).items()})


def _write_parquet(records: list[LabelRecord], path: Path, codebook: Codebook) -> None:
    import pandas as pd

    columns = [*FIELDS, *(["method", "rule"] if any(r.method for r in records) else []), *DOCUMENT_FIELDS,
               *codebook.dimension_names]
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
                row["method"], row["rule"] = rec.method, rec.rule
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
            annotation["method"], annotation["rule"] = rec.method, rec.rule
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
