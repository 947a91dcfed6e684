"""Scoring throughput (passages/s) and peak memory of `stance score`, beside two references.

    python benchmarks/score.py                          # 100,000 and 1,000,000 passages (a long run)
    python benchmarks/score.py --sizes 100000 --repeats 1   # quick look

Passages are generated from the embedded corpus's passages (sentences reshuffled and mixed between
passages, with outlets and dates) into a Parquet file. A model is trained on the embedded corpus
(gold labels + written examples, as `stance train --include-examples` does). Then, each in its own
subprocess:

- `stance score INPUT --model M -o out.parquet` (one process; `--jobs 2`; `--engine dask` on a
  2-worker LocalCluster): wall time of the whole command, start-up, model loading, reading, passage
  splitting and writing included;
- the bare loop: per batch of 2,000 texts, the toolkit's own fitted vectoriser once, then each head's
  `predict_proba` (only this loop is timed: no reading, splitting or writing);
- the naive loop: per batch, one full scikit-learn Pipeline per dimension (`model.pipeline(d)`:
  the same vectoriser and head), so every dimension re-vectorises (only the loop is timed);
- the featurizer alone, per batch `model.transform(texts)`, once with scikit-learn's own
  TfidfVectorizer.transform (the old floor) and once with the toolkit's CachedTfidfVectorizer;
- `stance score` with scikit-learn's transform put back (the command as it was before the cached
  featurizer; run in-process by this script's child with the class's transform replaced).

Throughput is given per wall second and per CPU-second (user + system): on a shared machine the
second is the steadier figure of the two.

`--source real` scores the passages (paragraphs) of the real corpora in ../shared/corpora (UN General
Debate and US presidential speeches, about 37,000 distinct passages, repeated to reach the size asked).

CPU time of the whole command (user + system, all its processes) over its wall time says how many
cores a run actually got: on a shared machine, --jobs 2 and Dask only help when it is near 2.

Peak memory: the largest process's peak RSS (`resource.getrusage(RUSAGE_CHILDREN)` in a wrapper
process) and the peak of the summed RSS of the whole process tree (sampled every 0.2 s with psutil;
this is what counts for --jobs and Dask, whose workers are separate processes). Throughput figures
are medians over `--repeats` runs at sizes up to 100,000 (one run above). The machine is printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BATCH = 2000
WRAP = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': r.returncode, 'seconds': time.perf_counter() - t,\n"
    "                  'maxrss_mb': u.ru_maxrss / 1024, 'cpu_seconds': u.ru_utime + u.ru_stime,\n"
    "                  'stdout': r.stdout[-3000:], 'stderr': r.stderr[-3000:]}))\n"
)


def machine() -> str:
    import numpy
    import pandas
    import sklearn

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20
    except (OSError, AttributeError):
        mem = float("nan")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM, "
            f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {numpy.__version__}, "
            f"pandas {pandas.__version__}; load average at start {', '.join(f'{x:.1f}' for x in load)}")


# -- set-up: a model and the generated input ------------------------------------------------------------

def setup_model(work: Path) -> tuple[Path, list[str]]:
    from stance.corpus import load_into
    from stance.models import save_model, train
    from stance.store import Project

    path = work / "model.skops"
    project = Project.init(work / "project", exist_ok=True)
    if not project.passages_frame().shape[0]:
        load_into(project)
    if not path.exists():
        save_model(train(project, include_examples=True), path)
    texts = project.passages_frame()
    return path, texts.loc[~texts["is_boilerplate"], "text"].tolist()


def generate(path: Path, n: int, passages: list[str], seed: int = 0) -> None:
    """`n` passages made from the corpus: a passage's sentences reshuffled, one sentence from another."""
    if path.exists() and _rows(path) == n:
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    sentences = [re.split(r"(?<=[.!?])\s+", p) for p in passages]
    outlets = ["Responsible Statecraft", "Foreign Affairs", "War on the Rocks", "The National Interest",
               "Foreign Policy", "Defense One"]
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    schema = pa.schema([("text", pa.string()), ("outlet", pa.string()), ("date", pa.string()),
                        ("author", pa.string())])
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for start in range(0, n, 50_000):
            size = min(50_000, n - start)
            picks, others = rng.integers(0, len(sentences), size), rng.integers(0, len(sentences), size)
            texts = []
            for a, b in zip(picks, others, strict=True):
                mine = list(sentences[a])
                rng.shuffle(mine)
                if len(mine) > 1:
                    extra = sentences[b]
                    mine[-1] = extra[int(rng.integers(0, len(extra)))]
                texts.append(" ".join(mine))
            days = rng.integers(0, 1096, size)
            table = pa.table({
                "text": texts,
                "outlet": [outlets[i] for i in rng.integers(0, len(outlets), size)],
                "date": [str(np.datetime64("2022-01-01") + int(d)) for d in days],
                "author": [f"Author {i}" for i in rng.integers(0, 500, size)],
            }, schema=schema)
            writer.write_table(table, row_group_size=10_000)
    os.replace(tmp, path)


