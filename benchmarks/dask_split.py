"""The Dask engine on one big CSV against the local engine, side by side in one run.

CPU seconds are counted in every process and thread: the local run's process; for Dask the client's
process (which also runs the local cluster's scheduler and nannies: its main thread collects the
partitions and writes the file, the others are Dask's event loop) and each worker (the thread that runs
the scoring tasks, and the rest: Dask's heartbeats, monitors and profiler). So the figures say what Dask
costs even when the machine gives the run less than two cores. The workers' start-up (imports, the first
copy of the model) is paid on a small file before the timed runs.

Builds a model on the embedded corpus, writes one CSV of `--rows` rows (`--per-doc` paragraphs each, so
quoted fields hold newlines when above 1), then scores it locally (one process) and with Dask on the
cluster `stance score --engine dask` starts (`stance.score.dask.local_cluster`), `--repeats` times,
alternating. Options add: the file as one partition (`--one-part`, what the engine did before it split
files); a cluster with Dask's default settings (`--dask-defaults`, what the engine started before);
one cluster per setting of `LOCAL_CLUSTER_CONFIG` put back to Dask's default (`--ablate`).

Prints, per run and as medians: CPU of each process, the CPU ratio (Dask, all processes / local), the
speed-up that this CPU allows with two free cores, and the wall speed-up (a figure only when the run had
two free cores: it prints the cores the run got).

    python benchmarks/dask_split.py --rows 100000 --per-doc 1 --rows-per-partition 20000
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import pickle
import platform
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.platform()}; Python {platform.python_version()}; {os.cpu_count()} CPUs; load average {load}"


def thread_seconds() -> dict[str, float]:
    """CPU seconds of each thread of this process by name, from /proc (Linux; {} elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        name = names.get(int(tid), "other")
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def worker_seconds() -> tuple[float, float]:
    """(this worker's process CPU, of which its task threads), in seconds."""
    tasks = sum(s for name, s in thread_seconds().items() if "Dask-Default-Threads" in name)
    return time.process_time(), tasks


@dataclass
class DaskRun:
    wall: float
    client: float  # the client's process: collecting, writing, and the local cluster's scheduler and nannies
    client_main: float  # of which its main thread (collecting the partitions, writing the file)
    workers: list[tuple[float, float]]  # per worker (process CPU, of which the scoring tasks)
    passages: int

    @property
    def cpu(self) -> float:
        return self.client + sum(w for w, _ in self.workers)

    def describe(self) -> str:
        workers = " + ".join(f"{w:.1f} (tasks {t:.1f})" for w, t in self.workers)
        return (f"wall {self.wall:6.1f} s, CPU {self.cpu:6.1f} s = client {self.client:.1f} (main thread "
                f"{self.client_main:.1f}, Dask's threads {self.client - self.client_main:.1f}) + workers {workers}")


def dask_run(client, source: Path, out: Path, model, rows_per_partition: int) -> DaskRun:
    from stance.score.dask import score_dask

    workers = client.run(worker_seconds)
    main, cpu, start = thread_seconds().get("MainThread", 0.0), time.process_time(), time.perf_counter()
    summary = score_dask([source], out, model, client=client, rows_per_partition=rows_per_partition)
    wall, own = time.perf_counter() - start, time.process_time() - cpu
    main = thread_seconds().get("MainThread", 0.0) - main
    after = client.run(worker_seconds)
    spent = [(after[w][0] - workers[w][0], after[w][1] - workers[w][1]) for w in after]
    return DaskRun(wall, own, main, spent, summary.passages)


def start_cluster(workers: int, config: dict | None):
    """The engine's own cluster (config None), or a LocalCluster with `config` set while it starts."""
    import dask
    from distributed import Client, LocalCluster

    from stance.score.dask import local_cluster

    if config is None:
        return local_cluster(workers)
    with dask.config.set(config):
        return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR))


def setups(args) -> list[tuple[str, dict | None, int]]:
    """(label, cluster config or None for the engine's own, rows per partition) of each Dask case."""
    import dask
    import distributed  # noqa: F401 - loads Dask's distributed settings

    from stance.score.dask import LOCAL_CLUSTER_CONFIG

    split = args.rows_per_partition
    cases: list[tuple[str, dict | None, int]] = [("dask, the engine's cluster", None, split)]
    if args.one_part:
        cases.append(("dask, the file as one part", None, args.rows + 1))
    defaults = {key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG}
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    if args.dask_defaults:
        cases.append(("dask, Dask's default settings", {}, split))
    lean = {**LOCAL_CLUSTER_CONFIG,
            "distributed.nanny.pre-spawn-environ": {k: v for k, v in environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}}
    if args.ablate:
        for key in LOCAL_CLUSTER_CONFIG:
            cases.append((f"dask, but {key.removeprefix('distributed.')} {defaults[key]}",
                          {**lean, key: defaults[key]}, split))
        cases.append(("dask, but MALLOC_TRIM_THRESHOLD_ set", {**lean, "distributed.nanny.pre-spawn-environ": environ},
                      split))
    return cases


