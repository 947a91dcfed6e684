"""Does the ONNX int8 encoder keep the embed head's predictions? Measured on the embedded real corpus.

    .venv/bin/python benchmarks/encoder_agreement.py [--splits 5]

The real passages of the embedded corpus (US presidential speeches and UN General Debate statements read
against the codebook; the UN part needs ../shared/corpora) are embedded once per backend (PyTorch fp32,
ONNX fp32, ONNX int8; the embed head's 256 tokens). For each single-valued dimension, the embed head's
classifier is cross-validated grouped by document (StratifiedGroupKFold, the same folds for every
backend) on each backend's embeddings, and the script prints, per backend against PyTorch: the cosine of
the embeddings, the share of passages given the same out-of-fold label, and macro-F1 against the gold
labels for both. A last column scores each fold's PyTorch-trained classifier from int8 embeddings (an old
model file scored with the new backend). Training and scoring CPU seconds per backend are printed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")


def real_gold():
    """The gold frame of the real passages (no written examples, no seed op-eds)."""
    from stance.corpus import load_into
    from stance.real_corpus import load_real_into
    from stance.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / "p")
        load_into(project)
        real, _ = load_real_into(project)
        frame = project.gold_frame()
    ids = {p.passage_id for p in real.passages}
    return frame[frame["passage_id"].isin(ids)].reset_index(drop=True), real.skipped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", type=int, default=5)
    args = ap.parse_args(argv)
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold

    from stance.models.data import has_label
    from stance.models.encoder import Encoder
    from stance.models.head import LinearHead
    from stance.models.heads.embed import embedding_classifier

    frame, skipped = real_gold()
    for note in skipped:
        print(f"note: {note}")
    texts = frame["text"].tolist()
    print(f"{len(texts):,} real passages of {frame['doc_id'].nunique()} documents; {args.splits} folds grouped by "
          "document")
    embeddings, seconds = {}, {}
    for backend in BACKENDS:
        enc = Encoder(backend=backend)
        enc.encode(texts[:2])
        enc.forget()
        c = time.process_time()
        embeddings[backend] = enc.encode(texts)
        seconds[backend] = time.process_time() - c
    for backend in BACKENDS[1:]:
        cos = (embeddings[backend] * embeddings["torch"]).sum(axis=1)
        print(f"{backend}: cosine to PyTorch median {np.median(cos):.4f}, lowest {cos.min():.4f}, 1st percentile "
              f"{np.percentile(cos, 1):.4f}; {len(texts) / seconds[backend]:.0f} passages per CPU-second against "
              f"PyTorch's {len(texts) / seconds['torch']:.0f}")
    params = embedding_classifier({})
    print("\n| dimension | passages | backend | same out-of-fold label as PyTorch | macro-F1 | PyTorch's "
          "macro-F1 | PyTorch-trained classifier scored from int8: same label |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for dim in ("posture", "intervention", "role", "voice"):
        mask = frame[dim].map(has_label).to_numpy()
        y = frame.loc[mask, dim].astype(str).to_numpy()
        groups = frame.loc[mask, "doc_id"].to_numpy()
        folds = list(StratifiedGroupKFold(args.splits, shuffle=True, random_state=0).split(y, y, groups))
        predicted = {b: np.empty(len(y), dtype=object) for b in BACKENDS}
        crossed = np.empty(len(y), dtype=object)
        for train, test in folds:
            for backend in BACKENDS:
                X = embeddings[backend][mask]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    head = LinearHead(random_state=0, **params).fit(X[train], y[train], groups[train])
                predicted[backend][test] = head.predict(X[test])
                if backend == "torch":
                    crossed[test] = head.predict(embeddings["onnx-int8"][mask][test])
        reference = f1_score(y, predicted["torch"].astype(str), average="macro")
        for backend in BACKENDS[1:]:
            same = (predicted[backend] == predicted["torch"]).mean()
            f1 = f1_score(y, predicted[backend].astype(str), average="macro")
            cross = f"{(crossed == predicted['torch']).mean():.3f}" if backend == "onnx-int8" else ""
            print(f"| {dim} | {len(y)} | {backend} | {same:.3f} | {f1:.3f} | {reference:.3f} | {cross} |", flush=True)
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