def real_passages(path: Path, n: int) -> None:
    """`n` paragraphs of the real corpora (UN General Debate, US presidential speeches), repeated if needed."""
    if path.exists() and _rows(path) == n:
        return
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.passages import split_passages

    corpora = REPO.parent / "shared" / "corpora"
    rows: list[tuple[str, str, str]] = []
    with (corpora / "un-general-debate" / "speeches.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.extend((p.text, d["country"], f"{d['year']}-01-01") for p in split_passages(d["id"], d["text"]))
    csv.field_size_limit(1 << 30)
    for fn in sorted((corpora / "us-presidential-speeches-2017-2024").glob("*.csv")):
        with fn.open(newline="", encoding="utf-8") as f:
            for i, r in enumerate(csv.DictReader(f)):
                rows.extend((p.text, r["President"], r["Date"]) for p in split_passages(f"{fn.stem}-{i}",
                                                                                          r["Transcript"]))
    print(f"real corpora: {len(rows):,} distinct passages, repeated to {n:,}", flush=True)
    rows = [rows[i % len(rows)] for i in range(n)]
    table = pa.table({"text": [r[0] for r in rows], "outlet": [r[1] for r in rows], "date": [r[2] for r in rows]})
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, row_group_size=10_000, compression="zstd")
    os.replace(tmp, path)


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


# -- measuring -------------------------------------------------------------------------------------------

def measure(cmd: list[str]) -> dict:
    """Run `cmd` under a wrapper process: wall time, largest process's peak RSS, peak RSS of the tree."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", WRAP, *cmd], stdout=subprocess.PIPE, text=True)
    wrapper = psutil.Process(proc.pid)
    peak = 0.0
    cpu: dict[int, float] = {}  # per process of the tree, its latest user + system time
    while proc.poll() is None:
        total = 0
        for c in wrapper.children(recursive=True):
            try:
                total += c.memory_info().rss
                times = c.cpu_times()
                cpu[c.pid] = times.user + times.system
            except psutil.Error:
                pass
        peak = max(peak, total / 2**20)
        time.sleep(0.2)
    out = json.loads(proc.stdout.read())
    if out["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out['stdout']}\n{out['stderr']}")
    out["tree_mb"] = peak
    # getrusage misses processes that their parent does not wait for (forkserver workers): take the larger
    out["cpu_seconds"] = max(out["cpu_seconds"], sum(cpu.values()))
    return out


def use_scikit_learn_transform() -> None:
    """Put scikit-learn's own TfidfVectorizer.transform back in place of the cached one (the 'before')."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from stance.models.fast_tfidf import CachedTfidfVectorizer

    CachedTfidfVectorizer.transform = TfidfVectorizer.transform


def child_loop(kind: str, input_path: str, model_path: str) -> None:
    """The references, run as `score.py --child KIND`: time only the scoring loop (wall and CPU)."""
    import pyarrow.parquet as pq

    from stance.models import load_model

    if kind == "features-sklearn":
        use_scikit_learn_transform()
    model = load_model(model_path)
    dims = list(model.dimensions_)
    pipes = [model.pipeline(d) for d in dims]
    heads = [model.head(d) for d in dims]
    spent, cpu, n = 0.0, 0.0, 0
    for batch in pq.ParquetFile(input_path).iter_batches(batch_size=BATCH, columns=["text"]):
        texts = batch.column(0).to_pylist()
        t, c = time.perf_counter(), time.process_time()
        if kind == "bare":
            X = model.transform(texts)
            for head in heads:
                head.predict_proba(X)
        elif kind.startswith("features"):
            model.transform(texts)
        else:
            for pipe in pipes:
                pipe.predict_proba(texts)
        spent += time.perf_counter() - t
        cpu += time.process_time() - c
        n += len(texts)
    print(json.dumps({"loop_seconds": spent, "loop_cpu_seconds": cpu, "passages": n}))


