"""Which passages an annotator sees, and in what order.

Assignment (see docs/annotation.md):

* the candidate passages are the project's real passages (written codebook examples only with
  ``include_examples``), without boilerplate unless ``include_boilerplate``;
* a share ``overlap`` of them, picked by a stable hash of the passage id and the seed, goes to
  every annotator: these passages measure agreement;
* every other passage goes to one annotator: the one who labelled it first if one of them has, else
  the one a stable hash of the passage id picks among the annotators served together (labels
  from anyone else, such as imported or corpus labels, do not count). Adding an
  annotator re-divides only the passages nobody has labelled yet.

Orders: ``sequential`` (document order, with passages that are only thanks and greetings, such as the
"Thank you. (Applause.)" that opens a speech, after the others), ``random`` (shuffled with the seed) and
``uncertain`` (least confident model prediction first; sequential when the project has no predictions). The
app refreshes an uncertain queue from a model retrained in the background as labels arrive
(`stance.annotate.retrain`), passing that model's confidences in.

``where`` (`stance annotate --where "topic != other"`, grammar in `stance.annotate.filters`) keeps only
the candidates that meet it.

The validation queue (``validation=True``, `stance annotate --queue validation`) serves the project's
validation sample instead, to every annotator, in its random draw order: no model-driven order, and
the app shows no model suggestion, so that the labels that check the model owe nothing to it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import store
from ..codebook import Codebook
from ..errors import InputError
from ..passages import is_pleasantry
from ..store import Project
from .filters import matching, where_conditions

ORDERS = ("sequential", "random", "uncertain")


@dataclass(frozen=True)
class QueueOptions:
    """How passages are chosen and ordered; shared by every annotator of one server."""

    order: str = "sequential"
    seed: int = 0
    overlap: float = 0.2
    include_boilerplate: bool = False
    include_examples: bool = False
    annotators: tuple[str, ...] = ()
    validation: bool = False
    where: str = ""  # a filter on the candidates (stance.annotate.filters)

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise InputError(f"unknown order {self.order!r}; valid: {', '.join(ORDERS)}")
        if not 0.0 <= self.overlap <= 1.0:
            raise InputError(f"overlap must be between 0 and 1, got {self.overlap}")
        if self.validation and self.where:
            raise InputError("the validation queue is the whole random sample; it cannot be filtered with --where")


@dataclass
class Queue:
    """One annotator's assigned passages in order, and a note on how the order was made."""

    annotator: str
    passage_ids: list[str]
    note: str = ""
    position: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {pid: i for i, pid in enumerate(self.passage_ids)}


def _unit(*parts: Any) -> float:
    """A stable number in [0, 1) from the parts (the same on every machine and run)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_overlap(passage_id: str, overlap: float, seed: int) -> bool:
    return _unit("overlap", seed, passage_id) < overlap


def owner(passage_id: str, annotators: list[str], seed: int) -> str:
    return annotators[int(_unit("owner", seed, passage_id) * len(annotators))]


def candidates(project: Project, opts: QueueOptions) -> list[str]:
    """Passage ids in document order that any annotator may be given (with `opts.validation`: the
    validation sample in its draw order)."""
    if opts.validation:
        from ..validation.project import sample_passage_order

        return sample_passage_order(project)
    frame = project.passages_frame(include_examples=True)
    if not opts.include_examples:
        real = frame[~frame["is_example"]]
        frame = real if len(real) else frame  # a project of examples only still has work to do
    if not opts.include_boilerplate:
        frame = frame[~frame["is_boilerplate"]]
    if opts.where:
        frame = frame[frame["passage_id"].isin(matching(project, where_conditions(project, opts.where)))]
    if opts.order == "sequential":  # a new annotator starts on content, not on "Thank you. (Applause.)"
        polite = frame["text"].map(is_pleasantry).astype(bool)
        frame = pd.concat([frame[~polite], frame[polite]])
    return frame["passage_id"].tolist()


def prediction_models(project: Project) -> dict[str, int]:
    """Per dimension, the newest model that has predictions stored (a model trained but not yet
    scored does not hide the predictions of the one before it)."""
    return store.prediction_models(project.conn)


def confidences(project: Project, codebook: Codebook, models: dict[str, int] | None = None) -> dict[str, float]:
    """Per passage, the model's confidence on its least certain dimension.

    Single-valued dimensions: the top class probability. Multi-valued ones (one probability per
    value): the least decisive value, max(p, 1 - p).
    """
    models = prediction_models(project) if models is None else models
    multi = {d.name: d.multi for d in codebook.dimensions}
    out: dict[str, float] = {}
    for dim, model_id in models.items():
        got = store.model_probabilities(project.conn, model_id, dim)
        probs = np.where(np.isnan(got.probs), -np.inf, got.probs)  # a class without a probability never decides
        if multi.get(dim):
            conf = np.min(np.where(np.isinf(probs), np.inf, np.maximum(probs, 1 - probs)), axis=1, initial=np.inf)
        else:
            conf = np.max(probs, axis=1, initial=-np.inf)
        for pid, c in zip(got.passage_ids, conf.tolist(), strict=True):
            if np.isfinite(c):  # a prediction without probabilities orders nothing
                out[pid] = min(c, out.get(pid, 1.0))
    return out


def build_queue(project: Project, annotator: str, opts: QueueOptions, pool: list[str] | None = None,
                models: dict[str, int] | None = None, conf: dict[str, float] | None = None,
                conf_note: str = "") -> Queue:
    """The passages `annotator` is assigned, in the requested order.

    `pool` (from `candidates()`) and `models` (from `prediction_models()`) may be passed in when known;
    `conf` (per passage, as `confidences()` gives it) orders an uncertain queue instead of the stored
    predictions, and `conf_note` then says where it came from.
    """
    ids = candidates(project, opts) if pool is None else pool
    if opts.validation:  # every annotator, the whole sample, in its random draw order
        return Queue(annotator, list(ids), "validation sample: random draw order, no model suggestions")
    team = sorted(set(opts.annotators) | {annotator})
    firsts = store.first_labellers(project.conn, team)
    mine = [
        pid for pid in ids
        if in_overlap(pid, opts.overlap, opts.seed)
        or firsts.get(pid, owner(pid, team, opts.seed)) == annotator
    ]
    note = ""
    if opts.order == "random":
        random.Random(opts.seed).shuffle(mine)
    elif opts.order == "uncertain":
        note = conf_note if conf is not None else ""
        conf = confidences(project, project.codebook, models) if conf is None else conf
        if not conf:
            note = ("no model predictions in this project yet (train and score a model first); "
                    "showing passages in document order")
        else:
            rank = {pid: i for i, pid in enumerate(mine)}
            mine.sort(key=lambda pid: (pid not in conf, conf.get(pid, 0.0), rank[pid]))
    return Queue(annotator, mine, note)


def suggestions(project: Project, passage_id: str, models: dict[str, int] | None = None
                ) -> dict[str, dict[str, Any]]:
    """The newest scored model's guess per dimension for one passage: {dim: {value, score, model_id}}."""
    models = prediction_models(project) if models is None else models
    cb = project.codebook
    out: dict[str, dict[str, Any]] = {}
    for dim, model_id in models.items():
        row = store.prediction(project.conn, passage_id, model_id, dim)
        if row is None:
            continue
        try:
            value = cb.validate_label(dim, row[0])
        except Exception:  # a prediction from an older codebook: show no suggestion rather than fail
            continue
        score = row[1].get(value) if isinstance(value, str) else None
        score = None if score is None or np.isnan(score) else score
        out[dim] = {"value": value, "score": score, "model_id": model_id}
    return out