def write_source(path: Path, pool: list[str], rows: int, per_doc: int) -> None:
    rng = random.Random(0)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "outlet"])
        for d in range(rows):
            writer.writerow(["\n\n".join(f"{rng.choice(pool)} ({d}.{i})" for i in range(per_doc)), f"outlet-{d % 7}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--per-doc", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows-per-partition", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--one-part", action="store_true", help="also the file as one partition")
    parser.add_argument("--dask-defaults", action="store_true", help="also a cluster with Dask's default settings")
    parser.add_argument("--ablate", action="store_true", help="also each setting of the engine's cluster undone")
    args = parser.parse_args()

    from stance.corpus import load_into
    from stance.models import train
    from stance.score import score_to_file
    from stance.score.dask import partitions
    from stance.store import Project

    logging.getLogger("distributed").setLevel(logging.ERROR)  # closing a cluster puts back its level
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "project")
        load_into(project)
        model = train(project, include_examples=True)
        pool = project.passages_frame()
        source = Path(tmp) / "big.csv"
        write_source(source, pool.loc[~pool["is_boilerplate"], "text"].tolist(), args.rows, args.per_doc)
        cases = setups(args)
        print(f"input: one CSV, {args.rows:,} rows, {args.rows * args.per_doc:,} passages, "
              f"{source.stat().st_size / 1e6:.0f} MB; {len(partitions([source], args.rows_per_partition, args.workers))}"
              f" partitions for {args.workers} workers at --rows-per-partition {args.rows_per_partition:,}")
        warm = Path(tmp) / "warm.csv"  # the workers' imports and first model copy, paid before the timed runs
        warm.write_text("text\n" + "\n".join(f"Talks resume on day {i}." for i in range(50)) + "\n")
        local_cpu: list[float] = []
        local_wall: list[float] = []
        runs: list[list[DaskRun]] = [[] for _ in cases]
        for repeat in range(args.repeats):
            print(f"-- run {repeat + 1} of {args.repeats}")
            fresh = pickle.loads(pickle.dumps(model))  # its featurizer caches empty, as each worker's copy
            start, cpu = time.perf_counter(), time.process_time()
            local = score_to_file([source], Path(tmp) / "local.parquet", fresh)
            local_wall.append(time.perf_counter() - start)
            local_cpu.append(time.process_time() - cpu)
            print(f"{'local, 1 process':40s} wall {local_wall[-1]:6.1f} s, CPU {local_cpu[-1]:6.1f} s "
                  f"({local.passages / local_cpu[-1]:,.0f} passages per CPU-s)")
            for (label, config, rows), got in zip(cases, runs, strict=True):
                client = start_cluster(args.workers, config)  # one cluster at a time: an idle one costs CPU
                try:
                    dask_run(client, warm, Path(tmp) / "warm.parquet", model, 10)
                    run = dask_run(client, source, Path(tmp) / "dask.parquet", model, rows)
                finally:
                    cluster = client.cluster
                    client.close()
                    cluster.close()
                assert run.passages == local.passages
                got.append(run)
                print(f"{label:40s} {run.describe()}; CPU ratio {run.cpu / local_cpu[-1]:.2f}x")
    base_cpu, base_wall = statistics.median(local_cpu), statistics.median(local_wall)
    print(f"-- medians of {args.repeats} (local: CPU {base_cpu:.1f} s, wall {base_wall:.1f} s)")
    for (label, _config, _rows), got in zip(cases, runs, strict=True):
        ratio = statistics.median(r.cpu / c for r, c in zip(got, local_cpu, strict=True))
        busiest = statistics.median(max(r.client, *(w for w, _ in r.workers)) / c
                                    for r, c in zip(got, local_cpu, strict=True))
        wall = statistics.median(w / r.wall for r, w in zip(got, local_wall, strict=True))
        cores = statistics.median(r.cpu / r.wall for r in got)
        print(f"{label}:\n"
              f"  CPU ratio, Dask all processes / local: {ratio:.2f}x\n"
              f"  speed-up this CPU allows with {args.workers} free cores: "
              f"{min(args.workers / ratio, 1 / busiest):.2f}x "
              f"({args.workers} / {ratio:.2f}, and at most local / busiest process = {1 / busiest:.2f}x)\n"
              f"  wall speed-up, Dask vs local: {wall:.2f}x (the Dask runs got {cores:.2f} cores; "
              f"a measure of the engine only when they had {args.workers} free)")


if __name__ == "__main__":
    main()
