"""The stock model across genres: train on one genre of the embedded corpus, test on another.

    .venv/bin/python benchmarks/cross_genre.py [--n-boot 1000] [--include-examples] [--cv]

Genres (all real text, gold-labelled against the codebook): US presidential speeches (946 passages,
66 speeches), UN General Debate statements (774 passages, 75 statements; needs ../shared or
STANCE_SHARED) and the seed op-eds and news pieces (54 passages, 4 documents); the real corpus's
top-up passages (corpus/README.md) included, as `stance demo` trains on them. For every genre the model
is trained on that genre alone and tested on each of the others, then trained on the other two and
tested on it. `--include-examples` adds the 330 written codebook examples to every training set (as the
stock model does); they are never tested on. `--cv` also prints the grouped cross-validation of the
stock model (all genres, examples in training) split by genre, as `stance demo` stores in its card.

Each figure is beside two constant answers on the same test passages: the training data's most common
value, and the test genre's own most common value. Prints Markdown tables and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from stance.codebook import load_codebook
from stance.corpus import load_into
from stance.corpus_genres import cross_genre, cv_by_genre, figures_table, genre_of, markdown_table
from stance.real_corpus import load_real_into
from stance.store import Project

GENRE_ORDER = ("speeches", "UN statements", "seed op-eds")


def gold_frame(folder: Path):
    """The embedded corpus's gold frame (seed, real corpus, written examples), as `stance demo` loads it."""
    project = Project.init(folder)
    load_into(project)
    real, _ = load_real_into(project)
    for reason in real.skipped:
        print(reason, file=sys.stderr)
    return project, project.gold_frame(include_examples=True)


def runs(genres: list[str]) -> list[tuple[list[str], list[str]]]:
    """(train genres, test genres): each genre alone against the others, then all but one against it."""
    out = [([g], [t for t in genres if t != g]) for g in genres]
    out += [([t for t in genres if t != g], [g]) for g in genres]
    return out


def overall(evaluation) -> pd.DataFrame:
    """The grouped cross-validation per dimension: macro-F1 and accuracy (micro-F1 for topic) with
    intervals, beside the majority baseline of the training folds."""
    rows = []
    for d in evaluation.dimensions.values():
        if not d.evaluated:
            continue
        second = "micro_f1" if "micro_f1" in d.metrics else "accuracy"
        row = {"dimension": d.dimension, "passages (documents)": f"{d.passages} ({d.documents})"}
        for metric, label in (("macro_f1", "macro-F1"), (second, "accuracy")):
            m, b = d.metrics[metric], d.baseline[metric]
            suffix = " (micro-F1)" if metric == "micro_f1" else ""
            row[label] = f"{m['value']:.3f} [{m['low']:.3f}-{m['high']:.3f}]{suffix}"
            row[f"{label}, majority"] = f"{b['value']:.3f}" + (" (**model below**)" if b["value"] > m["value"] else "")
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--include-examples", action="store_true",
                    help="add the written codebook examples to every training set (never to a test set)")
    ap.add_argument("--cv", action="store_true", help="also the stock model's grouped cross-validation per genre")
    args = ap.parse_args(argv)
    codebook = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        project, frame = gold_frame(Path(tmp) / "p")
        genre = genre_of(frame)
        genres = [g for g in GENRE_ORDER if g in set(genre)]
        counts = genre[~frame["is_example"]].value_counts()
        print("Passages per genre: " + ", ".join(f"{g} {counts[g]}" for g in genres) + "\n")
        figures, cpu = [], time.process_time()
        for train_genres, test_genres in runs(genres):
            print(f"training on {' + '.join(train_genres)} ...", file=sys.stderr, flush=True)
            figures += cross_genre(frame, codebook, train_genres, test_genres,
                                   include_examples=args.include_examples, n_boot=args.n_boot)
        print(markdown_table(figures_table(figures)))
        if args.cv:
            from stance.models import evaluate

            print("cross-validating the stock model ...", file=sys.stderr, flush=True)
            evaluation = evaluate(project, include_examples=True, n_boot=args.n_boot, learning_curve=False)
            print("\nStock model, 5-fold cross-validation grouped by document on all real passages (written "
                  "examples in training only):\n")
            print(markdown_table(overall(evaluation)))
            print("\nStock model, 5-fold cross-validation grouped by document (all genres, written examples in "
                  "training), split by genre:\n")
            print(markdown_table(figures_table(cv_by_genre(evaluation, frame, codebook, args.n_boot))))
        project.close()
    print(f"\n{args.n_boot} bootstrap replicates over test documents; CPU {time.process_time() - cpu:.0f} s.")
    print(f"Machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs (shared), "
          f"Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
