"""Accuracy of the toolkit's heads on public, human-labelled data sets (official splits) and on the
embedded real corpus, with all training labels and with few labels, and the time each took.

    .venv/bin/python benchmarks/accuracy.py [--data ../shared/benchmarks]
                                            [--only fomc,semeval,vast,essays,real,real-cross]
                                            [--heads tfidf,embed] [--few-heads tfidf,embed,setfit]
                                            [--few 100,300] [--draws 3] [--n-boot 1000]

Each data set (see benchmarks/accuracy_sets.py) goes through the toolkit's own `train` and
`evaluate_holdout`, with the metric exactly as its README defines it. "All labels" trains each head in
`--heads` on the whole training split. "Few labels" trains each head in `--few-heads` on 100 and 300
training rows drawn with a fixed seed (mean of `--draws` draws; the first split only), scored on at most
1,000 test rows drawn once with a fixed seed. The setfit head fine-tunes on `SETFIT_PAIRS` contrastive
pairs (environment; default 320, i.e. 20 steps of 16: about 4 CPU-minutes per fit on this 2-core
machine, under 2 with `OMP_NUM_THREADS=1`; the CLI default of 2,000 pairs, 125 steps, took 23 at 300 labels). `embed-128` is the frozen encoder
reading the 128 tokens the setfit head reads. Times are CPU seconds of this process (the machine is shared,
so wall time is also given) for training and for scoring. Prints one Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy_sets import TASKS, Task, draw

from stance.codebook import Codebook, Dimension, Value
from stance.errors import ModelError
from stance.models import evaluate_holdout, train

REPO = Path(__file__).resolve().parents[1]
SEED = 20261202
FEW_TEST_ROWS = 1000
SETFIT_PAIRS = int(os.environ.get("SETFIT_PAIRS", 320))  # pairs per fine-tuning here (20 steps of 16; default 2,000)


@dataclass(frozen=True)
class Variant:
    """One column: a head (and, for the tfidf head, a feature set) with its options."""

    name: str
    head: str = "tfidf"
    features: str = "tfidf"
    head_params: tuple = ()

    def params(self) -> dict:
        out = {"features": self.features, "head_type": self.head}
        if self.head_params:
            out["head_params"] = dict(self.head_params)
        return out


VARIANTS = {
    "tfidf": Variant("tfidf"),
    "tfidf+embeddings": Variant("tfidf+embeddings", features="tfidf+embeddings"),
    "embed": Variant("embed", head="embed"),
    # the frozen encoder reading the 128 tokens the setfit head reads: separates fine-tuning from truncation
    "embed-128": Variant("embed-128", head="embed", head_params=(("max_length", 128),)),
    "setfit": Variant("setfit", head="setfit", head_params=(("pairs", SETFIT_PAIRS), ("progress", False))),
}


@dataclass
class Clock:
    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Clock) -> Clock:
        return Clock(self.wall + other.wall, self.cpu + other.cpu)

    def text(self, n: int | None = None) -> str:
        """CPU seconds (the steadier figure on a shared machine), wall seconds, items per CPU-second."""
        per = f", {n / self.cpu:,.0f}/CPU-s" if n and self.cpu > 0 else ""
        return f"{self.cpu:.1f} CPU-s ({self.wall:.0f} s wall{per})"


def timed(fn, *args, **kwargs):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, Clock(time.perf_counter() - t, time.process_time() - c)


def codebook_for(dimension: str, values: list[str]) -> Codebook:
    """A one-dimension codebook for a benchmark's label set (the toolkit never hard-codes labels)."""
    vals = tuple(Value(v, str(i), f"{v} (as defined by the data set)") for i, v in enumerate(values))
    return Codebook(name=f"benchmark {dimension}", version="benchmark", dimensions=(
        Dimension(dimension, f"{dimension}?", vals),))


def fit_and_score(task: Task, tr, te, variant: Variant, n_boot: int, encoder=None):
    """(figures, training clock, scoring clock) of `variant` trained on `tr` and scored on `te`."""
    model, t_train = timed(train, tr, codebook=codebook_for(task.dim, task.values), target_column=task.target_column,
                           min_per_class=1, encoder=encoder, **variant.params(), **task.params)
    figs, t_score = timed(evaluate_holdout, model, te, task.dim, target_column=task.target_column, n_boot=n_boot,
                          average_classes=task.average_classes)
    return figs, t_train, t_score


@dataclass
class Row:
    task: Task
    majority: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # "all labels: head" and "few labels: head" columns


def all_labels(task: Task, variant: Variant, n_boot: int, encoder) -> str:
    scores, t_tr, t_sc, n_tr, n_te = [], Clock(), Clock(), 0, 0
    figs = None
    for tr, te in task.splits:
        figs, a, b = fit_and_score(task, tr, te, variant, n_boot if len(task.splits) == 1 else 0, encoder)
        scores.append(task.score(figs))
        t_tr, t_sc, n_tr, n_te = t_tr + a, t_sc + b, n_tr + len(tr), n_te + len(te)
    k = len(task.splits)
    if k > 1:
        head = f"**{np.mean(scores):.3f} ± {np.std(scores, ddof=1):.3f}**"
    else:
        ci = figs["macro_f1_selected" if task.average_classes else "macro_f1"]
        head = f"**{scores[0]:.3f}**" + (f" ({ci['low']:.3f}-{ci['high']:.3f})" if "low" in ci else "")
    per = "" if k == 1 else " per split"
    return (f"{head}; train {Clock(t_tr.wall / k, t_tr.cpu / k).text()}{per} ({n_tr // k:,} labels); "
            f"score {t_sc.text(n_te)}")


