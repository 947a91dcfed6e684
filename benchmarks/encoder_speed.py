"""Encoder throughput: passages per CPU-second and per wall second, per head, backend and passage length.

    .venv/bin/python benchmarks/encoder_speed.py [--passages 400] [--repeats 3] [--parts bare,length,scoring]
    [--backends torch,onnx-fp32,onnx-int8]

Real text embedded on the CPU by the shipped all-MiniLM-L6-v2 encoder:

1. the bare encoder with one thread (what each worker of `--jobs 2` runs on this 2-core machine), per
   backend (PyTorch fp32 through sentence-transformers, ONNX fp32 and ONNX int8 through onnxruntime) at
   128 and 256 tokens read, on UN General Debate passages (../shared/corpora, split as `stance score`
   does). Beside the shipped int8 graph ("before") runs the candidate "after": the fp32 export with eager
   attention, fused by onnxruntime's transformer optimizer (Attention, EmbedLayerNormalization,
   SkipLayerNormalization, BiasGelu) and then quantised the same way (MatMul and Attention, int8 per
   channel). Every encoder runs once per repeat, interleaved, so the machine's load falls on all alike;
   each repeat is a fresh pass (no passage is served from a cache);
2. the shipped int8 encoder by passage length: FOMC sentences (../shared/benchmarks), the embedded
   corpus's op-ed paragraphs and the UN passages, with the tokens they fill and the share of the run
   spent in matrix products (the int8 weight products and the attention's own; onnxruntime's profiler on
   100 passages): the rate divided by that share is the ceiling if every other step were free;
3. the embed head's whole scoring (`stance score`'s `pooled`: encoder, classifier, assembly of the
   columns) per backend at the head's default 256 tokens, with --jobs 1 and 2, then again from the
   filled embedding cache on disk (what a re-score costs).

CPU seconds: this process's (`time.process_time`) plus, for --jobs 2, those of every process below it
(psutil), read after the last frame is scored and before the pool shuts down. The workers are forkserver
children that this process never waits for, so `getrusage(RUSAGE_CHILDREN)` would miss them. The
machine is shared, so per wall second figures move with its load while per CPU-second ones hardly do.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STANCE_SHARED", REPO.parent / "shared"))
BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
FUSED = "onnx-int8 fused (after)"
AIM = 300  # passages per second wanted on this 2-core machine (issue 17)
MATMULS = ("DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulInteger", "QAttention", "FusedMatMul", "MatMul")


def un_passages(n: int) -> list[str]:
    """The first `n` non-boilerplate passages of the UN statements, in file order."""
    from stance.passages import split_passages

    path = SHARED / "corpora" / "un-general-debate" / "speeches.jsonl"
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


def fomc_sentences(n: int) -> list[str]:
    """The first `n` FOMC sentences of the hawkish/dovish benchmark's test split."""
    path = SHARED / "benchmarks" / "fomc-hawkish-dovish" / "lab-manual-combine-test-5768.csv"
    with path.open(encoding="utf-8") as f:
        return [row["sentence"] for row in csv.DictReader(f)][:n]


def seed_paragraphs() -> list[str]:
    """The embedded corpus's op-ed paragraphs (four Responsible Statecraft pieces), without boilerplate."""
    from stance.corpus import load_corpus

    return [p.text for d in load_corpus().documents if not d.is_example and not d.meta.get("corpus")
            for p in d.passages if not p.is_boilerplate]


def fused_int8() -> bytes:
    """The candidate graph: the encoder exported with eager attention (the pattern the optimizer fuses),
    fused by onnxruntime's transformer optimizer, then int8 dynamic quantisation as shipped."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from stance.models.encoder import load_sentence_model
    from stance.models.onnx_encoder import export_transformer

    transformer = load_sentence_model()[0].auto_model
    transformer.set_attn_implementation("eager")
    fp32 = export_transformer(transformer, "onnx-fp32")  # the shipped export, on the eager-attention graph
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "fp32.onnx").write_bytes(fp32)
        fused = optimize_model(str(Path(tmp) / "fp32.onnx"), model_type="bert", num_heads=12, hidden_size=384,
                               opt_level=0)
        counts = {k: v for k, v in fused.get_fused_operator_statistics().items() if v}
        print(f"transformer optimizer fused: {counts}")
        fused.save_model_to_file(str(Path(tmp) / "fused.onnx"))
        quantize_dynamic(Path(tmp) / "fused.onnx", Path(tmp) / "int8.onnx", weight_type=QuantType.QInt8,
                         per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        return (Path(tmp) / "int8.onnx").read_bytes()


def bare_encoders(texts: list[str], max_length: int, repeats: int, fused: bytes) -> dict[str, tuple]:
    """Per encoder: (median passages per CPU-second, per wall second, cosine to PyTorch's embeddings)."""
    import numpy as np

    from stance.models.encoder import Encoder

    encoders = {b: Encoder(max_length=max_length, backend=b, threads=1) for b in BACKENDS}
    encoders[FUSED] = Encoder(max_length=max_length, backend="onnx-int8", onnx=fused, threads=1)
    cpu: dict[str, list[float]] = collections.defaultdict(list)
    wall: dict[str, list[float]] = collections.defaultdict(list)
    last = {}
    for enc in encoders.values():
        enc.encode(texts[:2])  # load the weights (or the ONNX session) outside the timed part
    for _ in range(repeats):
        for name, enc in encoders.items():
            enc.forget()
            c, w = time.process_time(), time.perf_counter()
            last[name] = enc.encode(texts)
            cpu[name].append(len(texts) / (time.process_time() - c))
            wall[name].append(len(texts) / (time.perf_counter() - w))
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name]),
                   float(np.median((last[name] * last["torch"]).sum(axis=1)))) for name in encoders}


