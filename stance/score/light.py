"""Scoring a few files from the command line with a model's plain form (`stance.models.plain`): the same
rows, the same CSV and the same transfer checks as `score_to_file`, without importing pandas,
scikit-learn or skops, whose imports alone cost several times the work of scoring a passage.

`stance score FILES --model M -o OUT.csv` takes this path when `light_case` says so: a model file that
carries a plain form which checks out, inputs of at most LIGHT_MAX_BYTES in total, and passage-level CSV
output without --terms, --jobs, targets, stdin or the Dask engine. Everything else, and bigger inputs
(where the full path's sparse products are faster and its start-up is paid once), takes the full path.
tests/test_startup.py checks that both paths write the same file and print the same lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..codebook import Codebook
from ..documents import InputOptions, TableOptions
from ..errors import InputError
from ..models.plain import PlainModel
from .inputs import ScoreSummary, iter_documents, passage_rows, plan_inputs
from .output import AtomicWriter, output_format

LIGHT_MAX_BYTES = 1_000_000  # about 2,500 passages of news text: beyond, the full path is faster
# the transfer checks' thresholds and sample, as stance.validation.transfer has them (not imported: pandas)
BARELY_SEEN, SHIFT_WARNING, UNSEEN_WARNING, SAMPLE_SIZE = 0.5, 0.25, 0.25, 5000


def light_inputs(inputs: Iterable[str]) -> bool:
    """Whether `inputs` are existing regular files of at most LIGHT_MAX_BYTES together."""
    total = 0
    for raw in inputs:
        path = Path(raw)
        if raw == "-" or not path.is_file():
            return False
        total += path.stat().st_size
    return total <= LIGHT_MAX_BYTES


def score_light(inputs: list[str], output: str | Path, model: PlainModel, order: Codebook, *, text_col: str = "text",
                meta_cols: list[str] | None = None, id_col: str | None = None, meta: dict[str, Any] | None = None,
                columns: dict[str, str] | None = None, unit: str = "paragraph", batch_size: int = 2000,
                with_text: bool = False, on_error: str = "stop", progress: Callable[[int], None] | None = None,
                on_skip: Callable[[str, str], None] | None = None) -> tuple[ScoreSummary, LightChecks | None]:
    """Score `inputs` with `model` into the CSV file `output`; (what was done, the transfer checks or None).

    `order` is the codebook whose order the dimensions and values follow (as `make_plan` orders them)."""
    output_format(output)
    summary = ScoreSummary(output=Path(output))
    start = time.perf_counter()

    def skip(where: str, why: str) -> None:
        summary.skipped.append((where, why))
        if on_skip:
            on_skip(where, why)

    table = TableOptions(text_col=text_col, meta_cols=meta_cols, id_col=id_col, columns=dict(columns or {}))
    reading = InputOptions(table, dict(meta or {}), unit, max_text_bytes=None)
    in_plan = plan_inputs(inputs, reading, on_error)
    for where, why in in_plan.skipped:
        skip(where, why)
    dims, classes = _order(model, order)
    score_cols = [c for d in dims for c in (d, *(f"{d}:{v}" for v in classes[d]))]
    passage_cols = [*in_plan.columns]
    clash = [c for c in score_cols if c in passage_cols]
    if clash:
        raise InputError(f"the input already has columns named like the scores ({', '.join(clash[:4])}"
                         f"{', ...' if len(clash) > 4 else ''}); choose the metadata to keep with --meta-cols")
    kept = passage_cols if with_text else [c for c in passage_cols if c != "text"]
    sample = _Sample(model, dims, classes)
    docs, passages = set(), set()
    with AtomicWriter(output) as writer:
        writer.write_csv_rows([], header=[*kept, *score_cols])
        for rows in _batches(iter_documents(in_plan, reading, on_error, skip), in_plan.meta_columns, batch_size,
                             id_col):
            texts = [r["text"] for r in rows]
            predicted = model.predict(texts)
            scored = [[r[c] for c in kept] for r in rows]
            for d in dims:
                proba, chosen = predicted[d]
                at = [model.classes_[d].index(v) for v in classes[d]]
                proba = proba[:, at]
                if model.heads[d].spec["multilabel"]:
                    picked = chosen[:, at].astype(bool)
                    labels = [";".join(v for v, on in zip(classes[d], row, strict=True) if on) for row in picked]
                else:
                    labels = [model.classes_[d][i] for i in chosen]
                for out, label, p in zip(scored, labels, proba.tolist(), strict=True):
                    out.append(label)
                    out.extend(p)
                sample.add_dimension(d, labels, proba)
            sample.add(rows, texts)
            writer.write_csv_rows(scored)
            summary.rows += len(rows)
            docs.update(r["doc_id"] for r in rows)
            passages.update(r["passage_id"] for r in rows)
            if progress:
                progress(len(rows))
        writer.commit()
    summary.documents, summary.passages = len(docs), len(passages)
    summary.seconds = time.perf_counter() - start
    return summary, sample.checks()


def _order(model: PlainModel, codebook: Codebook) -> tuple[list[str], dict[str, list[str]]]:
    """Dimensions and values in the codebook's order, the model's own after them (`ScoringPlan`'s order)."""
    rank = {d: i for i, d in enumerate(codebook.dimension_names)}
    dims = sorted(model.dimensions_, key=lambda d: rank.get(d, len(rank)))
    order = {d.name: d.value_names for d in codebook.dimensions}
    classes = {}
    for d in dims:
        trained, known = model.classes_[d], order.get(d, [])
        classes[d] = [v for v in known if v in trained] + [v for v in trained if v not in known]
    return dims, classes


def _batches(documents, meta_columns: list[str], batch_size: int, id_col: str | None):
    """Lists of passage rows of about `batch_size` passages; a document is never split across two."""
    rows: list[dict[str, Any]] = []
    for doc in documents:
        rows.extend(passage_rows(doc, meta_columns, id_col))
        if len(rows) >= batch_size:
            yield rows
            rows = []
    if rows:
        yield rows


@dataclass
class LightChecks:
    """The transfer check lines and warnings, as the command prints them."""

    text: list[str]
    warnings: list[str]

    def lines(self) -> list[str]:
        return self.text


class _Sample:
    """The transfer checks of `stance.validation.transfer` on the run's passages (its `TransferSample`: a
    seeded bottom-k sample of SAMPLE_SIZE non-boilerplate passages), with lists instead of a DataFrame."""

    def __init__(self, model: PlainModel, dims: list[str], classes: dict[str, list[str]]) -> None:
        self.model, self.dims, self.classes = model, dims, classes
        self.rng = np.random.default_rng(0)
        self.seen = 0
        self.keys = np.zeros(0)
        self.kept: list[tuple] = []  # (text, {dimension: (label, probabilities)})
        self._batch: dict[str, tuple[list[str], np.ndarray]] = {}

    def add_dimension(self, d: str, labels: list[str], proba: np.ndarray) -> None:
        self._batch[d] = (labels, proba)

    def add(self, rows: list[dict], texts: list[str]) -> None:
        keep = [i for i, r in enumerate(rows) if not r["is_boilerplate"]]
        batch, self._batch = self._batch, {}
        if not keep:
            return
        self.seen += len(keep)
        keys = np.concatenate([self.keys, self.rng.random(len(keep))])
        kept = self.kept + [(texts[i], {d: (batch[d][0][i], batch[d][1][i]) for d in self.dims}) for i in keep]
        if len(kept) > SAMPLE_SIZE:
            best = np.argsort(keys, kind="stable")[:SAMPLE_SIZE]
            keys, kept = keys[best], [kept[i] for i in best]
        self.keys, self.kept = keys, kept

    def checks(self) -> LightChecks | None:
        """The checks, as `TransferChecks.lines()` and `.warnings` give them (None without a passage)."""
        if not self.kept:
            return None
        n = len(self.kept)
        out = []
        if self.seen > n:
            out.append(f"Measured on a random sample of {n:,} of the {self.seen:,} passages.")
        cover = self._coverage([t for t, _ in self.kept])
        barely = None
        if cover is not None and len(cover):
            barely = float(np.mean(cover < BARELY_SEEN))
            out.append(f"{barely:.0%} of {n:,} passages use words the model has barely seen "
                       f"(under {BARELY_SEEN:.0%} of their content words in its vocabulary; median coverage "
                       f"{float(np.median(cover)):.0%}).")
        warnings = []
        if barely is not None and barely > UNSEEN_WARNING:
            warnings.append(f"{barely:.0%} of the passages use words this model has barely seen: it is reading "
                            "text unlike its training data, and its cross-validated figures do not carry over.")
        figures = {d: self._dimension(d) for d in self.dims}
        for d, (shift, mean_conf, low) in figures.items():
            text = "n/a" if not np.isfinite(shift) else f"{shift:.2f}"
            out.append(f"{d}: predicted mix vs training labels, distance {text}; mean confidence "
                       f"{mean_conf:.2f} ({low:.0%} of passages under 0.5).")
        warnings.extend(f"{d}: the predicted mix is far from the training labels' (distance {shift:.2f}); either "
                        "the corpus really differs or the model misreads it; only a validation sample can tell."
                        for d, (shift, _, _) in figures.items() if shift > SHIFT_WARNING)
        return LightChecks(out, warnings)

    def _dimension(self, d: str) -> tuple[float, float, float]:
        multi = self.model.heads[d].spec["multilabel"]
        counts = self.model.training.get("class_counts", {}).get(d, {})
        total = sum(counts.values())
        train = {k: v / total for k, v in counts.items()} if total else {}
        labels = [dims[d][0] for _, dims in self.kept]
        predicted: dict[str, float] = {}
        if multi:
            for label in labels:
                for v in label.split(";"):
                    if v:
                        predicted[v] = predicted.get(v, 0) + 1
            predicted = {v: c / max(len(labels), 1) for v, c in predicted.items()}
        else:
            for label in labels:
                predicted[label] = predicted.get(label, 0) + 1
            predicted = {v: c / len(labels) for v, c in predicted.items()}
        values = list(dict.fromkeys([*self.model.classes_[d], *train, *predicted]))
        shift = (0.5 * sum(abs(train.get(v, 0.0) - predicted.get(v, 0.0)) for v in values)
                 if train and not multi else np.nan)
        P = np.asarray([dims[d][1] for _, dims in self.kept], dtype=float)
        conf = np.where(P >= 0.5, P, 1 - P).mean(axis=1) if multi else np.nanmax(P, axis=1)
        return shift, float(np.nanmean(conf)), float(np.mean(conf < 0.5))

    def _coverage(self, texts: list[str]) -> np.ndarray | None:
        """Per text, the share of its content words (not stop words, not numbers) in the word vocabulary."""
        word = next((b for b in self.model.blocks if b.spec["name"] == "word"), None)
        stop = set(self.model.training.get("stop_words", []))
        if word is None:
            return None
        known = {t for t in word.vocabulary if " " not in t}
        out = np.zeros(len(texts))
        for i, text in enumerate(texts):
            tokens = [t for t in word.tokenize(word.prepare(str(text or ""))) if t not in stop and not t.isdigit()]
            out[i] = sum(t in known for t in tokens) / len(tokens) if tokens else 0.0
        return out
