"""Submit latency of the annotation app with concurrent annotators, against a real server.

Loads the embedded corpus into a fresh project, starts `stance annotate` as its own process (uvicorn
on a free loopback port, labels fsynced at commit), then has N annotators (threads, one HTTP
connection each) label their queues as fast as the server answers. A submit is one POST of a full
label; its response carries the next passage, so the latency covers validation, the committed
SQLite transaction and building the next task. Prints median, p95 and max latency, throughput, the
error count and the machine.

With `--labels N` the project first gets synthetic documents and N labels already given by the same
annotators (N / annotators each, source 'import'), so that the run measures a submission in a large
project: its cost should not grow with N (issue 16, item 9).

    python benchmarks/annotate_load.py [--annotators 8] [--per-annotator 40] [--repeat 3]
    python benchmarks/annotate_load.py --annotators 8,32 --labels 0,100000   # a large project beside an empty one
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from stance.annotate.auth import ensure_annotator
from stance.corpus import load_into
from stance.ingest import make_document
from stance.store import Project

WORDS = ("restraint escalation alliance deterrence sanctions troops withdrawal diplomacy treaty coalition "
         "strike negotiation embargo partner security pressure interests region commitment credibility").split()


def machine() -> str:
    return f"{platform.platform()}; Python {platform.python_version()}; {os.cpu_count()} CPUs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(project: Path, names: list[str], port: int, sync: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "stance", "annotate", "-p", str(project), "--port", str(port),
            "--overlap", "1", "--include-examples", "--sync", sync]
    for n in names:
        args += ["-a", n]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start within 60 s")


def add_labelled_passages(project: Project, names: list[str], labels: int, per: int) -> None:
    """Synthetic documents with enough passages that each annotator has `labels / len(names)` of them
    labelled already and `per` still to do (every annotator sees every passage: --overlap 1)."""
    import random

    rng = random.Random(0)
    done = labels // len(names)
    passages_needed = done + per + 1
    docs = []
    for d in range(0, passages_needed, 10):
        paragraphs = [f"Passage {d + k}: " + " ".join(rng.choices(WORDS, k=40)) + "." for k in range(10)]
        docs.append(make_document("\n\n".join(paragraphs), f"synthetic-{d}", {"outlet": "bench"}))
    project.add_documents(docs)
    queue = project.passages_frame(include_examples=True)  # the order the server gives them
    first = queue.loc[~queue["is_boilerplate"], "passage_id"].tolist()[:done]
    value = {d.name: [d.values[0].name] if d.multi else d.values[0].name for d in project.codebook.dimensions}
    with project.transaction() as conn:
        for name in names:
            for pid in first:
                project.add_annotation(pid, name, value, source="import", conn=conn)


def run_once(project: Project, names: list[str], tokens: dict[str, str], per: int,
             sync: str) -> tuple[list[float], int, float, int]:
    labels = {}
    for dim in project.codebook.dimensions:
        labels[dim.name] = [dim.values[0].name] if dim.multi else dim.values[0].name
    port = free_port()
    proc = start(project.path, names, port, sync)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    go = threading.Barrier(len(names) + 1)

    def worker(name: str) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {tokens[name]}"}) as c:
            task = c.get("/api/task").json()
            go.wait()
            for _ in range(per):
                if task["finished"]:
                    break
                t0 = time.perf_counter()
                r = c.post("/api/annotations", json={"passage_id": task["passage"]["id"], "labels": labels})
                mine.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    bad += 1
                    break
                task = r.json()["task"]
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    try:
        for t in threads:
            t.start()
        go.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return latencies, errors, wall, health["commits"]


def one_run(n_annotators: int, labels: int, per: int, sync: str) -> dict[str, float]:
    """One fresh project, one server, `n_annotators` clients: latency percentiles, throughput, errors."""
    names = [f"annotator{i + 1}" for i in range(n_annotators)]
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "bench")
        load_into(project)
        if labels:
            add_labelled_passages(project, names, labels, per)
        tokens = {n: ensure_annotator(project, n) for n in names}
        lat, errors, wall, commits = run_once(project, names, tokens, per, sync)
        stored = project.conn.execute(
            "SELECT COUNT(*) FROM annotations WHERE source = 'web' AND status = 'labelled'").fetchone()[0]
        project.close()
    lat_ms = sorted(x * 1000 for x in lat)
    return {"submits": len(lat), "stored": stored, "median": statistics.median(lat_ms),
            "p95": lat_ms[int(0.95 * (len(lat_ms) - 1))], "max": lat_ms[-1], "rate": len(lat) / wall,
            "errors": errors + (len(lat) - stored), "commits": commits}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    ap.add_argument("--annotators", type=ints, default=[8], help="concurrent clients, e.g. 8 or 8,32")
    ap.add_argument("--per-annotator", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each setting, each on a fresh project")
    ap.add_argument("--sync", choices=["full", "normal"], default="full", help="the server's --sync setting")
    ap.add_argument("--labels", type=ints, default=[0],
                    help="labels the annotators have given before the run, e.g. 0,100000 (a large project)")
    a = ap.parse_args()
    settings = [(n, labels) for n in a.annotators for labels in a.labels]
    results: dict[tuple[int, int], list[dict[str, float]]] = {s: [] for s in settings}
    for run in range(a.repeat):  # settings interleaved, so that a slow spell of the machine hits each
        for n, labels in settings:
            r = one_run(n, labels, a.per_annotator, a.sync)
            results[(n, labels)].append(r)
            print(f"run {run + 1}, {n} annotators, {labels:,} labels before: {r['submits']} submits, stored "
                  f"{r['stored']}, median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms, "
                  f"{r['rate']:.0f} submits/s, {r['commits']} commits (group commit)", flush=True)
    print()
    print(f"Machine: {machine()}")
    print(f"{a.per_annotator} submits per annotator, {a.repeat} runs of each setting "
          f"(median of runs; range in brackets); ratios against the first label count with as many annotators")
    print()
    print("| annotators | labels before | submits per run | median latency | p95 latency | max | throughput "
          "| throughput ratio | p95 ratio | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    fmt = lambda xs, unit: f"{statistics.median(xs):.1f} {unit} ({min(xs):.1f}-{max(xs):.1f})"  # noqa: E731
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    for n, labels in settings:
        rs = results[(n, labels)]
        base = results[(n, a.labels[0])]
        print(f"| {n} | {labels:,} | {n * a.per_annotator} | {fmt([r['median'] for r in rs], 'ms')} | "
              f"{fmt([r['p95'] for r in rs], 'ms')} | {med(rs, 'max'):.0f} ms | {med(rs, 'rate'):.0f} submits/s | "
              f"{med(rs, 'rate') / med(base, 'rate'):.2f} | {med(rs, 'p95') / med(base, 'p95'):.2f} | "
              f"{sum(r['errors'] for r in rs)} |")


if __name__ == "__main__":
    main()
