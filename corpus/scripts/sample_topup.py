"""Draw the top-up sample of real passages (issue 13): passages likely to report or answer others' views,
so that the rare values (role counterargument and rebuttal, voice reported) get read often enough.

Same sources and the same documents as the first sample (corpus/scripts/sample_real.py): all 66 US speeches
and the 75 UN statements that sample chose (its seed, its choice), cut into passages by the toolkit's own
reader, so every passage id is already in the labelling project. Candidates are the passages NOT in the
first sample, not flagged as boilerplate in the labelling project (its flags as ingested, so that a later
change of the boilerplate rules does not change the draw), whose text matches REPORTING_TERMS (below): a
filter for sampling only. Readers never see it, and no label comes from it.

What it writes (to --out/topup, /work/labelling/topup by default):
  - batches/topup_NNN.jsonl: 4 batches of 40 (22 US + 18 UN), in exactly the readers' batch format;
  - ../topup_sample.jsonl: every top-up passage (ids, offsets, sha256, `stratum` = "topup", batch, metadata,
    text), beside sample.jsonl and like it kept out of the readers' folder;
  - ../topup_sample_card.json: seeds, the filter, counts (quoted by the data card).

    python corpus/scripts/sample_topup.py --shared /work/shared --out /work/labelling
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

from sample_real import (
    SEED,
    candidates,
    ingested,
    pick_un_statements,
    project_flags,
    reader_line,
    un_documents,
    us_documents,
    write_jsonl,
)

TOPUP_SEED = 20261203  # its own seed; the statement choice replays the first sample's SEED
N_BATCHES, US_PER_BATCH, UN_PER_BATCH = 4, 22, 18  # 88 US + 72 UN = 160 passages

# Phrases that report or answer someone else's view (for sampling only, never a label).
REPORTING_TERMS = re.compile(
    r"\b(?:some(?: people| have| would)? (?:say|said|argue\w*|claim\w*|suggest\w*|believe|think|tell us|want)"
    r"|critics?|skeptics|sceptics|opponents|naysayers|cynics"
    r"|those who (?:say|said|argue|claim|believe|think|want|would|insist|call|advocate)"
    r"|there are (?:those|people|some|many) who|we (?:are|were|have been|'ve been) told|you hear|we hear"
    r"|according to|(?:said|says|claims?|claimed|argues?|argued|insists?|insisted|asserts?|asserted"
    r"|contends?|contended|alleges?|alleged) that|they (?:say|said|tell us|told us|claim|argue|think)"
    r"|others (?:say|said|argue|claim|believe|think)|it (?:is|has been|was) (?:said|argued|claimed|suggested)"
    r"|told (?:me|us)|myths?|(?:is|was) (?:simply |just )?(?:not true|wrong|false)|nonsense"
    # the diplomatic forms of the same, common in General Debate statements
    r"|so-called|pretext|claims?|allegations?|(?:stated|noted|pointed out|reminded \w+) that|called (?:for|on|upon)"
    r"|(?:some|certain|other) (?:countries|States|delegations|Governments|Powers|members)"
    r"|(?:has|have|had) (?:said|stated)|as (?:\w+ ){0,3}(?:said|stated|noted|put it)"
    r"|Secretary-General (?:has )?(?:said|stated|noted|reminded|warned|called|rightly))\b", re.I)


def draw_round_robin(pool: list[dict], n: int, rng: random.Random) -> list[dict]:
    """n passages from pool, one per document in turn (documents in seeded order), so no speech dominates."""
    by_doc: dict[str, list[dict]] = {}
    for c in pool:
        by_doc.setdefault(c["doc_id"], []).append(c)
    order = sorted(by_doc)
    rng.shuffle(order)
    for d in order:
        rng.shuffle(by_doc[d])
    out: list[dict] = []
    while len(out) < n and any(by_doc[d] for d in order):
        for d in order:
            if by_doc[d] and len(out) < n:
                out.append(by_doc[d].pop())
    if len(out) < n:
        raise SystemExit(f"only {len(out)} candidates for {n} passages")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2].parent / "shared")
    parser.add_argument("--out", type=Path, default=Path("/work/labelling"))
    args = parser.parse_args(argv)
    already = {json.loads(line)["passage_id"] for line in (args.out / "sample.jsonl").open(encoding="utf-8")}
    us_records = us_documents(args.shared)
    un_records = pick_un_statements(un_documents(args.shared), random.Random(SEED))  # the first sample's 75 statements
    rng = random.Random(TOPUP_SEED)
    flagged = project_flags(args.out / "project")
    if flagged is None:
        raise SystemExit(f"no labelling project in {args.out / 'project'}: the top-up is drawn from its passages")

    pools: dict[str, list[dict]] = {"us": [], "un": []}
    matched: dict[str, int] = {"us": 0, "un": 0}
    for path, corpus in ((args.out / "documents" / "us_speeches.jsonl", "us"),
                         (args.out / "documents" / "un_statements.jsonl", "un")):
        meta = {r["doc_key"]: r for r in (us_records if corpus == "us" else un_records)}
        for doc in ingested(path):
            record = meta[doc.meta["external_id"]]
            for c in candidates(doc, record, flagged):
                if c["passage_id"] in already or not REPORTING_TERMS.search(c["text"]):
                    continue
                c.update({k: record.get(k) for k in ("title", "date", "author", "president", "speaker_post",
                                                     "country", "country_iso3", "session", "year", "source")})
                c["stratum"] = "topup"
                pools[corpus].append(c)
                matched[corpus] += 1

    us = draw_round_robin(pools["us"], N_BATCHES * US_PER_BATCH, rng)
    un = draw_round_robin(pools["un"], N_BATCHES * UN_PER_BATCH, rng)
    rng.shuffle(us)
    rng.shuffle(un)
    out = args.out / "topup"
    rows = []
    for i in range(N_BATCHES):
        batch = us[i * US_PER_BATCH:(i + 1) * US_PER_BATCH] + un[i * UN_PER_BATCH:(i + 1) * UN_PER_BATCH]
        batch.sort(key=lambda c: (c["corpus"], c["date"], c["doc_key"], c["seq"]))
        name = f"topup_{i + 1:03d}"
        write_jsonl(out / "batches" / f"{name}.jsonl", [reader_line(c) for c in batch])
        rows += [dict(c, batch=name) for c in batch]
    write_jsonl(args.out / "topup_sample.jsonl", rows)  # beside sample.jsonl, out of the readers' folder
    card = {
        "seed": TOPUP_SEED, "statement_choice_seed": SEED, "script": "corpus/scripts/sample_topup.py",
        "filter": "REPORTING_TERMS matches (case-insensitive): " + REPORTING_TERMS.pattern,
        "excluded": "passages of the first sample; passages the labelling project flags as boilerplate (as ingested)",
        "batches": N_BATCHES, "per_batch": {"us": US_PER_BATCH, "un": UN_PER_BATCH},
        **{corpus: {"candidates": matched[corpus], "passages": len(chosen),
                    "documents": len({c["doc_key"] for c in chosen})}
           for corpus, chosen in (("us", us), ("un", un))},
    }
    card["us"]["presidents"] = dict(Counter(c["president"] for c in us))
    card["un"]["countries"] = len({c["country_iso3"] for c in un})
    (args.out / "topup_sample_card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: card[k] for k in ("us", "un")}, indent=1))


if __name__ == "__main__":
    main()
