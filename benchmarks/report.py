"""`stance report` on a project of 100,000 scored passages: CPU seconds and peak memory of the whole
command, the code before a change beside the code after it, side by side in one run.

    python benchmarks/report.py --work /tmp/report-bench                    # this tree only
    python benchmarks/report.py --work /tmp/report-bench --before OLD_TREE  # OLD_TREE's code, then this tree's

Builds the project once (kept in --work for the next run): the embedded corpus (its gold labels train
the model, cross-validated, so the report has corrected shares), then `--passages` generated passages
(those of benchmarks/score.py: corpus sentences reshuffled, with outlet, date and author) ingested and
scored with the project's model. With --before, the project is built and scored by OLD_TREE's code
(a source tree of the toolkit, e.g. `git archive` of an older commit), so its database is in the format
that code writes; the "after" case runs on a copy, opened (and so migrated) by this tree's code, and the
migration is timed on its own first.

Each report runs in its own process (`python -m stance report -p P --by outlet --time year -q`), timed by
a wrapper with `getrusage`: CPU seconds (user + system) is the figure to read on a shared machine; wall
time and cores (CPU over wall) are printed beside it. `--profile` also prints the after-code report's
top functions by cumulative time (cProfile; slower).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from score import WRAP, generate, machine  # noqa: E402  (the passages and machine line of the score benchmark)

BUILD = """
import sys, time
from pathlib import Path
from stance.corpus import load_into
from stance.ingest import ingest
from stance.models import train_project
from stance.score import score_project
from stance.store import Project

import pandas as pd

work, source = Path(sys.argv[1]), Path(sys.argv[2])
rows = pd.read_parquet(source)  # numbered, so that no generated passage repeats another (repeats are not stored)
rows["text"] = rows["text"] + [f" ({i})" for i in range(len(rows))]
rows.to_parquet(source.with_name("numbered.parquet"))
project = Project.init(work / "project")
load_into(project)
t = time.process_time()
train_project(project, include_examples=True)
print(f"trained with cross-validation in {time.process_time() - t:.0f} CPU-s", flush=True)
ingest(project, [source.with_name("numbered.parquet")])
t = time.process_time()
got = score_project(project, batch_size=5000)
print(f"scored {got['passages']:,} passages in {time.process_time() - t:.0f} CPU-s", flush=True)
project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
"""

MIGRATE = """
import sys, time
from stance.store import Project
t, c = time.perf_counter(), time.process_time()
Project.open(sys.argv[1]).conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(f"{time.process_time() - c:.2f} {time.perf_counter() - t:.2f}")
"""


def run(tree: Path, args: list[str]) -> dict:
    """One command in a child process with `tree` first on the import path; its usage as a dict."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # run from `tree`: `python -c` and `-m` put the working folder first on the import path
    out = subprocess.run([sys.executable, "-c", WRAP, *args], capture_output=True, text=True, env=env, check=True,
                         cwd=tree)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    if got["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{got['stderr']}")
    return got


def build(work: Path, tree: Path, passages: int) -> Path:
    project = work / "project"
    if (project / "stance.db").exists():
        return project
    source = work / f"passages-{passages}.parquet"
    texts = work / "corpus-texts.json"
    if not texts.exists():
        from stance.corpus import load_corpus

        texts.write_text(json.dumps([p.text for d in load_corpus().documents for p in d.passages
                                     if not p.is_boilerplate]))
    generate(source, passages, json.loads(texts.read_text()))
    got = run(tree, [sys.executable, "-c", BUILD, str(work), str(source)])
    print(got["stdout"].strip())
    return project


def report(tree: Path, project: Path, out: Path, profile: bool = False) -> dict:
    cmd = [sys.executable, "-m", "stance", "report", "-p", str(project), "--by", "outlet", "--time", "year",
           "-o", str(out), "-q"]
    if profile:
        cmd[1:3] = ["-m", "cProfile", "-o", str(out) + ".prof", "-m", "stance"]
    return run(tree, cmd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="folder for the project (kept between runs)")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--before", type=Path, help="source tree of the code before (builds the project too)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case (0: only build the project)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    args.work.mkdir(parents=True, exist_ok=True)
    project = build(args.work, (args.before or REPO).resolve(), args.passages)
    cases = {"after": project}
    if args.before:
        cases = {"before": project, "after": args.work / "project-after"}
        if cases["after"].exists():
            shutil.rmtree(cases["after"])
        shutil.copytree(project, cases["after"])
        out = subprocess.run([sys.executable, "-c", MIGRATE, str(cases["after"])], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
        cpu, wall = map(float, out.stdout.split())
        print(f"opening the before-code project with this tree (its migration): {cpu:.2f} CPU-s, {wall:.2f} s wall")
    trees = {"before": args.before, "after": REPO}
    runs: dict[str, list[dict]] = {case: [] for case in cases}
    for r in range(args.repeats):  # in turn, so that both cases see the same load
        for case, path in cases.items():
            got = report(trees[case].resolve(), path, args.work / f"out-{case}")
            runs[case].append(got)
            print(f"run {r + 1}, {case}: {got['cpu_seconds']:.1f} CPU-s, {got['seconds']:.1f} s wall, "
                  f"peak RSS {got['maxrss_mb']:.0f} MB", flush=True)
    if not args.repeats:
        return
    print(f"\n{args.passages:,} scored passages, `stance report --by outlet --time year`, medians of {args.repeats}:")
    med = {case: statistics.median(g["cpu_seconds"] for g in gs) for case, gs in runs.items()}
    for case, gs in runs.items():
        wall = statistics.median(g["seconds"] for g in gs)
        each = " / ".join(f"{g['cpu_seconds']:.1f}" for g in gs)
        print(f"  {case:6s}: {med[case]:6.1f} CPU-s (runs {each}), "
              f"{wall:.1f} s wall, {med[case] / wall:.2f} cores, peak RSS "
              f"{statistics.median(g['maxrss_mb'] for g in gs):.0f} MB")
    if "before" in med:
        print(f"  after / before: {med['after'] / med['before']:.2f}x the CPU time")
    if args.profile:
        import pstats

        report(REPO, cases["after"], args.work / "out-profile", profile=True)
        print("\nprofile of the after code, top functions by cumulative time:")
        pstats.Stats(str(args.work / "out-profile.prof")).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
