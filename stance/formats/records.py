"""What every label format reads into and writes from: one annotator's labels for one passage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    rule: str | None = None  # gold exports: the codebook rule(s) that settled each dimension ("posture: P12; ...")


@dataclass
class ImportResult:
    """What an import did."""

    annotations: int = 0
    gold: int = 0
    unchanged: int = 0  # records already in the project (same passage, annotator, labels and time)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
