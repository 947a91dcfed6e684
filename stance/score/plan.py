"""The scoring plan and prediction: which model scores which dimension, and the scored columns of a batch.

One vectorisation per batch is shared by every dimension that the same `StanceModel` serves (its heads
read one feature matrix). `predict_columns` is the one prediction step of every engine (in memory,
files, the project's own passages, Dask); `pooled` runs it in several processes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..documents import STANDARD_META
from ..errors import InputError, ModelError
from ..models.model import StanceModel
from ..models.targets import check_target_column, target_values, uses_targets
from ..passages import boilerplate_kind
from ..store import Project
from .inputs import ID_COLUMNS

DEFAULT_BATCH_SIZE = 2000


@dataclass
class ScoringPlan:
    """Which model scores which dimensions: each group is one vectorisation per batch."""

    groups: list[tuple[StanceModel, list[str]]]
    model_ids: dict[str, int | None] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)
    target_column: str | None = None  # the passage frame's column with each passage's stated target
    embedding_cache: Path | None = None  # where encoder heads keep their embeddings (None: in memory only)
    encoder_threads: int | None = None  # threads per encoding (set for scoring worker processes)

    @property
    def dimensions(self) -> list[str]:
        """Scored dimensions in output order (the codebook's, when the plan was given one)."""
        dims = [d for _, ds in self.groups for d in ds]
        rank = {d: i for i, d in enumerate(self.order)}
        return sorted(dims, key=lambda d: rank.get(d, len(rank)))

    def model(self, dimension: str) -> StanceModel:
        """The model that scores `dimension`."""
        for model, dims in self.groups:
            if dimension in dims:
                return model
        raise ModelError(f"no model scores dimension {dimension!r}; scored: {', '.join(self.dimensions)}")

    def targets(self, frame: pd.DataFrame) -> list[str] | None:
        """The stated target of each passage of `frame`, for models trained with targets (else None)."""
        return None if self.target_column is None else target_values(frame, self.target_column)

    def classes(self, dimension: str) -> list[str]:
        """The values of `dimension` in output order (the codebook's, when the plan was given one)."""
        trained = [str(c) for c in self.model(dimension).classes_[dimension]]
        order = self.order.get(dimension, [])
        return [v for v in order if v in trained] + [v for v in trained if v not in order]


def with_target_column(plan: ScoringPlan, target_column: str | None) -> ScoringPlan:
    """`plan` reading each passage's target from `target_column`; a one-line `ModelError` when its models
    need a target column and none is given, or one is given and no model uses it."""
    check_target_column((m for m, _ in plan.groups), target_column)
    return replace(plan, target_column=target_column)


def make_plan(models, dimensions: list[str] | None = None, codebook: Codebook | None = None) -> ScoringPlan:
    """A plan from a StanceModel, a {dimension: StanceModel} mapping or a list of models.

    With `codebook`, dimensions and values are output in codebook order."""
    if isinstance(models, ScoringPlan):
        return models
    if isinstance(models, StanceModel):
        models = [models]
    pairs: list[tuple[str, StanceModel]] = []
    if isinstance(models, Mapping):
        pairs = list(models.items())
    else:
        for m in models:
            pairs.extend((d, m) for d in m.dimensions_ if d not in {p[0] for p in pairs})
    groups: dict[int, tuple[StanceModel, list[str]]] = {}
    for dim, model in pairs:
        if not isinstance(model, StanceModel):
            raise ModelError(f"expected a StanceModel for {dim!r}, got {type(model).__name__}")
        model.head(dim)  # a clear error for a model without this dimension
        if dimensions is None or dim in dimensions:
            groups.setdefault(id(model), (model, []))[1].append(dim)
    if not groups:
        raise ModelError("no dimension to score" + (f" among {', '.join(dimensions)}" if dimensions else ""))
    order: dict[str, list[str]] = {}
    if codebook is not None:
        rank = {d: i for i, d in enumerate(codebook.dimension_names)}
        for _, dims in groups.values():
            dims.sort(key=lambda d: rank.get(d, len(rank)))
        order = {d.name: d.value_names for d in codebook.dimensions}
    return ScoringPlan(list(groups.values()), order=order)


def load_plan(project: Project | str | Path | None = None, model: str | Path | None = None,
              register: bool = False, allow_other_codebook: bool = False) -> ScoringPlan:
    """The models to score with: the file `model`, else the project's latest model for each dimension.

    Models from a project carry their registry ids (needed to store predictions); with `register`, a
    `model` file used with a project is registered there if it is not already. A model trained under
    another codebook than the project's is refused unless `allow_other_codebook`; even then, a dimension
    whose values the project's codebook lacks is left out (with a warning), so that no prediction outside
    the project's codebook is written."""
    from ..models.persist import load_model
    from ..store.embeddings import model_cache_folder, project_cache_folder

    if isinstance(project, (str, Path)):
        project = Project.open(project)
    if model is not None:
        m = load_model(model, codebook=project.codebook if project is not None else None,
                       allow_other_codebook=allow_other_codebook)
        dims = _fitting(m, m.dimensions_, project.codebook) if project is not None else None
        plan = make_plan(m, dimensions=dims, codebook=project.codebook if project is not None else load_codebook())
        plan.embedding_cache = model_cache_folder(model) if project is None else project_cache_folder(project.path)
        if project is not None:
            known = project.list_models()
            target = Path(model).resolve()
            # a boolean Series, not a list: an empty list would select no columns of an empty registry
            same = known[known["path"].map(lambda p: Path(p).resolve() == target).astype(bool)]
            for d in plan.dimensions:
                ids = same.loc[same["dimension"] == d, "id"]
                if len(ids):
                    plan.model_ids[d] = int(ids.iloc[-1])
                elif register:
                    plan.model_ids[d] = project.add_model(
                        d, model, str(getattr(m, "codebook_version_", project.codebook.version)))
        return plan
    if project is None:
        raise ModelError("give a project (--project) or a model file (--model) to score with")
    loaded: dict[str, StanceModel] = {}
    by_dim: dict[str, StanceModel] = {}
    ids: dict[str, int | None] = {}
    for d in project.codebook.dimension_names:
        entry = project.latest_model(d)
        if entry is None:
            continue
        if entry["path"] not in loaded:
            loaded[entry["path"]] = load_model(entry["path"], codebook=project.codebook,
                                               allow_other_codebook=allow_other_codebook)
        if d in loaded[entry["path"]].dimensions_ and _fitting(loaded[entry["path"]], [d], project.codebook):
            by_dim[d], ids[d] = loaded[entry["path"]], int(entry["id"])
    if not by_dim:
        raise ModelError(f"no trained model in {project.path}; train one with: stance train --project {project.path}")
    plan = make_plan(by_dim, codebook=project.codebook)
    plan.model_ids = ids
    plan.embedding_cache = project_cache_folder(project.path)
    return plan


def _fitting(model: StanceModel, dimensions: list[str], codebook: Codebook) -> list[str]:
    """The `dimensions` of `model` whose every value is in `codebook`; a warning names each one left out."""
    import warnings

    from ..models.persist import CodebookVersionWarning

    kept = []
    for d in dimensions:
        known = codebook.dimension(d).value_names if d in codebook.dimension_names else []
        outside = [str(v) for v in model.classes_[d] if v not in known]
        if outside:
            warnings.warn(f"{d} is not scored: the project's codebook lacks the model's "
                          f"{'dimension' if not known else 'value(s) ' + ', '.join(outside)}",
                          CodebookVersionWarning, stacklevel=3)
        else:
            kept.append(d)
    return kept


# -- prediction ---------------------------------------------------------------------------------------

def predict_columns(plan: ScoringPlan, texts: list[str], terms: int = 0,
                    targets: list[str] | None = None) -> dict[str, Any]:
    """Prediction columns for `texts`, in plan order: `D`, `D:value`..., and `D:terms` if `terms`.
    `targets` (one per text) go to the models trained with a target per passage."""
    out: dict[str, dict[str, Any]] = {}
    for model, dims in plan.groups:
        use_encoder = getattr(model.head_, "use_encoder", None)  # encoder heads: embedding cache, threads
        if use_encoder is not None:
            use_encoder(plan.embedding_cache, plan.encoder_threads)
        X = model.transform(texts, targets if uses_targets(model) else None)  # once for all its dimensions
        for d in dims:
            head = model.head(d)
            classes = plan.classes(d)
            raw = model.predict_proba_from_features(X, d)
            chosen = head.predict_from_proba(raw)
            if head.multilabel_:
                proba = raw[:, [list(model.classes_[d]).index(c) for c in classes]]
                chosen = chosen[:, [list(model.classes_[d]).index(c) for c in classes]]
                labels = np.array([";".join(compress(classes, row)) for row in chosen.astype(bool)], dtype=object)
            else:
                proba = raw[:, [list(head.classes_).index(c) for c in classes]]
                labels = chosen.astype(str).astype(object)
            cols: dict[str, Any] = {d: labels}
            cols.update({f"{d}:{v}": proba[:, j].astype(np.float64) for j, v in enumerate(classes)})
            if terms:
                cols[f"{d}:terms"] = _top_terms(model, d, X, labels, terms)
            out[d] = cols
    return {k: v for d in plan.dimensions for k, v in out[d].items()}


def _top_terms(model: StanceModel, dim: str, X, labels, n: int) -> np.ndarray:
    """Per passage, the terms behind its label(s), from the model's head."""
    values = [label.split(";") if label else [] for label in labels]
    rows = model.head_.explain(X, dim, values, n)
    return np.asarray(["; ".join(dict.fromkeys(t["feature"] for t in terms)) for terms in rows], dtype=object)


def assemble(passages: pd.DataFrame, predictions: Mapping[str, Any], with_text: bool) -> pd.DataFrame:
    head = passages.drop(columns=["text"]) if not with_text and "text" in passages else passages
    clash = [c for c in predictions if c in head.columns]
    if clash:  # e.g. a file that `stance score` wrote, scored again with all its columns as metadata
        raise InputError(f"the input already has columns named like the scores ({', '.join(clash[:4])}"
                         f"{', ...' if len(clash) > 4 else ''}); choose the metadata to keep with --meta-cols")
    preds = pd.DataFrame(dict(predictions), index=passages.index)
    return pd.concat([head, preds], axis=1).reset_index(drop=True)


def score_frame(model_or_models, frame: pd.DataFrame, text_col: str = "text", with_text: bool = False,
                terms: int = 0, codebook: Codebook | None = None, target_col: str | None = None) -> pd.DataFrame:
    """Score a DataFrame of passages in memory; one output row per input row (see the module doc).

    With `codebook`, dimensions and values come in codebook order (else in the model's order).
    `target_col` names the column with each passage's target, for a model trained with targets."""
    if text_col not in frame.columns:
        raise InputError(f"the frame has no column {text_col!r}; columns are: "
                         f"{', '.join(map(str, frame.columns))}")
    plan = with_target_column(make_plan(model_or_models, codebook=codebook), target_col)
    texts = ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in frame[text_col]]
    base = pd.DataFrame(index=frame.index)
    for col in ID_COLUMNS:
        base[col] = frame[col].astype(str) if col in frame else frame.index.astype(str)
    for col in STANDARD_META:
        base[col] = frame[col] if col in frame else None
    reserved = {*ID_COLUMNS, *STANDARD_META, "is_boilerplate", text_col}
    for col in frame.columns:
        if col not in reserved:
            base[col] = frame[col]
    base["is_boilerplate"] = (frame["is_boilerplate"].astype(bool) if "is_boilerplate" in frame
                              else [boilerplate_kind(t) is not None for t in texts])
    base["text"] = texts
    return assemble(base, predict_columns(plan, texts, terms, plan.targets(frame)), with_text)


def pooled(plan: ScoringPlan, frames: Iterable[pd.DataFrame], terms: int, jobs: int):
    """(frame, prediction columns) for each frame, in order; `jobs` > 1 scores in that many processes."""
    if jobs <= 1:
        for frame in frames:
            yield frame, predict_columns(plan, frame["text"].tolist(), terms, plan.targets(frame))
        return
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    plan = replace(plan, encoder_threads=max(1, (os.cpu_count() or 1) // jobs))  # no oversubscribed cores
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_init_worker, initargs=(plan,))
    pending: deque = deque()
    try:
        for frame in frames:
            pending.append((frame, pool.submit(_worker_predict, frame["text"].tolist(), terms, plan.targets(frame))))
            if len(pending) >= 2 * jobs:  # a bounded window keeps memory flat
                done, fut = pending.popleft()
                yield done, fut.result()
        while pending:
            done, fut = pending.popleft()
            yield done, fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER_PLAN: ScoringPlan | None = None


def _init_worker(plan: ScoringPlan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _worker_predict(texts: list[str], terms: int, targets: list[str] | None) -> dict[str, Any]:
    assert _WORKER_PLAN is not None
    return predict_columns(_WORKER_PLAN, texts, terms, targets)

