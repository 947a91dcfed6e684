"""Encoder throughput: passages per CPU-second when the embed head scores real passages.

    .venv/bin/python benchmarks/encoder_speed.py [--passages 2000] [--repeats 3]

Embeds real UN General Debate passages (../shared/corpora, split into paragraphs as `stance score` does)
with the shipped all-MiniLM-L6-v2 encoder, on the CPU, once per setting and repeat, each time in a fresh
encoder (so no passage is served from the cache), and prints the median passages per CPU-second of this
process and per wall second, for the settings the embed head can use. The cache by text hash is then
shown separately: a second pass over the same passages in the same encoder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# (tokens read per passage, batch size): the encoder's own limit and the one it was trained with (128)
SETTINGS = ((256, 64), (128, 64), (128, 128))


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


def measure(texts: list[str], batch_size: int, max_length: int | None, repeats: int) -> tuple[float, float, float]:
    """Median passages per CPU-second and per wall second, and the cached pass's per CPU-second."""
    import torch

    from stance.models.encoder import Encoder

    cpu_rates, wall_rates, cached = [], [], []
    for _ in range(repeats):
        enc = Encoder(batch_size=batch_size, max_length=max_length)
        enc.model  # noqa: B018 (load the weights outside the timed part)
        c, w = time.process_time(), time.perf_counter()
        enc.encode(texts)
        c, w = time.process_time() - c, time.perf_counter() - w
        cpu_rates.append(len(texts) / c)
        wall_rates.append(len(texts) / w)
        c = time.process_time()
        enc.encode(texts)
        cached.append(len(texts) / max(time.process_time() - c, 1e-9))
    del torch
    return statistics.median(cpu_rates), statistics.median(wall_rates), statistics.median(cached)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    import torch

    texts = passages(args.passages)
    chars = statistics.median(len(t) for t in texts)
    print(f"{len(texts):,} UN passages (median {chars:.0f} characters), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print("| tokens read per passage | batch | passages per CPU-second | per wall second | cached pass, per CPU-second |")
    print("|---|---|---:|---:|---:|")
    for max_length, batch in SETTINGS:
        cpu, wall, cached = measure(texts, batch, max_length, args.repeats)
        print(f"| {max_length} | {batch} | {cpu:,.0f} | {wall:,.0f} | {cached:,.0f} |", flush=True)
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}, "
          f"median of {args.repeats} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
