"""Encoder throughput: passages per CPU-second and per wall second, per head and encoder backend.

    .venv/bin/python benchmarks/encoder_speed.py [--passages 400] [--repeats 2]

Real UN General Debate passages (../shared/corpora, split into paragraphs as `stance score` does; most
fill the 256 tokens the encoder reads) are embedded on the CPU by the shipped all-MiniLM-L6-v2 encoder:

1. the bare encoder, per backend (PyTorch fp32 through sentence-transformers, ONNX fp32 and ONNX int8
   through onnxruntime) at 128 and 256 tokens read per passage, in this process with its default threads,
   each repeat in a fresh encoder (so no passage is served from a cache; weights loaded before the clock);
2. the embed head's whole scoring (`stance score`'s `pooled`: encoder, classifier, assembly of the
   columns) per backend at the head's default 256 tokens, with --jobs 1 and 2 (two worker processes of
   one thread each; their CPU time is counted with this process's);
3. the same scoring again with the embedding cache on disk filled: what a re-score costs.

CPU seconds are those of this process and its children (`resource.getrusage`); the machine is shared, so
per wall second figures move with its load while per CPU-second ones hardly do. The setfit head runs the
PyTorch backend (its fine-tuned weights are not exported), so its speed is the PyTorch row at 128 tokens.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
AIM = 300  # passages per second wanted on this 2-core machine (issue 17)


def passages(n: int) -> list[str]:
    """The first `n` non-boilerplate passages of the UN statements, in file order."""
    import json

    from stance.passages import split_passages

    path = Path(os.environ.get("STANCE_SHARED", REPO.parent / "shared")) / "corpora" / "un-general-debate" / "speeches.jsonl"
    if not path.exists():
        raise SystemExit(f"UN statements not found at {path} (set STANCE_SHARED)")
    out: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            out.extend(p.text for p in split_passages(row["id"], row["text"]) if not p.is_boilerplate)
            if len(out) >= n:
                return out[:n]
    return out


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(run) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of `run()`."""
    c, w = cpu_seconds(), time.perf_counter()
    run()
    return cpu_seconds() - c, time.perf_counter() - w


def bare_encoder(texts: list[str], backend: str, max_length: int, repeats: int) -> tuple[float, float]:
    """Median passages per CPU-second and per wall second of a fresh encoder."""
    from stance.models.encoder import Encoder

    cpu, wall = [], []
    for _ in range(repeats):
        enc = Encoder(max_length=max_length, backend=backend)
        enc.encode(texts[:2])  # load the weights (or the ONNX session) outside the timed part
        enc.forget()
        c, w = timed(lambda enc=enc: enc.encode(texts))
        cpu.append(len(texts) / c)
        wall.append(len(texts) / w)
    return statistics.median(cpu), statistics.median(wall)


def embed_model(backend: str):
    """An embed head trained on the embedded corpus's seed passages (its speed, not its accuracy, is measured)."""
    from stance.corpus import load_into
    from stance.models import train
    from stance.store import Project

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = Project.init(Path(tmp) / "p")
        load_into(project)
        return train(project, dimensions=["posture", "intervention"], include_examples=True, drop_rare=True,
                     min_per_class=3, head_type="embed", head_params={"backend": backend})


def head_scoring(model, texts: list[str], jobs: int, cache: Path | None, repeats: int) -> tuple[float, float]:
    """Median passages per CPU-second and per wall second of the scoring engine's prediction step."""
    import pandas as pd

    from stance.score.plan import make_plan, pooled

    cpu, wall = [], []
    for _ in range(repeats):
        plan = make_plan(model)
        plan.embedding_cache = cache
        model.head_.encoder_ = None  # a fresh encoder: nothing in memory
        frames = [pd.DataFrame({"text": texts[i:i + 100]}) for i in range(0, len(texts), 100)]
        c, w = timed(lambda plan=plan, frames=frames: list(pooled(plan, frames, 0, jobs)))
        cpu.append(len(texts) / c)
        wall.append(len(texts) / w)
    return statistics.median(cpu), statistics.median(wall)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    import onnxruntime
    import torch

    texts = passages(args.passages)
    chars = statistics.median(len(t) for t in texts)
    print(f"{len(texts):,} UN passages (median {chars:.0f} characters); torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), onnxruntime {onnxruntime.__version__}; median of {args.repeats}")
    print("\nThe bare encoder, in this process (default threads):\n")
    print("| backend | tokens read | passages per CPU-second | per wall second |")
    print("|---|---:|---:|---:|")
    for backend in BACKENDS:
        for max_length in (128, 256):
            cpu, wall = bare_encoder(texts, backend, max_length, args.repeats)
            print(f"| {backend} | {max_length} | {cpu:,.0f} | {wall:,.0f} |", flush=True)
    print("\nThe embed head's whole scoring (256 tokens; --jobs 2: two processes of one thread):\n")
    print("| backend | jobs | passages per CPU-second | per wall second | re-score from the disk cache, "
          "per CPU-second |")
    print("|---|---:|---:|---:|---:|")
    best = 0.0
    for backend in BACKENDS:
        model = embed_model(backend)
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as cache:
                cpu, wall = head_scoring(model, texts, jobs, Path(cache), 1)
                again, _ = head_scoring(model, texts, 1, Path(cache), args.repeats)
            best = max(best, wall)
            print(f"| {backend} | {jobs} | {cpu:,.0f} | {wall:,.0f} | {again:,.0f} |", flush=True)
    print(f"\nAim: {AIM} passages per second on this machine; best measured here {best:,.0f} per wall second "
          f"({'met' if best >= AIM else f'missed by {AIM / best:.1f}x'}).")
    print(f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
          f"(shared), Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
