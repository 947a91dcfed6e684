"""Learning from the annotator's work: the uncertain queue re-ordered by a model retrained in the background.

Every `every` labels saved in the app, or when an annotator asks, one background thread trains a working
model on the labels so far (a passage's gold label where it has one, else its annotators' label where all
who labelled it agree), scores the candidate passages with it and hands their confidences to the app,
which swaps each annotator's queue in one step. Until then the app keeps serving the old order; one
retraining runs at a time (a request while one runs is answered "already running").

The working model uses the project's head: the head of its newest registered model (`stance train
--head`), tfidf when it has none, or the head asked for (`stance annotate --head`). The embed head keeps
one encoder across retrainings whose embeddings are also kept in the project's embedding cache on disk
(`stance.store.embeddings`, shared with `stance train` and `stance score`), so each passage is embedded
once per project, not once per app, and the state says how many a retraining encoded; the setfit head fine-tunes
within a time budget (`SETFIT_TIME_BUDGET`) and then embeds the whole pool with its new encoder, so its
refresh takes minutes rather than seconds.

The working model only orders the queue: it is not saved, not registered in the project and never used
for a figure (those come from `stance train`, on gold labels, with its cross-validation).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import store
from ..errors import StanceError
from ..store import Project, now

log = logging.getLogger(__name__)

DEFAULT_EVERY = 25  # labels between two retrainings of the uncertain queue's model
SETFIT_TIME_BUDGET = 300.0  # seconds of contrastive fine-tuning per retraining (the queue must refresh soon)


@dataclass
class RefreshState:
    """What the app says about the queue's order: when it was last refreshed and from how many labels."""

    running: bool = False
    refreshed_at: str | None = None  # UTC time of the last refresh of the order
    labels: int = 0  # passages with a usable label the current order was learned from
    dimensions: tuple[str, ...] = ()
    head: str = ""  # the head of the model the current order comes from
    message: str = ""  # why the last run did not refresh the order, if it did not
    runs: int = 0
    encoded: int = 0  # passages the last retraining ran through a sentence encoder (embed head)
    from_cache: int = 0  # ... and those whose embeddings it read from the project's cache on disk

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"dimensions": list(self.dimensions)}


def working_labels(project: Project) -> pd.DataFrame:
    """A gold frame (`stance.models.data`) of the labels made so far: per passage and dimension, the gold
    label where there is one, else the annotators' current label where every annotator who labelled it
    agrees (disagreements are left out until adjudicated). Written examples are left out."""
    codebook = project.codebook
    dims = codebook.dimension_names
    chosen: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], set[str]] = {}
    for pid, _annotator, labels_json in store.current_label_rows(project.conn):
        for dim, value in json.loads(labels_json).items():
            if dim in dims and value not in (None, "", []):
                seen.setdefault((pid, dim), set()).add(json.dumps(value, sort_keys=True))
    for (pid, dim), values in seen.items():
        if len(values) == 1:
            chosen.setdefault(pid, {})[dim] = json.loads(next(iter(values)))
    for row in store.current_gold(project.conn):  # gold wins over the annotators' labels
        if row["dimension"] in dims:
            chosen.setdefault(row["passage_id"], {})[row["dimension"]] = row["value"]
    passages = project.passages_frame(include_examples=False)
    frame = passages.loc[passages["passage_id"].isin(chosen), ["passage_id", "doc_id", "text"]].copy()
    frame["is_example"] = False
    for dim in dims:
        frame[dim] = pd.Series([chosen[pid].get(dim) for pid in frame["passage_id"]], index=frame.index,
                               dtype=object)
    return frame.reset_index(drop=True)


def project_head(project: Project) -> str:
    """The head of the project's newest registered model (any dimension), or the default head."""
    from ..models.heads import DEFAULT_HEAD

    models = project.list_models()  # oldest first
    card = json.loads(models["card_json"].iloc[-1] or "{}") if len(models) else {}
    return str(card.get("head") or DEFAULT_HEAD)


def trainable_dimensions(frame: pd.DataFrame, codebook, min_per_class: int) -> list[str]:
    """The dimensions with at least two values (one, for multi-valued ones) of `min_per_class` labels."""
    from ..models.data import class_counts, has_label, small_class_problems

    out = []
    for dim in codebook.dimensions:
        rows = frame[frame[dim.name].map(has_label)]
        fatal, _small = small_class_problems(class_counts(rows, dim), dim, min_per_class)
        if len(rows) and not fatal:
            out.append(dim.name)
    return out


def confidences(model, texts: list[str], passage_ids: list[str], multi: dict[str, bool]) -> dict[str, float]:
    """Per passage, the model's confidence on its least certain dimension (as `queue.confidences` reads
    stored predictions: the top probability, or for a multi-valued dimension its least decisive value)."""
    conf = np.ones(len(texts))
    if not texts:
        return {}
    X = model.transform(texts)
    for dim in model.dimensions_:
        proba = np.asarray(model.predict_proba_from_features(X, dim), dtype=float)
        if multi.get(dim):
            dim_conf = np.maximum(proba, 1 - proba).min(axis=1)
        else:
            dim_conf = proba.max(axis=1)
        conf = np.minimum(conf, dim_conf)
    return dict(zip(passage_ids, conf.tolist(), strict=True))


