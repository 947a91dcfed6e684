"""Write the real gold corpus (issue 13) from the labelling project into corpus/real/.

Moves recorded labels from the project to files; it never makes or changes a label. What it writes:

  - annotations.jsonl   every reader's current label as stored in the project (`stance export`'s
                        records, read through the store), without text: passage_id, corpus (us|un),
                        annotator, the five dimensions, note, created_at (the import time),
                        codebook_version;
  - us_documents.jsonl  the sampled US speeches, full text as ingested (public domain, shipped);
  - us_passages.jsonl   one row per sampled US passage: doc_key, passage_id, seq, start, end, sha256,
                        text, and the gold labels once there are any;
  - un_statements.jsonl the sampled UN statements' metadata (statement id, country, session, speaker),
                        NO text;
  - un_standoff.jsonl   one row per sampled UN passage, NO text: statement_id, passage_id, seq, start,
                        end, sha256 (offsets into ../shared/corpora/un-general-debate/speeches.jsonl),
                        and the gold labels once there are any.

With --with-topup the passages of the top-up sample (topup_sample.jsonl, corpus/scripts/sample_topup.py)
are written too, each marked "sample": "topup": they were chosen by a filter, not at random.

Every passage is checked against the project (same id and text) before anything is written.
Each adjudicated dimension's `gold` entry also gets `rule`, the codebook rule(s) the adjudicator cited,
from the adjudicator's log (`adjudication_log.jsonl`: passage, dimension, value and rule of every
decision); `--rules-only` adds them to files already written, changing nothing else.

    python corpus/scripts/export_real.py --labelling /work/labelling --out corpus/real --gold --with-topup
    python corpus/scripts/export_real.py --labelling /work/labelling --out corpus/real --rules-only
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from stance.formats.writers import export_records
from stance.store import Project, current_gold, passage_details

DIMENSIONS = ("posture", "intervention", "role", "voice", "topic")
US_DOC_FIELDS = ("doc_key", "title", "date", "president", "author", "outlet", "source")
UN_DOC_FIELDS = ("title", "date", "author", "speaker_post", "country", "country_iso3", "session", "year",
                 "outlet", "source")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def gold_rows(project: Project) -> dict[str, dict[str, Any]]:
    """{passage id: gold fields} of passages with a current gold label on every dimension.

    gold_method is the passage's way to gold: adjudicated when any dimension was adjudicated, else
    unanimous (both readers agreed on every dimension) or single (one reader, accepted by an explicit
    `stance agree --promote-single`); `gold` keeps each dimension's method, decider and note."""
    by_passage: dict[str, dict[str, dict[str, Any]]] = {}
    for row in current_gold(project.conn):
        by_passage.setdefault(row["passage_id"], {})[row["dimension"]] = row
    out = {}
    for pid, rows in by_passage.items():
        if not all(d in rows for d in DIMENSIONS):
            continue
        methods = {rows[d]["method"] for d in DIMENSIONS}
        overall = "adjudicated" if "adjudicated" in methods else "/".join(sorted(methods))
        out[pid] = {
            **{d: rows[d]["value"] for d in DIMENSIONS}, "gold_method": overall,
            "decided_by": ",".join(dict.fromkeys(rows[d]["decided_by"] for d in DIMENSIONS)),
            "rule": " | ".join(f"{d}: {rows[d]['note']}" for d in DIMENSIONS
                               if rows[d]["method"] == "adjudicated" and rows[d]["note"]),
            "gold": {d: {"method": rows[d]["method"], "decided_by": rows[d]["decided_by"],
                         "note": rows[d]["note"], "created_at": rows[d]["created_at"],
                         **({"rule": rows[d]["rule"]} if rows[d].get("rule") else {})} for d in DIMENSIONS},
            "codebook_version": max(rows[d]["codebook_version"] for d in DIMENSIONS),
        }
    return out


def attach_rules(rows: list[dict[str, Any]], log: list[dict[str, Any]]) -> int:
    """Put each logged decision's rule into the matching adjudicated dimension of `rows` (same passage,
    dimension and value); returns how many were attached. A logged decision without its gold is an error."""
    by_key = {(r["passage_id"], r["dimension"]): r for r in log}
    attached = 0
    for row in rows:
        for dim, how in row.get("gold", {}).items():
            entry = by_key.get((row["passage_id"], dim))
            if how["method"] != "adjudicated" or entry is None:
                continue
            if entry["adjudicator"] != row[dim]:
                raise SystemExit(f"{row['passage_id']} {dim}: the log says {entry['adjudicator']!r}, gold is {row[dim]!r}")
            how["rule"] = entry["rule"]
            attached += 1
    return attached


