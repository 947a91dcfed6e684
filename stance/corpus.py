"""The embedded corpus: the four seed documents with gold labels, and written codebook examples.

It ships inside the wheel (as ``stance/_corpus``) and sits at ``corpus/`` in a checkout, so that
`stance demo` works after a plain install. Written examples are marked ``is_example`` and carry
``written_for_codebook: true``; they are never reported as real-world text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .codebook import load_codebook
from .errors import InputError
from .ingest import Document, make_document
from .store import RELABEL, gold_passages

EXAMPLES_OUTLET = "codebook examples (written by the team)"


def corpus_dir() -> Path:
    """Where the embedded corpus lives: inside the installed package, else the checkout's corpus/."""
    packaged = Path(str(resources.files("stance") / "_corpus"))
    if (packaged / "documents.jsonl").exists():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "corpus"
    if (checkout / "documents.jsonl").exists():
        return checkout
    raise InputError("the embedded corpus is missing (no corpus/documents.jsonl); reinstall policy-stance")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """A JSON Lines file as dicts; a bad line is an InputError naming the file and line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
    return rows


@dataclass
class GoldRow:
    """One gold-labelled passage of the corpus, matched to its document passage."""

    passage_id: str
    labels: dict[str, Any]
    annotator: str
    date: str
    note: str
    codebook_version: str


@dataclass
class EmbeddedCorpus:
    documents: list[Document]
    gold: list[GoldRow]


SEED_META = ("title", "title_supplied", "outlet", "author", "date", "date_inferred", "date_note",
             "source_file", "source_lines", "doc_key")
EXAMPLE_META = ("genre", "subject", "written_for_codebook", "source")


def load_corpus(path: Path | None = None, dimensions: list[str] | None = None) -> EmbeddedCorpus:
    """Read documents.jsonl, gold.jsonl and examples/*.jsonl and tie each gold row to its passage."""
    root = path or corpus_dir()
    docs: list[Document] = []
    gold: list[GoldRow] = []
    by_key: dict[str, Document] = {}
    for row in read_jsonl(root / "documents.jsonl"):
        meta = {k: row.get(k) for k in SEED_META}
        meta["source_lines"] = json.dumps(row.get("source_lines"))
        doc = make_document(row["text"], f"corpus/{row['source_file']}", meta)
        docs.append(doc)
        by_key[row["doc_key"]] = doc
    gold_path = root / "gold.jsonl"
    for number, row in enumerate(read_jsonl(gold_path) if gold_path.exists() else [], start=1):
        doc = by_key.get(row["doc_key"])
        if doc is None:
            raise InputError(f"{gold_path}: line {number}: unknown doc_key {row['doc_key']!r}")
        try:
            passage = doc.passages[row["paragraph"]]
        except IndexError:
            raise InputError(f"{gold_path}: line {number}: document {row['doc_key']} has no paragraph "
                             f"{row['paragraph']}") from None
        if passage.text != row["text"]:
            raise InputError(f"{gold_path}: line {number}: text does not match paragraph {row['paragraph']} "
                             f"of {row['doc_key']}")
        gold.append(_gold_row(passage.id, row, dimensions))
    for part in sorted((root / "examples").glob("*.jsonl")) if (root / "examples").exists() else []:
        for row in read_jsonl(part):
            meta = {k: row.get(k) for k in EXAMPLE_META}
            meta.update(outlet=EXAMPLES_OUTLET, title=f"codebook example {row['id']}", external_id=row["id"])
            doc = make_document(row["text"], f"corpus/examples/{part.name}", meta, is_example=True)
            docs.append(doc)
            gold.append(_gold_row(doc.passages[0].id, row, dimensions))
    return EmbeddedCorpus(docs, gold)


def _gold_row(passage_id: str, row: dict[str, Any], dimensions: list[str] | None) -> GoldRow:
    dims = dimensions or load_codebook().dimension_names
    return GoldRow(
        passage_id=passage_id,
        labels={d: row[d] for d in dims if d in row},
        annotator=row.get("annotator", "unknown"),
        date=row.get("date", ""),
        note=row.get("note", ""),
        codebook_version=str(row.get("codebook_version", "")),
    )


def relabel_files(path: Path | None = None) -> list[Path]:
    """The corpus's relabel files (``relabels/*.jsonl``, oldest first): labels that a reader changed by
    reading a passage again under a newer codebook, each line in `stance import-labels` JSONL form with
    the reader, time, codebook version and, in the note, the reason."""
    folder = (path or corpus_dir()) / "relabels"
    return sorted(folder.glob("*.jsonl")) if folder.exists() else []


def load_into(project: Any, path: Path | None = None) -> tuple[int, int]:
    """Add the embedded corpus to a project: documents, and their gold labels both as the annotator's
    annotation and as gold (method 'corpus'), in one transaction; then each relabel file through
    `stance import-labels --relabel` (the relabeller's annotation with source 'relabel', and gold with
    method 'imported' where the value changed), so that the history keeps both and agreement counts only
    the independent readings. A relabel made under another codebook version than the
    project's is left out. Returns (documents, gold passages)."""
    added, count = _load_gold(project, path)
    from .formats.importing import import_labels

    for file in relabel_files(path):
        versions = {str(r.get("codebook_version")) for r in read_jsonl(file)}
        if versions == {str(project.codebook.version)}:
            import_labels(project, file, "jsonl", as_gold=True, source=RELABEL)
    return added, count


def _load_gold(project: Any, path: Path | None) -> tuple[int, int]:
    corpus = load_corpus(path, project.codebook.dimension_names)
    with project.transaction() as conn:
        added = project.add_documents(corpus.documents, conn)[0]
        existing = gold_passages(conn)
        count = 0
        for g in corpus.gold:
            if g.passage_id in existing:
                continue
            stamp = f"{g.date}T00:00:00+00:00" if g.date else None
            project.add_annotation(g.passage_id, g.annotator, g.labels, note=g.note, source="corpus",
                                   conn=conn, created_at=stamp, codebook_version=g.codebook_version or None)
            for dim, value in g.labels.items():
                project.add_gold(g.passage_id, dim, value, method="corpus", decided_by=g.annotator,
                                 note=g.note, conn=conn, created_at=stamp,
                                 codebook_version=g.codebook_version or None)
            count += 1
    return added, count