class Retrainer:
    """Retrains the queue's working model in one background thread, every `every` labels or on request.

    `pool()` gives the candidate passage ids to score; `ready(confidences, state)` is called from the
    background thread with the new confidences when a model is trained (never while a request waits on
    it). `every=0` retrains only on request. `head` names the working model's head (None: the project's,
    see `project_head`, read at each retraining); `train_options` go to `stance.models.train`."""

    def __init__(self, project_path: str | Path, pool: Callable[[], Iterable[str]],
                 ready: Callable[[dict[str, float], RefreshState], None], every: int = DEFAULT_EVERY,
                 min_per_class: int = 5, train_options: dict[str, Any] | None = None,
                 head: str | None = None) -> None:
        if head is not None:
            from ..models.heads import head_class

            head_class(head)  # an unknown head fails when the app starts, not in the background
        self.project_path = Path(project_path)
        self.pool = pool
        self.ready = ready
        self.every = max(0, int(every))
        self.min_per_class = min_per_class
        self.train_options = dict(train_options or {})
        self.head = head
        self._encoder = None  # the embed head's encoder, kept so that its cache of embeddings lasts
        self.state = RefreshState()
        self._since = 0  # labels saved since the last retraining started
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def label_saved(self) -> bool:
        """Count one saved label; start a retraining when `every` have arrived. True when one started."""
        with self._lock:
            self._since += 1
            due = self.every > 0 and self._since >= self.every
        return self.request() if due else False

    def request(self) -> bool:
        """Start a retraining unless one is running; True when this call started it."""
        with self._lock:
            if self.state.running:
                return False
            self.state.running = True
            self._since = 0
            self._thread = threading.Thread(target=self._run, name="stance-queue-retrain", daemon=True)
            self._thread.start()
        return True

    def snapshot(self) -> dict[str, Any]:
        """The refresh state as the app reports it."""
        with self._lock:
            return self.state.to_dict() | {"every": self.every}

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running retraining to finish; True when none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.state.running

    def _run(self) -> None:
        message, conf, labels, dims, head = "", None, 0, (), ""
        counted = self._encoder_counts()
        try:
            conf, labels, dims, message, head = self._retrain()
        except StanceError as exc:  # e.g. too few labels: the old order stays, and the app says why
            message = str(exc)
        except Exception as exc:  # a background thread must not die silently: log it, and say so in the app
            log.exception("retraining the queue's model failed")
            message = f"retraining failed: {exc}"
        with self._lock:
            self.state.runs += 1
            self.state.message = message
            if conf is not None:
                self.state.refreshed_at, self.state.labels, self.state.dimensions = now(), labels, tuple(dims)
                self.state.head = head
                encoded, from_cache = self._encoder_counts()
                self.state.encoded, self.state.from_cache = encoded - counted[0], from_cache - counted[1]
            state = RefreshState(**asdict(self.state))
        try:
            if conf is not None:
                self.ready(conf, state)
        finally:
            with self._lock:
                self.state.running = False

    def _encoder_counts(self) -> tuple[int, int]:
        """(passages encoded, read from the disk cache) by the kept encoder so far."""
        return (0, 0) if self._encoder is None else (self._encoder.encoded, self._encoder.from_store)

    def _retrain(self) -> tuple[dict[str, float] | None, int, list[str], str, str]:
        from ..models.train import train

        project = Project.open(self.project_path)  # this thread's own connection
        try:
            codebook = project.codebook
            head = self.head or project_head(project)
            frame = working_labels(project)
            dims = trainable_dimensions(frame, codebook, self.min_per_class)
            if not dims:
                return None, 0, [], (f"not refreshed: {len(frame)} passages labelled so far; a dimension needs two "
                                     f"values with {self.min_per_class} labels each before a model can order the "
                                     "queue"), head
            model = train(frame, dimensions=dims, codebook=codebook, drop_rare=True,
                          min_per_class=self.min_per_class, **self._options(head))
            ids = list(self.pool())
            texts = project.passages_frame(include_examples=True).set_index("passage_id")["text"]
            multi = {d.name: d.multi for d in codebook.dimensions}
            conf = confidences(model, [str(texts[i]) for i in ids], ids, multi)
            return conf, len(frame), dims, "", head
        finally:
            project.close()
            if self._encoder is not None and self._encoder.store is not None:
                self._encoder.store.close()  # a SQLite connection serves one thread: the next run opens its own

    def _options(self, head: str) -> dict[str, Any]:
        """`train` options for a working model with `head` (the caller's options win)."""
        options: dict[str, Any] = {"head_type": head}
        if head == "embed":
            if self._encoder is None:
                from ..models.evaluate import shared_encoder
                from ..store.embeddings import project_cache_folder

                self._encoder = shared_encoder("embed")  # the embed head's default backend
                self._encoder.use_store(project_cache_folder(self.project_path))
            options["encoder"] = self._encoder
        elif head == "setfit":
            options["head_params"] = {"progress": False, "time_budget": SETFIT_TIME_BUDGET}
        return options | self.train_options
