"""Coverage of prediction-powered shares, and how many validation labels a given precision needs.

    .venv/bin/python benchmarks/validation_coverage.py [--reps 200] [--labels 60,150,300,600,1200]

A simulated corpus (`stance.validation.simulation`): three groups of 2,000 passages with known true
posture shares, scored by a deliberately biased classifier (it calls 45% of neutral passages
`restraint`). Each repetition draws a new corpus and a new validation sample stratified by group,
labels the sample with the truth, and estimates every group's shares three ways: naive (share of
predicted labels), labels alone (the classical interval, lambda = 0) and prediction-powered with power
tuning (the toolkit's estimator). Prints, per number of labels, the coverage of the 95% intervals, their
median half-width (the precision), how often an interval is too wide to be a finding, and the naive
shares' mean error, as Markdown tables, then the machine and the CPU seconds. Recorded in
docs/validation.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from stance.validation.estimates import ppi_mean
from stance.validation.simulation import VALUES, biased_corpus, coverage_run


def classical_width(corpus: pd.DataFrame, run: pd.DataFrame, n: int, seed: int) -> float:
    """Median half-width of the labels-only interval (lambda = 0) on the same sample as `run`."""
    from stance.validation.sample import draw_sample

    sample = draw_sample(corpus, n, by="group", seed=seed).merge(corpus, on="passage_id")
    widths = []
    for _g, part in sample.groupby("group"):
        for v in VALUES:
            y = (part["truth"] == v).to_numpy(float)
            e = ppi_mean(y, np.zeros(len(y)), np.zeros(10), lam=0.0)
            widths.append((e.high - e.low) / 2)
    return float(np.median(widths))


def markdown(table: pd.DataFrame) -> str:
    """A Markdown table (three decimals for fractions) without the optional tabulate package."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else f"{v:,}" for v in row] for row in table.itertuples(index=False)]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--labels", default="60,150,300,600,1200")
    parser.add_argument("--per-group", type=int, default=2000)
    args = parser.parse_args()
    sizes = [int(x) for x in args.labels.split(",")]
    start, cpu = time.perf_counter(), time.process_time()
    rows = []
    for n in sizes:
        runs, classical = [], []
        for rep in range(args.reps):
            corpus = biased_corpus(passages_per_group=args.per_group, seed=rep)
            run = coverage_run(corpus, n, seed=10_000 + rep)
            runs.append(run)
            if rep < 50:  # the labels-only width settles quickly
                classical.append(classical_width(corpus, run, n, 10_000 + rep))
        all_runs = pd.concat(runs, ignore_index=True)
        ok = all_runs[all_runs["validated"]]
        rows.append({
            "labels": n, "labels per group": n // 3, "estimates": len(all_runs),
            "PPI coverage": ok["covered"].mean(),
            "PPI half-width (median)": (ok["width"] / 2).median(),
            "labels-only half-width (median)": float(np.median(classical)),
            "not identifiable": (~all_runs["identifiable"]).mean(),
            "naive coverage of truth (within ±0.02)": (all_runs["naive_error"].abs() < 0.02).mean(),
            "naive mean abs. error": all_runs["naive_error"].abs().mean(),
            "mean lambda": ok["lambda"].mean(),
        })
    table = pd.DataFrame(rows)
    print(f"Prediction-powered shares, {args.reps} repetitions per row (3 groups x 3 values each), "
          f"{args.per_group:,} passages per group, biased classifier; 95% intervals.\n")
    print(markdown(table))
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{time.process_time() - cpu:.0f} CPU-s ({time.perf_counter() - start:.0f} s wall)")


if __name__ == "__main__":
    main()
