"""Ingestion throughput and peak memory: passages per second into SQLite, the database size, and the
peak resident memory of the ingesting process, at one or more input sizes.

Generates documents from the embedded corpus's passages (shuffled, numbered so that every document is
distinct), writes them as one CSV or JSONL file, then runs `stance.ingest.ingest` into a fresh project in
a child process (so that its peak RSS is its own): reading, splitting, hashing ids, flagging
boilerplate and the one-transaction write.

    python benchmarks/ingest.py [--passages 100000] [--per-doc 10] [--repeat 3] [--format jsonl]
    python benchmarks/ingest.py --format csv --per-doc 1 --passages 100000 1000000 --repeat 1   # memory
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def machine() -> str:
    return f"{platform.platform()}; Python {platform.python_version()}; {os.cpu_count()} CPUs"


def make_input(path: Path, passages: int, per_doc: int, seed: int = 0) -> None:
    from stance.corpus import load_corpus

    pool = [p.text for doc in load_corpus().documents for p in doc.passages]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out) if path.suffix == ".csv" else None
        if writer:
            writer.writerow(["text", "outlet", "date"])
        for d in range(passages // per_doc):
            paragraphs = [f"{rng.choice(pool)} ({d}.{i})" for i in range(per_doc)]
            row = {"text": "\n\n".join(paragraphs), "outlet": f"outlet-{d % 7}", "date": f"2024-{d % 12 + 1:02d}-01"}
            if writer:
                writer.writerow(row.values())
            else:
                out.write(json.dumps(row) + "\n")


def child(source: str, project_dir: str) -> None:
    """One ingest in this process; prints passages, seconds and this process's peak RSS as JSON."""
    from stance.ingest import ingest
    from stance.store import Project

    project = Project.init(project_dir)
    start = time.perf_counter()
    result = ingest(project, [source])
    elapsed = time.perf_counter() - start
    project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    project.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"documents": result.documents, "passages": result.passages, "seconds": elapsed,
                      "peak_mb": peak_mb, "db_mb": Path(project.db_path).stat().st_size / 1e6}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, nargs="+", default=[100_000])
    parser.add_argument("--per-doc", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "PROJECT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"machine: {machine()}")
    peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.passages:
            source = Path(tmp) / f"input-{size}.{args.format}"
            make_input(source, size, args.per_doc)
            rates, sizes, rss = [], [], []
            for r in range(args.repeat):
                done = subprocess.run([sys.executable, __file__, "--child", str(source), str(Path(tmp) / f"p{size}-{r}")],
                                      check=True, capture_output=True, text=True)
                got = json.loads(done.stdout.strip().splitlines()[-1])
                rates.append(got["passages"] / got["seconds"])
                sizes.append(got["db_mb"])
                rss.append(got["peak_mb"])
                print(f"{size:,} passages, run {r + 1}: {got['documents']:,} documents ({args.format}, "
                      f"{source.stat().st_size / 1e6:.0f} MB) in {got['seconds']:.1f} s = {rates[-1]:,.0f} passages/s;"
                      f" peak RSS {got['peak_mb']:,.0f} MB; database {got['db_mb']:.1f} MB")
            peaks[size] = statistics.median(rss)
            print(f"median at {size:,}: {statistics.median(rates):,.0f} passages/s; peak RSS {peaks[size]:,.0f} MB; "
                  f"database {statistics.median(sizes):.1f} MB")
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(f"peak RSS at {large:,} / at {small:,} passages: {peaks[large] / peaks[small]:.2f}x")


if __name__ == "__main__":
    main()
