"""The real gold corpus (issue 13): US presidential speech passages and UN General Debate passages
read by two readers against codebook 1.2, in ``corpus/real/``.

US speeches are US government works (public domain) and ship with their text. The UN statements'
licence is not verified, so they ship as stand-off rows only (statement id, character offsets, the
sha256 of the passage text) and are resolved at run time against the shared copy of the UN General
Debate corpus (``$STANCE_SHARED/corpora/un-general-debate/speeches.jsonl``, default ``../shared`` beside
the checkout). Without it the UN part is left out with a one-line reason; nothing is downloaded.
A passage whose text no longer matches its offsets and hash is an error, never a silent substitute.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .corpus import corpus_dir, read_jsonl
from .errors import InputError
from .ingest import Document, make_document

DIMENSIONS = ("posture", "intervention", "role", "voice", "topic")
UN_RELATIVE = Path("corpora") / "un-general-debate" / "speeches.jsonl"
US_META = ("title", "date", "author", "president", "outlet", "source")
UN_META = ("title", "date", "author", "speaker_post", "country", "country_iso3", "session", "year", "outlet",
           "source")

# The keyword strata the readers' sample was drawn in (corpus/scripts/sample_real.py; corpus/README.md):
# for sampling only, never a label. The demo's validation sample weights by them.
FORCE_TERMS = re.compile(
    r"\b(?:wars?|warfare|military|militar\w+|troops?|soldiers?|armed|strikes?|airstrikes?|bomb\w*|missiles?"
    r"|nuclear|weapons?|arms|army|navy|forces?|attack\w*|terror\w*|invasion|invad\w+|occupation|occupied"
    r"|cease-?fire|peacekeep\w*|deter\w*|retaliat\w*|sanction\w*|defen[cs]e|NATO|combat|battle\w*"
    r"|hostilit\w+|aggression|insurgen\w+|militias?|drones?|genocide|killed|violence)\b", re.I)
FOREIGN_TERMS = re.compile(
    r"\b(?:foreign|international\w*|diploma\w+|treat(?:y|ies)|allies|alliances?|United Nations|Security Council"
    r"|General Assembly|embass\w+|ambassadors?|sovereign\w*|China|Chinese|Beijing|Russia\w*|Moscow|Ukrain\w*"
    r"|Iran\w*|Tehran|Iraq\w*|Syria\w*|Afghan\w*|Israel\w*|Palestin\w*|Gaza|Korea\w*|Taliban|ISIS|Qaida|Qaeda"
    r"|Europe\w*|Mexic\w*|Venezuela\w*|Cuba\w*|Middle East|Africa\w*|Asia\w*|refugees?|trade|tariffs?"
    r"|multilateral\w*|Charter|region\w*|neighbou?r\w*)\b")


def keyword_stratum(text: str) -> str:
    """The sampling stratum of a passage in the readers' sample: force, foreign or other."""
    if FORCE_TERMS.search(text):
        return "force"
    return "foreign" if FOREIGN_TERMS.search(text) else "other"


@dataclass
class RealPassage:
    """One sampled real passage: where it is, its text (resolved), and its gold labels if decided."""

    passage_id: str
    corpus: str  # "us" or "un"
    doc_key: str  # US speech key or UN statement id (e.g. ARG_48_1993)
    doc_id: str
    start: int
    end: int
    text: str
    labels: dict[str, Any] | None = None  # gold on every dimension, else None
    method: str = ""  # how gold was reached: unanimous | adjudicated (on any dimension) | single
    decided_by: str = ""
    rule: str = ""  # the codebook rule(s) that settled adjudicated dimensions
    codebook_version: str = ""
    # {dimension: method, decided_by, note, created_at and, when adjudicated, the rule the adjudicator cited}
    gold: dict[str, dict[str, str]] = field(default_factory=dict)
    sample: str = ""  # "topup" for the passages drawn by a filter for rare values (not at random), else ""


@dataclass
class RealCorpus:
    documents: list[Document]
    passages: list[RealPassage]
    annotations: list[dict[str, Any]]  # every reader label, as in annotations.jsonl (UN ones only when resolved)
    skipped: list[str] = field(default_factory=list)  # one-line reasons for parts left out


def real_dir(root: Path | None = None) -> Path:
    """corpus/real/ of the embedded corpus (or of `root`, a corpus folder)."""
    return (root or corpus_dir()) / "real"