def few_labels(task: Task, variant: Variant, sizes: list[int], draws: int, encoder) -> str:
    tr, te = task.splits[0]
    if len(te) > FEW_TEST_ROWS:
        te = te.iloc[np.random.default_rng(SEED).choice(len(te), FEW_TEST_ROWS, replace=False)]
    parts = []
    for n in sizes:
        scores, t_tr, t_sc = [], Clock(), Clock()
        for d in range(draws):
            figs, a, b = fit_and_score(task, draw(tr, n, task.dim, SEED + d), te, variant, 0, encoder)
            scores.append(task.score(figs))
            say(f"  {variant.name}, {n} labels, draw {d + 1}: {scores[-1]:.3f}; train {a.text()}, score {b.text()}")
            t_tr, t_sc = t_tr + a, t_sc + b
        parts.append(f"{n}: **{np.mean(scores):.3f}** (sd {np.std(scores, ddof=1):.3f}; train "
                     f"{t_tr.cpu / draws:.0f} CPU-s, score {t_sc.cpu / draws:.0f} CPU-s for {len(te)})")
    return "; ".join(parts)


def majority(task: Task) -> str:
    from stance.models.metrics import single_label_figures

    scores = []
    for tr, te in task.splits:
        if task.target_column:  # the per-target majority
            pred = te[task.target_column].map(tr.groupby(task.target_column)[task.dim].agg(lambda s: s.mode()[0]))
            pred = pred.fillna(tr[task.dim].mode()[0])
        else:
            pred = [tr[task.dim].mode()[0]] * len(te)
        k = len(task.values)
        figs = single_label_figures(te[task.dim].astype(str), list(pred), np.full((len(te), k), 1 / k), task.values,
                                    te["doc_id"], 0, average_classes=task.average_classes)
        scores.append(task.score(figs))
    return f"{np.mean(scores):.3f}" + (" (per-target)" if task.target_column else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.environ.get("STANCE_BENCHMARKS", str(REPO.parent / "shared" / "benchmarks"))
    ap.add_argument("--data", default=default, help="folder with the benchmark data sets (default: %(default)s)")
    ap.add_argument("--only", default=",".join(TASKS), help="comma-separated subset of: " + ", ".join(TASKS))
    ap.add_argument("--heads", default="tfidf,embed", help="heads trained on all labels: " + ", ".join(VARIANTS))
    ap.add_argument("--few-heads", default="tfidf,embed,setfit", help="heads trained on few labels ('' for none)")
    ap.add_argument("--few", default="100,300", help="few-label sizes")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args(argv)
    root = Path(args.data)
    if not root.is_dir():
        print(f"benchmark folder not found: {root} (use --data or STANCE_BENCHMARKS)", file=sys.stderr)
        return 2
    heads = [VARIANTS[h] for h in args.heads.split(",") if h]
    few_heads = [VARIANTS[h] for h in args.few_heads.split(",") if h]
    sizes = [int(n) for n in args.few.split(",") if n]
    reason = embeddings_available()
    encoders = {None: None}
    if reason is None:
        from stance.models.encoder import Encoder

        encoders[None] = Encoder()  # one encoder for the run: each distinct text is embedded once
    rows = []
    for key in args.only.split(","):
        task = TASKS[key](root)
        row = Row(task, majority(task))
        for v in heads:
            say(f"{key}: {v.name}, all labels")
            row.cells[f"all labels: {v.name}"] = run(v, reason, all_labels, task, v, args.n_boot, shared(v, encoders))
        for v in few_heads:
            say(f"{key}: {v.name}, few labels")
            row.cells[f"few labels: {v.name}"] = run(v, reason, few_labels, task, v, sizes, args.draws,
                                                     shared(v, encoders))
        rows.append(row)
        print(render(rows), flush=True)  # the table so far: a long run can be read while it goes
    return 0


def shared(variant: Variant, encoders: dict):
    """The run's encoder for heads that read frozen embeddings, one per token limit (a cache is valid for
    one encoder and one limit only); None for the setfit head, which fine-tunes its own."""
    if not (variant.head == "embed" or variant.features != "tfidf") or encoders.get(None) is None:
        return None
    from stance.models.heads.embed import DEFAULT_BACKEND

    limit = dict(variant.head_params).get("max_length")
    backend = dict(variant.head_params).get("backend", DEFAULT_BACKEND) if variant.head == "embed" else "torch"
    if (limit, backend) not in encoders:  # the embed head uses a shared encoder only of its own backend
        from stance.models.encoder import Encoder

        encoders[(limit, backend)] = Encoder(max_length=limit, backend=backend)
    return encoders[(limit, backend)]


def run(variant: Variant, reason: str | None, fn, *args) -> str:
    if variant.name != "tfidf" and reason is not None:
        return f"not run: {reason}"
    try:
        return fn(*args)
    except (ModelError, ValueError) as exc:
        return f"failed: {exc}"


def say(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def embeddings_available() -> str | None:
    try:
        from stance.models.encoder import embeddings_model_path

        embeddings_model_path()
        import sentence_transformers  # noqa: F401
    except (ModelError, ImportError) as exc:
        return f"embeddings extra not installed ({str(exc).split(';')[0]})"
    return None


def render(rows: list[Row]) -> str:
    columns = list(dict.fromkeys(c for r in rows for c in r.cells))
    head = ["data set", "metric", "majority baseline", "published classical baseline", "published best", *columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        t = r.task
        lines.append("| " + " | ".join([t.title, t.metric, r.majority, t.classical, t.best,
                                          *(r.cells.get(c, "") for c in columns)]) + " |")
    notes = [n for r in rows for n in r.task.notes]
    machine = (f"Machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs "
               f"(shared), Python {platform.python_version()}")
    return "\n".join([*lines, "", *[f"- {n}" for n in notes], "", machine])


if __name__ == "__main__":
    sys.exit(main())
