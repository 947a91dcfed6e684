"""The models of a project folder: train + evaluate + save + register in one call, list, load the latest."""

from __future__ import annotations

import contextlib
import datetime as _dt
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import ModelError
from .evaluate import evaluate
from .evaluation import SCALAR_METRICS, EvaluationResult
from .fold_features import SharedCounts
from .model import StanceModel
from .persist import load_model, save_model
from .train import train

STALE_SECONDS = 3600.0


def _open(project):
    if isinstance(project, (str, Path)):
        from ..store import Project

        return Project.open(project)
    return project


def train_project(
    project,
    dimensions: list[str] | None = None,
    features: str = "tfidf",
    include_examples: bool = False,
    drop_rare: bool = False,
    cross_validate: bool = True,
    n_boot: int = 1000,
    progress: Callable[[str], None] | None = None,
    include_validation: bool = False,
    target_column: str | None = None,
    learning_curve: bool = False,
    group_column: str | None = None,
    head: str = "tfidf",
    head_params: dict | None = None,
) -> tuple[StanceModel, EvaluationResult | None, Path]:
    """Train on the project's gold labels, cross-validate (for the card's figures), save the model
    and its card under `project.models_dir`, and register it for each dimension. Passages of the
    validation sample are left out unless `include_validation` (the card then says how many were used).
    `target_column` names the passage metadata with each passage's target (`stance ingest --target-col`).
    `learning_curve` adds the learning curve to the cross-validation (it costs most of its time) and
    stores it in the card, where the report finds it.
    Cross-validation holds out whole documents, or whole values of the metadata column `group_column`.

    Returns (model, evaluation or None, path of the saved model file).
    """
    project = _open(project)
    remove_stale_temporaries(Path(project.models_dir))
    params = {"head_type": head, "head_params": head_params}
    # the training and its cross-validation count the n-grams of the gold texts once (tfidf head)
    counts = SharedCounts() if cross_validate and head == "tfidf" else None
    encoder = project_encoder(project, head, features, head_params)
    model = train(project, dimensions=dimensions, features=features, include_examples=include_examples,
                  drop_rare=drop_rare, progress=progress, include_validation=include_validation,
                  target_column=target_column, group_column=group_column, counts=counts, encoder=encoder,
                  **params)
    evaluation = None
    if cross_validate:
        shared = {} if counts is None else {"counts": counts}
        if encoder is not None:  # else evaluate makes the run's own shared encoder where the features need one
            shared["encoder"] = encoder
        evaluation = evaluate(project, dimensions=model.dimensions_, features=features,
                              include_examples=include_examples, n_boot=n_boot, learning_curve=learning_curve,
                              progress=progress, target_column=target_column, group_column=group_column,
                              **params, **shared)
    if encoder is not None and encoder.store is not None and progress is not None:
        progress(f"sentence embeddings: {encoder.encoded} passages encoded, {encoder.from_store} read from the "
                 f"cache in {encoder.store.folder}")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S")
    name = "-".join(model.dimensions_) if len(model.dimensions_) <= 2 else "stance"
    path = Path(project.models_dir) / f"{name}-{stamp}.skops"
    card = save_model(model, path, evaluation)
    for entry in card["dimensions"]:
        metrics = (entry.get("evaluation") or {}).get("metrics", {})
        project.add_model(entry["dimension"], path, str(model.codebook_version_), metrics=metrics,
                          card={k: v for k, v in card.items() if k != "dimensions"} | {"dimension": entry})
    return model, evaluation, path


def project_encoder(project, head: str, features: str, head_params: dict | None):
    """For the embed head, one encoder for the fit and its cross-validation that keeps its embeddings in the
    project's cache folder (so the next training encodes only new passages); else None."""
    if head != "embed":
        return None
    from ..store.embeddings import project_cache_folder
    from .evaluate import shared_encoder

    options = head_params or {}
    encoder = shared_encoder(head, features, options.get("max_length"), options.get("backend"))
    return encoder.use_store(project_cache_folder(project.path))


def remove_stale_temporaries(models_dir: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete the half-written temporary files (".tmp-*") an interrupted save left in `models_dir`, when
    older than `older_than` seconds (a save running now in another process keeps its file fresh)."""
    removed = []
    for tmp in models_dir.glob(".tmp-*") if models_dir.is_dir() else []:
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed.append(tmp)
    return removed


def unregistered_models(project) -> list[Path]:
    """Model files in the project's models folder that are not registered: a train interrupted between
    saving and registering, or a file copied there by hand. Never used unless given with --model."""
    project = _open(project)
    known = {Path(p).resolve() for p in project.list_models()["path"]}
    folder = Path(project.models_dir)
    return sorted(p for p in folder.glob("*.skops") if p.resolve() not in known) if folder.is_dir() else []


def evaluate_project(project, dimensions: list[str] | None = None, **kwargs) -> EvaluationResult:
    """`evaluate` on a project folder or an open Project."""
    return evaluate(_open(project), dimensions=dimensions, **kwargs)


def list_models(project) -> pd.DataFrame:
    """The project's registered models, one row per (model file, dimension), with headline figures."""
    project = _open(project)
    frame = project.list_models()
    rows = []
    for r in frame.itertuples():
        import json

        metrics = json.loads(r.metrics_json) if isinstance(r.metrics_json, str) else {}
        row = {"id": r.id, "dimension": r.dimension, "created": r.created_at,
               "codebook_version": r.codebook_version, "path": r.path}
        for m in SCALAR_METRICS:
            if m in metrics:
                row[m] = metrics[m]["value"]
                row[f"{m}_interval"] = f"{metrics[m]['low']:.3f}-{metrics[m]['high']:.3f}"
        card = json.loads(r.card_json) if isinstance(r.card_json, str) else {}
        base = (((card.get("dimension") or {}).get("evaluation") or {}).get("majority_baseline") or {})
        row["majority_accuracy"] = (base.get("accuracy") or {}).get("value")
        rows.append(row)
    return pd.DataFrame(rows)


def load_latest(project, dimension: str | None = None, allow_other_codebook: bool = False) -> StanceModel:
    """The newest saved model (for `dimension`, or for the first codebook dimension that has one),
    refused when trained under another codebook than the project's unless `allow_other_codebook`."""
    project = _open(project)
    dims = [dimension] if dimension else project.codebook.dimension_names
    for d in dims:
        entry = project.latest_model(d)
        if entry is not None:
            return load_model(entry["path"], codebook=project.codebook, allow_other_codebook=allow_other_codebook)
    raise ModelError(f"no trained model in {project.path}"
                     + (f" for dimension {dimension!r}" if dimension else "")
                     + f"; train one with: stance train --project {project.path}")