def by_length(sets: dict[str, list[str]], repeats: int) -> None:
    """The shipped int8 encoder, one thread, 256 tokens, on passages of different lengths."""
    import onnxruntime as ort

    from stance.models.encoder import Encoder

    print("\nThe shipped onnx-int8 encoder by passage length (256 tokens read at most, one thread):\n")
    print("| passages | n | median characters | median tokens | passages per CPU-second | two cores at that rate "
          "| matrix products' share of the run | ceiling per CPU-second if all else were free |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, texts in sets.items():
        enc = Encoder(backend="onnx-int8", threads=1)
        enc.encode(texts[:2])
        rates = []
        for _ in range(repeats):
            enc.forget()
            c = time.process_time()
            enc.encode(texts)
            rates.append(len(texts) / (time.process_time() - c))
        session = enc._onnx_session
        tokens = statistics.median(len(e.ids) for e in session.tokenizer.encode_batch(texts))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.enable_profiling = True
        with tempfile.TemporaryDirectory() as tmp:
            options.profile_file_prefix = str(Path(tmp) / "profile")
            session.session = ort.InferenceSession(enc.onnx_bytes, options, providers=["CPUExecutionProvider"])
            session.encode(texts[:100], 1)
            events = json.loads(Path(session.session.end_profiling()).read_text())
        spent: collections.Counter = collections.Counter()
        for e in events:
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                spent[e["args"]["op_name"]] += e["dur"]
        share = sum(spent[op] for op in MATMULS) / sum(spent.values())
        rate = statistics.median(rates)
        print(f"| {name} | {len(texts)} | {statistics.median(map(len, texts)):.0f} | {tokens:.0f} | {rate:,.0f} | "
              f"{2 * rate:,.0f} | {share:.0%} | {rate / share:,.0f} |", flush=True)


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


def tree_cpu() -> dict[int, float]:
    """User + system CPU seconds of every process below this one (the forkserver and its workers)."""
    import psutil

    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
            out[child.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


def head_scoring(model, texts: list[str], jobs: int, cache: Path | None, repeats: int) -> tuple[float, float]:
    """Median passages per CPU-second (this process and its workers) and per wall second of `pooled`."""
    import pandas as pd

    from stance.score.plan import make_plan, pooled

    cpu, wall = [], []
    for _ in range(repeats):
        plan = make_plan(model)
        plan.embedding_cache = cache
        model.head_.encoder_ = None  # a fresh encoder: nothing in memory
        frames = [pd.DataFrame({"text": texts[i:i + 100]}) for i in range(0, len(texts), 100)]
        before, c, w = tree_cpu(), time.process_time(), time.perf_counter()
        workers = 0.0
        for i, _ in enumerate(pooled(plan, frames, 0, jobs)):
            if i == len(frames) - 1:  # every frame scored, the pool not yet shut down: the workers' totals
                spent, after = time.process_time() - c, tree_cpu()
                seconds = time.perf_counter() - w
                workers = sum(t - before.get(pid, 0.0) for pid, t in after.items())
        cpu.append(len(texts) / (spent + workers))
        wall.append(len(texts) / seconds)
    return statistics.median(cpu), statistics.median(wall)


def bare(texts: list[str], repeats: int) -> None:
    fused = fused_int8()
    print("\nThe bare encoder, one thread, in this process:\n")
    print("| backend | tokens read | passages per CPU-second | per wall second | cosine to PyTorch (median) |")
    print("|---|---:|---:|---:|---:|")
    for max_length in (128, 256):
        for name, (cpu, wall, cosine) in bare_encoders(texts, max_length, repeats, fused).items():
            print(f"| {name} | {max_length} | {cpu:,.1f} | {wall:,.1f} | {cosine:.4f} |", flush=True)


def scoring(texts: list[str], backends: list[str], repeats: int) -> None:
    print("\nThe embed head's whole scoring (256 tokens; --jobs 2: two processes of one thread; CPU of the "
          "workers counted):\n")
    print("| backend | jobs | passages per CPU-second | per wall second | re-score from the disk cache, "
          "per CPU-second |")
    print("|---|---:|---:|---:|---:|")
    best = 0.0
    for backend in backends:
        model = embed_model(backend)
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as cache:
                cpu, wall = head_scoring(model, texts, jobs, Path(cache), 1)
                again, _ = head_scoring(model, texts, 1, Path(cache), repeats)
            best = max(best, wall)
            print(f"| {backend} | {jobs} | {cpu:,.1f} | {wall:,.1f} | {again:,.0f} |", flush=True)
    print(f"\nAim: {AIM} passages per second on this machine; best whole scoring of UN passages measured here "
          f"{best:,.0f} per wall second ({'met' if best >= AIM else f'missed by {AIM / best:.1f}x'}).")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--parts", default="bare,length,scoring", help="which of the three parts to run")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="the backends of the scoring part")
    args = ap.parse_args(argv)
    import onnxruntime
    import torch

    texts = un_passages(args.passages)
    threads = torch.get_num_threads()
    print(f"{len(texts):,} UN passages (median {statistics.median(map(len, texts)):.0f} characters); torch "
          f"{torch.__version__}, onnxruntime {onnxruntime.__version__}; median of {args.repeats}; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    parts = set(args.parts.split(","))
    if "bare" in parts:
        bare(texts, args.repeats)
    torch.set_num_threads(threads)
    if "length" in parts:
        by_length({"FOMC sentences": fomc_sentences(args.passages), "seed op-ed paragraphs": seed_paragraphs(),
                   "UN passages": texts}, args.repeats)
    if "scoring" in parts:
        scoring(texts, args.backends.split(","), args.repeats)
    print(f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
          f"(shared), Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
