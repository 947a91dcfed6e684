"""Ingestion throughput: passages per second into SQLite, and the database size, for 100,000 passages.

Generates documents from the embedded corpus's passages (shuffled, numbered so that every
document is distinct), writes them as one JSONL file, then times `stance.ingest.ingest` into a
fresh project: reading, splitting, hashing ids, flagging boilerplate and the one-transaction write.

    python benchmarks/ingest.py [--passages 100000] [--per-doc 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from stance.corpus import load_corpus
from stance.ingest import ingest
from stance.store import Project


def machine() -> str:
    return f"{platform.platform()}; Python {platform.python_version()}; {os.cpu_count()} CPUs"


def make_input(path: Path, passages: int, per_doc: int, seed: int = 0) -> None:
    pool = [p.text for doc in load_corpus().documents for p in doc.passages]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for d in range(passages // per_doc):
            paragraphs = [f"{rng.choice(pool)} ({d}.{i})" for i in range(per_doc)]
            out.write(json.dumps({"text": "\n\n".join(paragraphs), "outlet": f"outlet-{d % 7}",
                                  "date": f"2024-{d % 12 + 1:02d}-01"}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--per-doc", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input.jsonl"
        make_input(source, args.passages, args.per_doc)
        rates, sizes = [], []
        for r in range(args.repeat):
            project = Project.init(Path(tmp) / f"p{r}")
            start = time.perf_counter()
            result = ingest(project, [source])
            elapsed = time.perf_counter() - start
            project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            project.close()
            size = (project.db_path.stat().st_size) / 1e6
            rates.append(result.passages / elapsed)
            sizes.append(size)
            print(f"run {r + 1}: {result.documents:,} documents, {result.passages:,} passages in {elapsed:.2f} s"
                  f" = {result.passages / elapsed:,.0f} passages/s; database {size:.1f} MB")
        print(f"median: {statistics.median(rates):,.0f} passages/s; database {statistics.median(sizes):.1f} MB "
              f"for {args.passages:,} passages")


if __name__ == "__main__":
    main()
