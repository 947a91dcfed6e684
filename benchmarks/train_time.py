"""Training time of each head for 300, 1,000 and 3,000 labels (CPU seconds of this process and wall).

    .venv/bin/python benchmarks/train_time.py [--sizes 300,1000,3000] [--heads tfidf,embed,setfit]
                                              [--setfit-pairs 2000]

Trains one dimension (VAST's pro/con/neutral, comments without their topic) on labels drawn with a fixed
seed from VAST's training split (../shared/benchmarks), as `stance train --no-evaluate` would, in a fresh
encoder each time (nothing cached). The setfit head fine-tunes on `--setfit-pairs` contrastive pairs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import REPO, codebook_for
from accuracy_sets import draw, vast

from stance.models import train


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("STANCE_BENCHMARKS", str(REPO.parent / "shared" / "benchmarks")))
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--heads", default="tfidf,embed,setfit")
    ap.add_argument("--setfit-pairs", type=int, default=2000)
    args = ap.parse_args(argv)
    task = vast(Path(args.data))
    pool = task.splits[0][0].drop_duplicates("text")
    print("| head | labels | training CPU-s | wall s | notes |\n|---|---:|---:|---:|---|", flush=True)
    for head in args.heads.split(","):
        for n in (int(x) for x in args.sizes.split(",")):
            rows = draw(pool, n, task.dim, 20261202)
            params = {"head_params": {"pairs": args.setfit_pairs, "progress": False}} if head == "setfit" else {}
            c, w = time.process_time(), time.perf_counter()
            model = train(rows, codebook=codebook_for(task.dim, task.values), min_per_class=1, head_type=head, **params)
            c, w = time.process_time() - c, time.perf_counter() - w
            info = getattr(model.head_, "fine_tuning_", {}).get(task.dim)
            note = (f"{info['steps']} fine-tuning steps of {info['batch_size']} pairs: {info['cpu_seconds']} CPU-s, "
                    f"{info['wall_seconds']} s wall" if info else "")
            print(f"| {head} | {n:,} | {c:,.0f} | {w:,.0f} | {note} |", flush=True)
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
