"""Train the classifiers of a project (or of a gold DataFrame): one shared vectoriser, one head per dimension."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd

from ..codebook import Codebook
from ..errors import ModelError
from .data import (
    MIN_PER_CLASS,
    class_counts,
    describe_small,
    gold_data,
    has_label,
    small_class_problems,
)
from .evaluate import cv_groups
from .model import StanceModel
from .targets import target_values

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def train(
    source,
    dimensions: list[str] | None = None,
    features: str = "tfidf",
    include_examples: bool = False,
    codebook: Codebook | None = None,
    min_per_class: int = MIN_PER_CLASS,
    drop_rare: bool = False,
    target_column: str | None = None,
    progress: Progress | None = None,
    include_validation: bool = False,
    group_column: str | None = None,
    encoder=None,
    counts=None,
    **model_params,
) -> StanceModel:
    """Train one classifier per dimension on gold labels.

    `source` is a project (`stance.store.Project`) or a gold DataFrame (see `stance.models.data`).
    Written codebook examples are used only with `include_examples=True`. Every value of a dimension
    needs `min_per_class` labelled passages; otherwise a `ModelError` names the values that are short
    and how many more labels each needs (or pass `drop_rare=True` to train without them, recorded in
    `model.warnings_`). Without `dimensions`, a dimension with no gold label at all is skipped and named
    in `model.warnings_`. `target_column` names a column with the target of each passage's stance.
    `group_column` names a metadata column (e.g. outlet) that the inner cross-validation (choosing C,
    calibrating probabilities) never splits, instead of the document.
    `head_type` (in `model_params`) chooses the head (`stance.models.heads`); `encoder` lets several
    trainings share one `stance.models.encoder.Encoder` and its cache of embeddings, and `counts` (a
    `stance.models.fold_features.SharedCounts`) lets the training and its cross-validation count n-grams once.
    """
    say = progress or (lambda msg: log.info(msg))
    data = gold_data(source, codebook, include_examples=include_examples, include_validation=include_validation)
    if data.validation_held_out:
        say(f"left out {data.validation_held_out} gold-labelled passages of the validation sample (held out to "
            "check the model; --include-validation trains on them)")
    dims = data.dimensions(dimensions)
    frame = data.frame if include_examples else data.frame[~data.frame["is_example"]]
    problems: list[str] = []
    warnings: list[str] = []
    keep_values: dict[str, list[str]] = {}
    skipped: list[str] = []
    for dim in list(dims):
        rows = data.labelled(dim, include_examples)
        per_value = class_counts(rows, dim)
        fatal, small = small_class_problems(per_value, dim, min_per_class)
        if not len(rows) and dimensions is None:  # not asked for by name: train the others, and say so
            skipped.append(f"skipped dimension {dim.name!r}: no gold labels yet")
            dims.remove(dim)
            continue
        problems.extend(fatal)
        absent = [v for v, c in per_value.items() if c == 0]
        if small and not fatal:
            msg = (f"dimension {dim.name!r}: too few labelled passages for {describe_small(per_value, small, min_per_class)}; "
                   f"every value needs at least {min_per_class}")
            if drop_rare:
                warnings.append(msg + "; trained without these values, so the model never predicts them")
            else:
                problems.append(msg + " (or pass drop_rare=True / --drop-rare to train without them)")
        if absent and not fatal:
            warnings.append(f"dimension {dim.name!r}: no labelled passage for {', '.join(absent)}; "
                            "the model never predicts these values")
        keep_values[dim.name] = [v for v, c in per_value.items() if c >= min_per_class]
    if not dims:
        raise ModelError("cannot train: no dimension has gold labels yet; label passages first "
                         "(stance annotate, stance adjudicate)")
    if problems:
        raise ModelError("cannot train: " + "; ".join(problems))
    warnings = skipped + warnings
    if target_column is not None and target_column not in frame.columns:
        raise ModelError(f"no target column {target_column!r} in the gold labels' passages; columns: "
                         f"{', '.join(map(str, frame.columns))} (ingest with --target-col to keep one)")

    Y = pd.DataFrame(index=frame.index)
    for dim in dims:
        Y[dim.name] = [_keep(v, keep_values[dim.name], dim.multi) for v in frame[dim.name]]
    labelled_any = Y.map(has_label).any(axis=1).to_numpy()
    frame, Y = frame[labelled_any], Y[labelled_any]
    say(f"training {', '.join(d.name for d in dims)} on {len(frame)} passages "
        f"from {frame['doc_id'].nunique()} documents ({_what(features, model_params)})")
    model = StanceModel(features=features, **model_params)
    groups = cv_groups(frame, group_column)[0]
    model.fit(frame["text"].tolist(), Y.reset_index(drop=True), groups=groups,
              targets=None if target_column is None else target_values(frame, target_column, "the gold labels"),
              classes={d.name: keep_values[d.name] for d in dims}, encoder=encoder, counts=counts)
    if hasattr(model.head_, "forget_counts"):
        model.head_.forget_counts()  # the trained model keeps its vectoriser, not the run's counts
    warnings += list(getattr(model.head_, "notes_", []))  # e.g. a fine-tuning stopped by its time budget
    model.codebook_name_ = data.codebook.name
    model.codebook_version_ = data.codebook.version
    model.warnings_ = warnings
    model.training_ = {
        d.name: _summary(frame, Y[d.name], d.multi) for d in dims
    }
    model.include_examples_ = include_examples
    model.validation_in_training_ = data.validation_used
    model.target_column_ = target_column
    model.group_column_ = group_column
    for w in warnings:
        log.warning(w)
    return model


def _what(features: str, model_params: dict) -> str:
    head = model_params.get("head_type") or "tfidf"
    return features if head == "tfidf" else f"{head} head"


def _keep(v, keep: list[str], multi: bool):
    if not has_label(v):
        return None
    if multi:
        items = [x for x in (v.split(";") if isinstance(v, str) else v) if x in keep]
        return items or None
    return v if v in keep else None




def _summary(frame: pd.DataFrame, labels: pd.Series, multi: bool) -> dict:
    mask = labels.map(has_label).to_numpy()
    rows = frame[mask]
    counts: dict[str, int] = {}
    for v in labels[mask]:
        for x in (v if multi else [v]):
            counts[x] = counts.get(x, 0) + 1
    return {
        "passages": int((~rows["is_example"]).sum()),
        "documents": int(rows.loc[~rows["is_example"], "doc_id"].nunique()),
        "examples": int(rows["is_example"].sum()),
        "class_counts": counts,
    }