def child_score_sklearn(argv: list[str]) -> None:
    """`stance score ARGV` with scikit-learn's transform: the whole command as before the cached featurizer."""
    use_scikit_learn_transform()
    from stance.cli import main as stance_main

    sys.argv = ["stance", "score", *argv]
    stance_main()


def run_case(name: str, n: int, cmd: list[str]) -> dict:
    out = measure(cmd)
    result = {"case": name, "passages": n, "seconds": out["seconds"], "maxrss_mb": out["maxrss_mb"],
              "tree_mb": out["tree_mb"], "cpu_seconds": out["cpu_seconds"],
              "cores_used": out["cpu_seconds"] / out["seconds"]}
    if name.startswith("reference"):
        loop = json.loads(out["stdout"].strip().splitlines()[-1])
        result["seconds"] = loop["loop_seconds"]
        result["work_cpu_seconds"] = loop["loop_cpu_seconds"]
        result["command_seconds"] = out["seconds"]
    else:
        inner = re.search(r"in ([\d.]+) s", out["stdout"])
        result["library_seconds"] = float(inner.group(1)) if inner else None
        result["work_cpu_seconds"] = out["cpu_seconds"]  # the whole command: start-up and all
    result["rate"] = n / result["seconds"]
    result["cpu_rate"] = n / result["work_cpu_seconds"]
    print(f"  {name:<44} {n:>9,} passages  {result['seconds']:8.1f} s  {result['rate']:8,.0f} passages/s  "
          f"{result['cpu_rate']:8,.0f} per CPU-s  largest process {result['maxrss_mb']:7.0f} MB  "
          f"process tree {result['tree_mb']:7.0f} MB  CPU {result['cpu_seconds']:7.1f} s "
          f"({result['cores_used']:.2f} cores)", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated passage counts")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case at sizes up to 100,000")
    parser.add_argument("--references-at", default="100000", help="sizes at which to run the two reference "
                        "loops (their throughput does not depend on the size; the naive loop at 1M takes long)")
    parser.add_argument("--workdir", default="/tmp/stance-bench-score")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", default=None, help="also write every figure to this file")
    parser.add_argument("--source", choices=["generated", "real"], default="generated",
                        help="passages generated from the embedded corpus, or the real corpora's paragraphs")
    parser.add_argument("--skip", default="", help="comma-separated case names (or prefixes) not to run, "
                        "e.g. 'reference: naive loop,stance score --engine dask'")
    parser.add_argument("--child", choices=["bare", "naive", "features-sklearn", "features-cached"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    if sys.argv[1:2] == ["--child-score-sklearn"]:
        child_score_sklearn(sys.argv[2:])
        return
    args = parser.parse_args()
    if args.child:
        child_loop(args.child, args.input, args.model)
        return

    print("Machine:", machine(), flush=True)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    model, passages = setup_model(work)
    sizes = [int(s) for s in args.sizes.split(",")]
    refs = {int(s) for s in args.references_at.split(",") if s}
    skip = [s.strip() for s in re.split(r",(?! )", args.skip) if s.strip()]  # a case name may hold ", "
    stance = [sys.executable, "-m", "stance", "score"]
    me = [sys.executable, str(Path(__file__).resolve())]
    results = []
    for n in sizes:
        if args.source == "real":
            src = work / f"real-{n}.parquet"
            real_passages(src, n)
        else:
            src = work / f"passages-{n}.parquet"
            generate(src, n, passages)
        out = str(work / "out.parquet")
        cases = [("stance score (1 process)", [*stance, str(src), "--model", str(model), "-o", out, "-q"])]
        if n in refs:
            cases.append(("stance score, scikit-learn transform (before)",
                          [*me, "--child-score-sklearn", str(src), "--model", str(model), "-o", out, "-q"]))
        if n == min(sizes):
            cases.append(("stance score --jobs 2", [*stance, str(src), "--model", str(model), "-o", out, "-q",
                                                    "--jobs", "2"]))
        if not args.no_dask:
            cases.append(("stance score --engine dask", [*stance, str(src), "--model", str(model), "-o", out,
                                                         "-q", "--engine", "dask", "--workers", "2"]))
        loop = [*me, "--input", str(src), "--model", str(model), "--child"]
        cases.append(("reference: featurizer, cached", [*loop, "features-cached"]))
        if n in refs:
            cases.append(("reference: featurizer, scikit-learn (old floor)", [*loop, "features-sklearn"]))
            cases.append(("reference: bare loop", [*loop, "bare"]))
            cases.append(("reference: naive loop", [*loop, "naive"]))
        cases = [(name, cmd) for name, cmd in cases if not any(name.startswith(x) for x in skip)]
        print(f"\n{n:,} passages ({src}, {src.stat().st_size / 2**20:.0f} MB):", flush=True)
        for _ in range(args.repeats if n <= 100_000 else 1):
            for name, cmd in cases:
                results.append(run_case(name, n, cmd))
    summarise(results, sizes)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


def summarise(results: list[dict], sizes: list[int]) -> None:
    def med(case: str, n: int, key: str = "seconds"):
        vals = [r[key] for r in results if r["case"] == case and r["passages"] == n]
        return statistics.median(vals) if vals else None

    print("\n| passages | case | runs | median time (s) | passages/s | passages per CPU-second | "
          "largest process peak RSS (MB) | process tree peak RSS (MB) | CPU time / wall time (whole command) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    cases = list(dict.fromkeys(r["case"] for r in results))
    for n in sizes:
        for case in cases:
            runs = [r for r in results if r["case"] == case and r["passages"] == n]
            if runs:
                t = med(case, n)
                print(f"| {n:,} | {case} | {len(runs)} | {t:.1f} | {n / t:,.0f} | {med(case, n, 'cpu_rate'):,.0f} | "
                      f"{med(case, n, 'maxrss_mb'):.0f} | {med(case, n, 'tree_mb'):.0f} | "
                      f"{med(case, n, 'cores_used'):.2f} |")
    print("\nAims:")
    for n in sizes:
        local, naive, bare = (med("stance score (1 process)", n), med("reference: naive loop", n),
                              med("reference: bare loop", n))
        dask = med("stance score --engine dask", n)
        if naive:
            print(f"- {n:,}: throughput vs naive loop {naive / local:.2f}x (aim >= 2x)")
        if bare:
            print(f"- {n:,}: time vs bare loop {local / bare:.2f}x (aim <= 1.3x)")
        if dask:
            print(f"- {n:,}: Dask 2 workers vs one process: {local / dask:.2f}x the throughput (aim >= 1x)")
        floor, fast = (med("reference: featurizer, scikit-learn (old floor)", n, "cpu_rate"),
                       med("reference: featurizer, cached", n, "cpu_rate"))
        before, after = (med("stance score, scikit-learn transform (before)", n, "cpu_rate"),
                         med("stance score (1 process)", n, "cpu_rate"))
        if floor and fast:
            print(f"- {n:,}: featurizer per CPU-second, cached vs scikit-learn: {fast:,.0f} / {floor:,.0f} = "
                  f"{fast / floor:.2f}x")
        if before and after:
            print(f"- {n:,}: stance score per CPU-second, now vs scikit-learn transform: {after:,.0f} / "
                  f"{before:,.0f} = {after / before:.2f}x (aim >= 2.5x)")
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        for key, label in (("maxrss_mb", "largest process"), ("tree_mb", "process tree")):
            a, b = med("stance score (1 process)", lo, key), med("stance score (1 process)", hi, key)
            print(f"- peak memory ({label}), one process: {hi:,} / {lo:,} = {b:.0f} / {a:.0f} MB = {b / a:.2f}x "
                  "(aim <= 1.2x)")
        a, b = med("stance score --engine dask", lo, "tree_mb"), med("stance score --engine dask", hi, "tree_mb")
        if a and b:
            print(f"- peak memory (process tree), Dask: {b:.0f} / {a:.0f} MB = {b / a:.2f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
