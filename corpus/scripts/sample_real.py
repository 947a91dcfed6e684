"""Draw the sample of real passages for the gold corpus (issue 13) and write the labelling batches.

Sources (read-only, in ../shared/corpora):
  - us-presidential-speeches-2017-2024: 66 speeches by Trump and Biden (US government works);
  - un-general-debate: 787 General Debate statements of 25 countries, 1991-2022 (licence not verified).

What it writes (to --out, /work/labelling by default):
  - documents/us_speeches.jsonl, documents/un_statements.jsonl: the sampled documents, one JSON object a
    line (doc_key, text, title, date, author, ...), ready for `stance ingest FILE --id-col doc_key`;
  - sample.jsonl: every sampled passage (ids, offsets, sha256, stratum, document metadata, text);
  - batches/batch_NNN.jsonl: the passages to label, 40 a file, US and UN mixed;
  - sample_card.json: seed, filters, counts (quoted by the data card).

Passages are cut by the toolkit's own reader (`stance.ingest.read_jsonl`, the function `stance ingest`
calls), so passage ids and offsets are exactly those of the ingested project.

Candidates are the passages not flagged as boilerplate: by the labelling project's stored flags when
--out holds the project (`project_flags`), so that a later change of the boilerplate rules does not move
the draw; by the toolkit's own rules before the project exists.

Sampling uses keyword filters to stratify (so that foreign-policy and use-of-force passages make up
more than half of the sample); labelling never does. The strata are recorded for each passage but are
NOT shown to readers.

    python corpus/scripts/sample_real.py --shared /work/shared --out /work/labelling
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

from stance.documents import TableOptions
from stance.ingest import read_path
from stance.real_corpus import FORCE_TERMS, FOREIGN_TERMS
from stance.real_corpus import keyword_stratum as stratum

SEED = 20261202
BATCH_SIZE = 40
N_BATCHES = 39
US_PER_BATCH, UN_PER_BATCH = 22, 18  # 858 US + 702 UN = 1,560 passages
UN_ERAS = ((1991, 2001), (2002, 2012), (2013, 2022))  # one statement per country from each era
STRATUM_SHARES = {  # share of each source's passages drawn from each keyword stratum
    "us": {"force": 0.42, "foreign": 0.18, "other": 0.40},
    "un": {"force": 0.45, "foreign": 0.30, "other": 0.25},
}

FILTERS = {
    "force": "FORCE_TERMS matches (case-insensitive): " + FORCE_TERMS.pattern,
    "foreign": "no FORCE_TERMS match, FOREIGN_TERMS matches (case-sensitive): " + FOREIGN_TERMS.pattern,
    "other": "neither matches",
    "excluded": "passages the toolkit flags as boilerplate (transcript markers such as '(Applause.)', "
                "'(spoke in French)')",
}


# -- documents ---------------------------------------------------------------------------------------

def us_documents(shared: Path) -> list[dict]:
    """Every US speech, as a document record for `stance ingest --id-col doc_key`."""
    csv.field_size_limit(sys.maxsize)
    folder = shared / "corpora" / "us-presidential-speeches-2017-2024"
    docs = []
    for name in ("Trump_speeches.csv", "Biden_speeches.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = "us-" + hashlib.sha256(f"{row['Date']}\x1f{row['Title']}".encode()).hexdigest()[:12]
                docs.append({
                    "doc_key": key, "text": row["Transcript"], "title": row["Title"], "date": row["Date"],
                    "author": row["President"], "president": row["President"],
                    "outlet": "US presidential speeches (Miller Center)",
                    "source": f"us-presidential-speeches-2017-2024/{name}", "corpus": "us",
                })
    return docs


def un_documents(shared: Path) -> list[dict]:
    """Every UN statement, text unchanged (offsets are resolved against it)."""
    path = shared / "corpora" / "un-general-debate" / "speeches.jsonl"
    docs = []
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        docs.append({
            "doc_key": r["id"], "text": r["text"],
            "title": f"{r['country']}, UN General Debate, session {r['session']} ({r['year']})",
            "date": f"{r['year']}-09", "author": r["speaker"] or None, "speaker_post": r["speaker_post"] or None,
            "country": r["country"], "country_iso3": r["country_iso3"], "session": r["session"],
            "year": r["year"], "outlet": "UN General Debate", "source": f"un-general-debate/{r['source_file']}",
            "corpus": "un",
        })
    return docs


def pick_un_statements(docs: list[dict], rng: random.Random) -> list[dict]:
    """One statement per country from each era (a random one, with the seed): 75 statements."""
    by_cell: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for d in docs:
        era = next(i for i, (lo, hi) in enumerate(UN_ERAS) if lo <= d["year"] <= hi)
        by_cell[(d["country_iso3"], era)].append(d)
    return [rng.choice(sorted(by_cell[cell], key=lambda d: d["doc_key"])) for cell in sorted(by_cell)]


CONTEXT_KEY = "context_previous_paragraph (do not label)"


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object a line; empty metadata is left out, but a reader's context key is always there
    (null for the first passage of a document, as the reader guide says)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            kept = {k: v for k, v in row.items() if v is not None or k == CONTEXT_KEY}
            fh.write(json.dumps(kept, ensure_ascii=False) + "\n")


def ingested(path: Path) -> list:
    """The documents exactly as `stance ingest PATH --id-col doc_key` makes them."""
    return read_path(path, {}, "paragraph", TableOptions(text_col="text", id_col="doc_key"),
                      on_skip=lambda where, why: None)


# -- passages ----------------------------------------------------------------------------------------

def project_flags(project: Path) -> dict[str, bool] | None:
    """{passage id: flagged as boilerplate} as the labelling project stored them at ingest, or None when
    there is no project yet. Sampling reads these, so that a later change of the toolkit's boilerplate
    rules does not move the draw (the readers' passages stay those of the seed)."""
    db = project / "stance.db"
    if not db.exists():
        return None
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {pid: bool(flag) for pid, flag in conn.execute("SELECT id, is_boilerplate FROM passages")}


def candidates(doc, record: dict, flagged: dict[str, bool] | None = None) -> list[dict]:
    """Every non-boilerplate passage of a document (by the project's flags when given), with its previous
    paragraph as context."""
    out = []
    for p in doc.passages:
        if flagged.get(p.id, p.is_boilerplate) if flagged is not None else p.is_boilerplate:
            continue
        previous = doc.passages[p.seq - 1].text if p.seq > 0 else None
        out.append({
            "passage_id": p.id, "doc_id": doc.id, "doc_key": record["doc_key"], "corpus": record["corpus"],
            "seq": p.seq, "start": p.start, "end": p.end,
            "sha256": hashlib.sha256(p.text.encode("utf-8")).hexdigest(), "stratum": stratum(p.text),
            "text": p.text, "context_previous_paragraph": previous,
        })
    return out


def draw(pool: list[dict], n: int, shares: dict[str, float], rng: random.Random) -> list[dict]:
    """n passages, shares[s] of them from stratum s, spread over documents round-robin so that no
    document dominates a stratum; a stratum that runs short is topped up from 'force', then the rest."""
    by_stratum: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in pool:
        by_stratum[c["stratum"]][c["doc_id"]].append(c)
    for docs in by_stratum.values():
        for items in docs.values():
            rng.shuffle(items)
    chosen: list[dict] = []
    targets = {s: round(n * share) for s, share in shares.items()}
    targets["force"] += n - sum(targets.values())
    for s in ("force", "foreign", "other"):
        chosen += _round_robin(by_stratum[s], targets[s], rng)
    for s in ("force", "foreign", "other"):  # top up
        if len(chosen) < n:
            chosen += _round_robin(by_stratum[s], n - len(chosen), rng)
    return chosen


def _round_robin(docs: dict[str, list[dict]], n: int, rng: random.Random) -> list[dict]:
    order = sorted(docs)
    rng.shuffle(order)
    out: list[dict] = []
    while len(out) < n and any(docs[d] for d in order):
        for d in order:
            if docs[d] and len(out) < n:
                out.append(docs[d].pop())
    return out


def batches(us: list[dict], un: list[dict], rng: random.Random) -> list[list[dict]]:
    """N_BATCHES batches, each with US_PER_BATCH US and UN_PER_BATCH UN passages, ordered by document."""
    rng.shuffle(us)
    rng.shuffle(un)
    out = []
    for i in range(N_BATCHES):
        batch = us[i * US_PER_BATCH:(i + 1) * US_PER_BATCH] + un[i * UN_PER_BATCH:(i + 1) * UN_PER_BATCH]
        batch.sort(key=lambda c: (c["corpus"], c["date"], c["doc_key"], c["seq"]))
        out.append(batch)
    return out


def reader_line(c: dict) -> dict:
    """What a reader sees: ids, source, title, speaker, date, the previous paragraph as context, the text."""
    speaker = c["author"] if c["corpus"] == "us" else ", ".join(
        x for x in (c.get("author"), c.get("speaker_post"), c["country"]) if x)
    return {
        "passage_id": c["passage_id"],
        "source": "US presidential speech" if c["corpus"] == "us" else "UN General Debate statement",
        "title": c["title"], "speaker": speaker, "date": c["date"],
        CONTEXT_KEY: c["context_previous_paragraph"],
        "text": c["text"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2].parent / "shared")
    parser.add_argument("--out", type=Path, default=Path("/work/labelling"))
    args = parser.parse_args(argv)
    rng = random.Random(SEED)

    us_records = us_documents(args.shared)
    un_records = pick_un_statements(un_documents(args.shared), rng)
    us_path, un_path = args.out / "documents" / "us_speeches.jsonl", args.out / "documents" / "un_statements.jsonl"
    write_jsonl(us_path, us_records)
    write_jsonl(un_path, un_records)

    meta = {r["doc_key"]: r for r in us_records + un_records}
    flagged = project_flags(args.out / "project")
    pools: dict[str, list[dict]] = {"us": [], "un": []}
    for path, corpus in ((us_path, "us"), (un_path, "un")):
        for doc in ingested(path):
            record = meta[doc.meta["external_id"]]
            for c in candidates(doc, record, flagged):
                c.update({k: record.get(k) for k in ("title", "date", "author", "president", "speaker_post",
                                                     "country", "country_iso3", "session", "year", "source")})
                pools[corpus].append(c)
    # Stand-off: offsets index the unchanged source text. Ingest turns each "\r" into "\n" (one
    # character for one; no UN text has "\r\n"), so the passage is source[start:end] with that done.
    un_raw = {r["doc_key"]: r["text"] for r in un_records}
    for c in pools["un"]:
        source = un_raw[c["doc_key"]]
        assert "\r\n" not in source and source[c["start"]:c["end"]].replace("\r", "\n") == c["text"]

    us = draw(pools["us"], N_BATCHES * US_PER_BATCH, STRATUM_SHARES["us"], rng)
    un = draw(pools["un"], N_BATCHES * UN_PER_BATCH, STRATUM_SHARES["un"], rng)
    sample = batches(us, un, rng)
    bdir = args.out / "batches"
    bdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, batch in enumerate(sample, start=1):
        name = f"batch_{i:03d}"
        write_jsonl(bdir / f"{name}.jsonl", [reader_line(c) for c in batch])
        rows += [dict(c, batch=name) for c in batch]
    write_jsonl(args.out / "sample.jsonl", rows)

    def counts(cs: list[dict]) -> dict:
        return {"passages": len(cs), "documents": len({c["doc_key"] for c in cs}),
                "strata": dict(sorted(Counter(c["stratum"] for c in cs).items())),
                "candidates": len(pools[cs[0]["corpus"]]),
                "candidate_strata": dict(sorted(Counter(c["stratum"] for c in pools[cs[0]["corpus"]]).items()))}
    card = {
        "seed": SEED, "script": "corpus/scripts/sample_real.py", "batch_size": BATCH_SIZE, "batches": N_BATCHES,
        "per_batch": {"us": US_PER_BATCH, "un": UN_PER_BATCH}, "stratum_shares": STRATUM_SHARES,
        "filters": FILTERS, "un_statement_choice": "one random statement per country and era "
        f"{list(UN_ERAS)} (25 countries, SAU and ZAF as available)",
        "us": dict(counts(us), presidents=dict(Counter(c["president"] for c in us))),
        "un": dict(counts(un), countries=len({c["country_iso3"] for c in un}),
                   sessions=len({c["session"] for c in un})),
    }
    (args.out / "sample_card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: card[k] for k in ("us", "un")}, indent=1))


if __name__ == "__main__":
    main()