def shared_dir() -> Path:
    """Where the shared corpora are: $STANCE_SHARED, else ``shared`` beside the checkout."""
    env = os.environ.get("STANCE_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise_newlines(text: str) -> str:
    # what ingest does to every document's text (stance.ingest), so offsets and ids agree with a project
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _passage(row: dict[str, Any], corpus: str, doc: Document, text: str, where: str) -> RealPassage:
    """Tie a passage row to the passage the toolkit cuts from its document (same id, offsets and text)."""
    cut = {p.id: p for p in doc.passages}.get(row["passage_id"])
    if cut is None or (cut.start, cut.end, cut.text) != (row["start"], row["end"], text):
        raise InputError(f"{where}: passage {row['passage_id']} is not the passage the toolkit cuts at "
                         f"[{row['start']}:{row['end']}] of {doc.meta.get('external_id')}")
    gold = all(d in row for d in DIMENSIONS)
    return RealPassage(
        passage_id=row["passage_id"], corpus=corpus, doc_key=str(doc.meta.get("external_id")), doc_id=doc.id,
        start=row["start"], end=row["end"], text=text, labels={d: row[d] for d in DIMENSIONS} if gold else None,
        method=row.get("gold_method", ""), decided_by=row.get("decided_by", ""), rule=row.get("rule", ""),
        codebook_version=str(row.get("codebook_version", "")), gold=row.get("gold", {}),
        sample=row.get("sample", ""),
    )


def _us_part(folder: Path) -> tuple[list[Document], list[RealPassage]]:
    docs: dict[str, Document] = {}
    for row in read_jsonl(folder / "us_documents.jsonl"):
        meta = {k: row.get(k) for k in US_META}
        meta.update(corpus="us", external_id=row["doc_key"])
        docs[row["doc_key"]] = make_document(row["text"], "corpus/real/us_documents.jsonl", meta)
    passages = []
    path = folder / "us_passages.jsonl"
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}: line {number}"
        doc = docs.get(row["doc_key"])
        if doc is None:
            raise InputError(f"{where}: unknown doc_key {row['doc_key']!r}")
        text = doc.text[row["start"]:row["end"]]
        if text != row["text"] or sha256(text) != row["sha256"]:
            raise InputError(f"{where}: the text at [{row['start']}:{row['end']}] of {row['doc_key']} does not "
                             "match the passage's text and sha256")
        passages.append(_passage(row, "us", doc, text, where))
    return list(docs.values()), passages


def _un_part(folder: Path, source: Path) -> tuple[list[Document], list[RealPassage]]:
    meta_rows = {r["statement_id"]: r for r in read_jsonl(folder / "un_statements.jsonl")}
    raw: dict[str, str] = {}
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("id") in meta_rows:
                raw[record["id"]] = record["text"]
    missing = sorted(set(meta_rows) - set(raw))
    if missing:
        raise InputError(f"{source}: {len(missing)} statements of the real corpus are missing "
                         f"(first: {missing[0]}); the shared copy changed")
    docs = {}
    for key, row in meta_rows.items():
        meta = {k: row.get(k) for k in UN_META}
        meta.update(corpus="un", external_id=key)
        docs[key] = make_document(_normalise_newlines(raw[key]), f"{source}:{key}", meta)
    passages = []
    path = folder / "un_standoff.jsonl"
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}: line {number}"
        key = row["statement_id"]
        if key not in docs:
            raise InputError(f"{where}: unknown statement_id {key!r}")
        # Offsets index the text exactly as stored in the shared file; ingest turns "\r" into "\n".
        text = raw[key][row["start"]:row["end"]].replace("\r", "\n")
        if sha256(text) != row["sha256"]:
            raise InputError(f"{where}: the text of {key} at [{row['start']}:{row['end']}] does not match its "
                             f"sha256; the shared copy {source} changed")
        passages.append(_passage(row, "un", docs[key], text, where))
    return list(docs.values()), passages


def load_real(root: Path | None = None, shared: Path | None = None) -> RealCorpus:
    """Read corpus/real/: the US part always, the UN part when the shared UN corpus is found."""
    folder = real_dir(root)
    if not (folder / "us_passages.jsonl").exists():
        raise InputError(f"the real corpus is missing ({folder}/us_passages.jsonl); reinstall policy-stance")
    docs, passages = _us_part(folder)
    skipped = []
    source = (shared or shared_dir()) / UN_RELATIVE
    if source.exists():
        un_docs, un_passages = _un_part(folder, source)
        docs, passages = docs + un_docs, passages + un_passages
    else:
        skipped.append(f"UN General Debate passages left out: {source} not found (set STANCE_SHARED to the "
                       "folder holding corpora/un-general-debate)")
    present = {p.passage_id for p in passages}
    annotations = [a for a in read_jsonl(folder / "annotations.jsonl") if a["passage_id"] in present]
    return RealCorpus(docs, passages, annotations, skipped)


