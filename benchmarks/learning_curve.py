"""Learning curves (labelled passages vs macro-F1 on held-out documents) per head on the embedded real corpus.

    .venv/bin/python benchmarks/learning_curve.py [--heads tfidf,embed,setfit] [--dimension posture]
                                                  [--folds 5] [--setfit-pairs 320]
                                                  [--figure docs/img/learning_curve]

The real corpus (US speeches, and the UN statements when ../shared is beside the repository) is loaded
into a temporary project; each head is cross-validated grouped by document (speech or statement) with
the learning curve on (`stance evaluate --learning-curve`): in every fold a model is trained on growing
shares of the fold's training documents and scored on its test documents. Prints one Markdown table
(head, passages, mean macro-F1, its standard deviation over folds, the majority baseline) with the CPU
seconds of each head and the machine, and draws the figure with the report's own chart function.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from stance.models import evaluate
from stance.real_corpus import load_real_into
from stance.store import Project

REPO = Path(__file__).resolve().parents[1]


def head_options(head: str, pairs: int) -> dict:
    """`evaluate`'s keywords for a head (the setfit head with its pair budget, without progress bars)."""
    if head == "tfidf+embeddings":
        return {"features": head}
    options = {"head_type": head}
    if head == "setfit":
        options["head_params"] = {"pairs": pairs, "progress": False}
    return options


def curve(project: Project, head: str, dimension: str, folds: int, pairs: int) -> tuple[pd.DataFrame, float]:
    start = time.process_time()
    result = evaluate(project, dimensions=[dimension], n_splits=folds, n_boot=200, learning_curve=True,
                      **head_options(head, pairs))
    seconds = time.process_time() - start
    ev = result.dimensions[dimension]
    table = ev.learning_curve.copy()
    table["head"] = head
    table["dimension"] = dimension
    table["baseline"] = (ev.baseline.get("macro_f1") or {}).get("value")
    return table, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heads", default="tfidf", help="comma-separated heads to compare")
    parser.add_argument("--dimension", default="posture")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--setfit-pairs", type=int, default=320, help="contrastive pairs per setfit fine-tuning")
    parser.add_argument("--figure", default=str(REPO / "docs" / "img" / "learning_curve"), help="figure path without suffix (PNG)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "real")
        real, gold = load_real_into(project)
        print(f"real corpus: {gold} gold passages; {'; '.join(real.skipped) or 'US and UN parts'}")
        tables, seconds = [], {}
        for head in [h.strip() for h in args.heads.split(",") if h.strip()]:
            table, seconds[head] = curve(project, head, args.dimension, args.folds, args.setfit_pairs)
            tables.append(table)
    frame = pd.concat(tables, ignore_index=True)
    print(f"\n{args.dimension}: macro-F1 on held-out documents ({args.folds}-fold CV grouped by document)\n")
    print("| head | passages | macro-F1 | sd over folds | folds | majority baseline |")
    print("|---|---|---|---|---|---|")
    for r in frame.itertuples():
        print(f"| {r.head} | {r.passages:.0f} | {r.macro_f1:.3f} | {r.macro_f1_sd:.3f} | {r.folds} | {r.baseline:.3f} |")
    print("\nCPU seconds per head (whole cross-validation with its learning curve): "
          + ", ".join(f"{h} {s:.0f}" for h, s in seconds.items()))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    from stance.plots import learning_curve_chart, save_figure

    fig = learning_curve_chart(frame, title=f"Learning curve on the real corpus: {args.dimension}", series="head")
    path = save_figure(fig, args.figure, formats=("png",))[0]
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
