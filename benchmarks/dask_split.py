"""The Dask engine on one big CSV: byte-range partitions against one partition for the whole file (what the
engine did before it split files) and against the local engine, side by side in one run.

CPU seconds are counted in every process (the client and each worker, `time.process_time` through
`Client.run`), so the figures say what the split costs even when the machine gives the run less than two
cores. The workers' start-up (imports, the first copy of the model) is paid on a small file before the
timed runs: the first Dask run would pay it alone otherwise.

Builds a model on the embedded corpus, writes one CSV of `--rows` rows (multi-paragraph documents, so
quoted fields hold newlines), then scores it: locally (one process), with Dask split into byte ranges
of `--rows-per-partition` records, and with Dask given the whole file as one partition. Prints wall
time, passages per second and each Dask run's ratio to the local run (above 1 = faster than local).

    python benchmarks/dask_split.py [--rows 20000] [--per-doc 3] [--workers 2] [--rows-per-partition 2000]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import tempfile
import time
from pathlib import Path


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.platform()}; Python {platform.python_version()}; {os.cpu_count()} CPUs; load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--per-doc", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows-per-partition", type=int, default=2_000)
    args = parser.parse_args()

    import logging

    from distributed import Client, LocalCluster

    from stance.corpus import load_into
    from stance.models import train
    from stance.score import score_to_file
    from stance.score.dask import partitions, score_dask
    from stance.store import Project

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "project")
        load_into(project)
        model = train(project, include_examples=True)
        pool = project.passages_frame()
        pool = pool.loc[~pool["is_boilerplate"], "text"].tolist()
        rng = random.Random(0)
        source = Path(tmp) / "big.csv"
        with source.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "outlet"])
            for d in range(args.rows):
                writer.writerow(["\n\n".join(f"{rng.choice(pool)} ({d}.{i})" for i in range(args.per_doc)),
                                 f"outlet-{d % 7}"])
        print(f"input: one CSV, {args.rows:,} rows, {args.rows * args.per_doc:,} passages, "
              f"{source.stat().st_size / 1e6:.0f} MB; {len(partitions([source], args.rows_per_partition))} "
              f"byte ranges of {args.rows_per_partition:,} rows")

        start, cpu = time.perf_counter(), time.process_time()
        local = score_to_file([source], Path(tmp) / "local.parquet", model)
        base, base_cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"{'local, 1 process:':34s} {base:7.1f} s  {local.passages / base:8,.0f} passages/s  "
              f"CPU {base_cpu:6.1f} s ({local.passages / base_cpu:,.0f} passages per CPU-s), {base_cpu / base:.2f} cores")
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        with Client(cluster) as client:
            warm = Path(tmp) / "warm.csv"  # the workers' imports, paid before either timed run
            warm.write_text("text\n" + "\n".join(f"Talks resume on day {i}." for i in range(50)) + "\n")
            workers, cpu = client.run(time.process_time), time.process_time()
            score_dask([warm], Path(tmp) / "warm.parquet", model, client=client, rows_per_partition=10)
            spent = [c - workers[w] for w, c in client.run(time.process_time).items()]
            print(f"{'workers start-up (50 passages):':34s} CPU client {time.process_time() - cpu:.1f} s, workers "
                  f"{' + '.join(f'{c:.1f}' for c in spent)} s: paid by whichever run comes first, so paid here")
            for label, rows in (("dask, split into byte ranges", args.rows_per_partition),
                                ("dask, the file as one part", args.rows + 1)):
                workers = client.run(time.process_time)
                start, cpu = time.perf_counter(), time.process_time()
                got = score_dask([source], Path(tmp) / f"dask-{rows}.parquet", model, client=client,
                                 rows_per_partition=rows)
                took, own = time.perf_counter() - start, time.process_time() - cpu
                spent = {w: c - workers[w] for w, c in client.run(time.process_time).items()}
                total = own + sum(spent.values())
                assert (got.documents, got.passages) == (local.documents, local.passages)
                print(f"{label + ',':34s} {took:7.1f} s  {got.passages / took:8,.0f} passages/s  "
                      f"CPU {total:6.1f} s ({got.passages / total:,.0f} passages per CPU-s; client {own:.1f}, workers "
                      f"{' + '.join(f'{c:.1f}' for c in spent.values())}), {total / took:.2f} cores; "
                      f"{base / took:.2f}x the local run's speed, {total / base_cpu:.2f}x its CPU")
        cluster.close()


if __name__ == "__main__":
    main()