def load_real_into(project: Any, root: Path | None = None, shared: Path | None = None,
                   corpus: RealCorpus | None = None) -> tuple[RealCorpus, int]:
    """Add the real corpus to a project in one transaction: its documents, every reader's label (as
    that reader's annotation, with its recorded time and codebook version) and the gold labels (with
    the method, decider and rule recorded). Returns the corpus read and the passages given gold."""
    from .store import gold_passages

    real = corpus or load_real(root, shared)
    current = project.current_annotations()
    labelled = set(zip(current["passage_id"], current["annotator"], strict=True))
    with project.transaction() as conn:
        project.add_documents(real.documents, conn)
        for a in real.annotations:
            if (a["passage_id"], a["annotator"]) in labelled:
                continue
            project.add_annotation(a["passage_id"], a["annotator"], {d: a.get(d) for d in DIMENSIONS},
                                   note=a.get("note", ""), source="corpus", conn=conn,
                                   created_at=a["created_at"], codebook_version=a["codebook_version"])
        existing = gold_passages(conn)
        count = 0
        for p in _gold(real.passages):
            if p.passage_id in existing:
                continue
            for dim, value in p.labels.items():
                how = p.gold.get(dim, {})
                project.add_gold(p.passage_id, dim, value, method=how.get("method") or p.method,
                                 decided_by=how.get("decided_by") or p.decided_by, note=how.get("note", p.rule),
                                 conn=conn, created_at=how.get("created_at"),
                                 codebook_version=p.codebook_version or None, rule=how.get("rule", ""))
            count += 1
    return real, count


def _gold(passages: Iterable[RealPassage]) -> list[RealPassage]:
    return [p for p in passages if p.labels is not None]


def gold_counts(root: Path | None = None, codebook: Any = None) -> pd.DataFrame:
    """Gold label counts per dimension and value (codebook order) for each source: US speeches, UN
    statements and both. Read from the stored rows (no UN text needed), for the data card."""
    from .codebook import load_codebook

    cb = codebook or load_codebook()
    folder = real_dir(root)
    parts = {"us": read_jsonl(folder / "us_passages.jsonl"), "un": read_jsonl(folder / "un_standoff.jsonl")}
    rows = []
    for dim in cb.dimensions:
        for value in dim.value_names:
            n = {src: sum(_has(r.get(dim.name), value) for r in part) for src, part in parts.items()}
            rows.append({"dimension": dim.name, "value": value, "us speeches": n["us"], "un statements": n["un"],
                         "total": n["us"] + n["un"]})
    return pd.DataFrame(rows, columns=["dimension", "value", "us speeches", "un statements", "total"])


def _has(label: Any, value: str) -> bool:
    return value in label if isinstance(label, list) else label == value


def draw_speech_validation(project: Any, n: int = 300, seed: int = 7) -> pd.DataFrame:
    """Store a validation sample of the US speeches in `project` (which holds the real corpus): `n` of the
    passages the readers read, drawn at random stratified by president (`stance validate sample`'s
    draw), whose human labels are then the readers' gold labels, already in the project.

    The readers' passages were themselves a random sample of the speeches, drawn per keyword stratum
    (corpus/README.md). So that the validated figures describe every speech passage and not only those
    read, each passage's inclusion probability is P(read | its keyword stratum) x P(drawn | read, its
    president) (two-phase sampling). Within a stratum the readers' draw spread passages over speeches
    round-robin, which the first factor treats as uniform: an approximation. The top-up passages, chosen
    by a filter for rare values and not at random, count as not read (neither drawn nor weighted).
    Returns the sample."""
    from .store import gold_passages
    from .store import validation as store
    from .validation.sample import FLOOR, draw_sample, eligible

    frame = eligible(project.passages_frame(include_examples=False))
    meta = frame["meta_json"].map(json.loads)
    speeches = frame[meta.map(lambda m: m.get("corpus") == "us")].copy()
    if speeches.empty:
        raise InputError(f"{project.path} holds no US speech passages to validate on; load the real corpus first")
    speeches["president"] = meta[speeches.index].map(lambda m: m.get("president"))
    speeches["keywords"] = speeches["text"].map(keyword_stratum)
    topup = {r["passage_id"] for r in read_jsonl(real_dir() / "us_passages.jsonl") if r.get("sample") == "topup"}
    speeches["read"] = speeches["passage_id"].isin(gold_passages(project.conn) - topup)
    p_read = speeches.groupby("keywords")["read"].mean()
    sample = draw_sample(speeches[speeches["read"]], n, by="president", seed=seed)
    keywords = sample["passage_id"].map(speeches.set_index("passage_id")["keywords"])
    sample["inclusion_prob"] = sample["inclusion_prob"] * keywords.map(p_read).to_numpy()
    with project.transaction() as conn:
        store.delete_samples(conn)
        store.add_sample(conn, n, "president", seed, FLOOR, len(speeches), sample.itertuples(index=False, name=None))
    return sample