def _topup(s: dict[str, Any]) -> dict[str, str]:
    """The field that marks a top-up passage (drawn by a filter, not at random: left out of weighting)."""
    return {"sample": "topup"} if s.get("sample") == "topup" else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labelling", type=Path, default=Path("/work/labelling"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "real")
    parser.add_argument("--gold", action="store_true", help="also write the gold labels (once adjudication is done)")
    parser.add_argument("--with-topup", action="store_true",
                        help="also the top-up passages (topup_sample.jsonl), once their readers are done")
    parser.add_argument("--rules-only", action="store_true",
                        help="only add the adjudicator's rules to the gold of files already in --out")
    args = parser.parse_args(argv)
    log = read_jsonl(args.labelling / "adjudication_log.jsonl")
    if args.rules_only:
        attached = 0
        for name in ("us_passages.jsonl", "un_standoff.jsonl"):
            rows = read_jsonl(args.out / name)
            attached += attach_rules(rows, log)
            write_jsonl(args.out / name, rows)
        print(f"{attached} adjudicated dimensions given their rule ({len(log)} decisions logged)")
        return
    project = Project.open(args.labelling / "project")
    sample = read_jsonl(args.labelling / "sample.jsonl")
    topup = args.labelling / "topup_sample.jsonl"  # corpus/scripts/sample_topup.py: marked "sample": "topup"
    if args.with_topup and topup.exists():
        sample += [dict(s, sample="topup") for s in read_jsonl(topup)]
    corpus_of = {s["passage_id"]: s["corpus"] for s in sample}

    # Each sampled passage is the project's passage: same id, same text, offsets into the ingested text.
    details = passage_details(project.conn, corpus_of)
    for s in sample:
        p = details.get(s["passage_id"])
        if p is None or p["text"] != s["text"] or sha256(p["text"]) != s["sha256"]:
            raise SystemExit(f"passage {s['passage_id']} of {s['doc_key']} differs from the project")

    annotations = []
    for rec in export_records(project):
        if rec.passage_id not in corpus_of:
            raise SystemExit(f"label of passage {rec.passage_id} outside the sample ({rec.annotator})")
        annotations.append({
            "passage_id": rec.passage_id, "corpus": corpus_of[rec.passage_id], "annotator": rec.annotator,
            **{d: rec.labels.get(d) for d in DIMENSIONS}, "note": rec.note, "created_at": rec.created_at,
            "codebook_version": rec.codebook_version,
        })
    write_jsonl(args.out / "annotations.jsonl", annotations)

    gold = gold_rows(project) if args.gold else {}
    attach_rules([{"passage_id": pid, **g} for pid, g in gold.items()], log)  # fills the shared `gold` dicts
    docs = {r["doc_key"]: r for r in read_jsonl(args.labelling / "documents" / "us_speeches.jsonl")}
    doc_text = {row[0]: row[1] for row in project.conn.execute("SELECT id, text FROM documents")}
    order = sorted(sample, key=lambda s: (s["corpus"], s["date"], s["doc_key"], s["seq"]))
    us_keys = list(dict.fromkeys(s["doc_key"] for s in order if s["corpus"] == "us"))
    doc_id_of = {s["doc_key"]: s["doc_id"] for s in sample}
    write_jsonl(args.out / "us_documents.jsonl", [
        {**{k: docs[key][k] for k in US_DOC_FIELDS}, "text": doc_text[doc_id_of[key]]} for key in us_keys])

    def gold_of(pid: str) -> dict[str, Any]:
        return gold.get(pid, {})

    write_jsonl(args.out / "us_passages.jsonl", [
        {"doc_key": s["doc_key"], "passage_id": s["passage_id"], "seq": s["seq"], "start": s["start"],
         "end": s["end"], "sha256": s["sha256"], "text": s["text"], **_topup(s), **gold_of(s["passage_id"])}
        for s in order if s["corpus"] == "us"])
    un_docs = {r["doc_key"]: r for r in read_jsonl(args.labelling / "documents" / "un_statements.jsonl")}
    un_keys = list(dict.fromkeys(s["doc_key"] for s in order if s["corpus"] == "un"))
    write_jsonl(args.out / "un_statements.jsonl", [
        {"statement_id": key, **{k: un_docs[key][k] for k in UN_DOC_FIELDS if un_docs[key].get(k) is not None}}
        for key in un_keys])
    write_jsonl(args.out / "un_standoff.jsonl", [
        {"statement_id": s["doc_key"], "passage_id": s["passage_id"], "seq": s["seq"], "start": s["start"],
         "end": s["end"], "sha256": s["sha256"], **_topup(s), **gold_of(s["passage_id"])}
        for s in order if s["corpus"] == "un"])
    print(f"{len(annotations)} reader labels, {len(us_keys)} US speeches, "
          f"{sum(s['corpus'] == 'us' for s in sample)} US passages, {len(un_keys)} UN statements, "
          f"{sum(s['corpus'] == 'un' for s in sample)} UN passages, {len(gold)} with gold on every dimension")


if __name__ == "__main__":
    main()
