"""Training time of each head for 300, 1,000 and 3,000 labels (CPU seconds of this process and wall), and
the cost of the tfidf head's cross-validation against one fit at 1,000 and 5,000 labels.

    .venv/bin/python benchmarks/train_time.py [--sizes 300,1000,3000] [--heads tfidf,embed,setfit]
                                              [--setfit-pairs 2000] [--cv-sizes 1000,5000] [--no-before]

Trains one dimension (VAST's pro/con/neutral, comments without their topic) on labels drawn with a fixed
seed from VAST's training split (../shared/benchmarks), as `stance train --no-evaluate` would, in a fresh
encoder each time (nothing cached). The setfit head fine-tunes on `--setfit-pairs` contrastive pairs.

The cross-validation table times, in this one process and in turn, one fit (`train`), the cross-validation
`stance train` runs for the card (`evaluate`: 5 outer folds grouped by comment, C chosen in 3 inner folds,
1,000 bootstrap replicates) with n-gram counts shared by all its fits, and the same cross-validation with
every fold's vectoriser fitted from scratch (the way before; `--no-before` skips it); and checks that both
give the same out-of-fold probabilities. Then the same on the embedded corpus (every dimension).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import REPO, codebook_for
from accuracy_sets import draw, vast

from stance.corpus import load_into
from stance.models import evaluate, train
from stance.store import Project


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("STANCE_BENCHMARKS", str(REPO.parent / "shared" / "benchmarks")))
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--heads", default="tfidf,embed,setfit")
    ap.add_argument("--setfit-pairs", type=int, default=2000)
    ap.add_argument("--cv-sizes", default="1000,5000")
    ap.add_argument("--no-before", action="store_true", help="skip the cross-validation without shared counts")
    args = ap.parse_args(argv)
    task = vast(Path(args.data))
    pool = task.splits[0][0].drop_duplicates("text")
    if args.heads:
        heads_table(args, task, pool)
    if args.cv_sizes:
        cv_table(args, task, pool)
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}")
    return 0


def heads_table(args, task, pool) -> None:
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


def cv_table(args, task, pool) -> None:
    print("\n| labels | one fit CPU-s | cross-validation CPU-s | ratio | before: CPU-s | before: ratio | same figures |"
          "\n|---|---:|---:|---:|---:|---:|---|", flush=True)
    for n in (int(x) for x in args.cv_sizes.split(",")):
        rows = draw(pool, n, task.dim, 20261202)
        cv_row(f"{n:,} (VAST)", rows, dict(codebook=codebook_for(task.dim, task.values), min_per_class=1),
               args.no_before)
    with tempfile.TemporaryDirectory() as folder:
        project = Project.init(Path(folder) / "embedded")
        load_into(project)
        cv_row("embedded corpus, every dimension", project, dict(include_examples=True, drop_rare=True),
               args.no_before)


def cv_row(name: str, source, options: dict, no_before: bool) -> None:
    c = time.process_time()
    model = train(source, **options)
    fit = time.process_time() - c
    options = {k: v for k, v in options.items() if k != "drop_rare"}
    c = time.process_time()
    after = evaluate(source, dimensions=model.dimensions_, n_boot=1000, **options)
    cv = time.process_time() - c
    cells = ["", "", "not run"]
    if not no_before:
        c = time.process_time()
        before = evaluate(source, dimensions=model.dimensions_, n_boot=1000, counts=None, **options)
        old = time.process_time() - c
        same = all((a.predictions is None and b.predictions is None) or a.predictions.equals(b.predictions)
                   for a, b in zip(after.dimensions.values(), before.dimensions.values(), strict=True))
        same = same and after.to_frame().equals(before.to_frame())
        cells = [f"{old:,.1f}", f"{old / fit:.1f}x", "yes" if same else "NO"]
    print(f"| {name} | {fit:,.1f} | {cv:,.1f} | **{cv / fit:.1f}x** | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
