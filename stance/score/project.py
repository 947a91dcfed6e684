"""Scoring a project's own passages into its stored predictions, and reading them back in the
passage-level shape of `score_frame`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..documents import STANDARD_META
from ..errors import InputError
from ..store import Project, latest_predictions, now, replace_predictions, with_custom_meta
from .plan import load_plan, pooled, with_target_column


def score_project(project: Project | str | Path, model: str | Path | None = None, batch_size: int = 2000,
                  jobs: int = 1, progress: Callable[[int], None] | None = None,
                  target_column: str | None = None, allow_other_codebook: bool = False) -> dict:
    """Score every passage of the project and store the predictions (one transaction).

    Uses the project's latest model for each dimension, or the model file `model` (registered in the
    project if it is not yet). Re-scoring with the same model replaces its earlier predictions; those of
    other models are kept as history. `target_column` names the passage metadata with each passage's
    target (`stance ingest --target-col`), for models trained with targets. A model trained under another
    codebook is refused unless `allow_other_codebook` (see `load_plan`).
    Returns {"passages", "dimensions", "model_ids"}.
    """
    if isinstance(project, (str, Path)):
        project = Project.open(project)
    plan = with_target_column(load_plan(project, model, register=True, allow_other_codebook=allow_other_codebook),
                              target_column)
    passages = project.passages_frame(include_examples=True)
    if target_column is not None:
        passages = with_custom_meta(passages)
        if target_column not in passages.columns:
            raise InputError(f"the project's passages have no metadata {target_column!r} (--target-col); ingest "
                             f"with --target-col {target_column} to keep each passage's target")
    frames = (passages.iloc[i:i + batch_size] for i in range(0, len(passages), batch_size))
    stamp = now()
    batches = []
    layout = {d: (plan.classes(d), plan.model(d).multi_[d]) for d in plan.dimensions}
    for frame, preds in pooled(plan, frames, 0, jobs):
        batch = {}
        for d, (classes, multi) in layout.items():
            labels = [";".join(x for x in label.split(";") if x) for label in preds[d]] if multi else list(preds[d])
            batch[d] = (labels, np.column_stack([preds[f"{d}:{v}"] for v in classes]))
        batches.append((frame["passage_id"].tolist(), batch))
        if progress:
            progress(len(frame))
    with project.transaction() as conn:
        for ids, batch in batches:
            for d, (labels, probs) in batch.items():
                replace_predictions(conn, plan.model_ids[d], d, layout[d][0], ids, labels, probs, stamp)
    return {"passages": len(passages), "dimensions": plan.dimensions, "model_ids": dict(plan.model_ids)}


def project_predictions(project: Project | str | Path, include_examples: bool = False,
                        with_text: bool = False) -> pd.DataFrame:
    """The project's stored predictions in the passage-level shape of `score_frame`, joined with passage
    and document metadata: the latest prediction of each passage and dimension (newest run, then newest
    model). Passages never scored are left out; written codebook examples only with `include_examples`."""
    if isinstance(project, (str, Path)):
        project = Project.open(project)
    latest = latest_predictions(project.conn)
    passages = project.passages_frame(include_examples=include_examples)
    codebook = project.codebook
    scored = set().union(*(c.passage_ids for c in latest.values())) if latest else set()
    passages = passages[passages["passage_id"].isin(scored)].reset_index(drop=True)
    extras = [json.loads(m) if m else {} for m in passages["meta_json"]]
    out = passages[["doc_id", "passage_id", *STANDARD_META]].copy()
    for key in dict.fromkeys(k for e in extras for k in e):
        if key not in out.columns:
            out[key] = [None if e.get(key) is None else str(e[key]) for e in extras]
    out["source"] = passages["source"]
    out["is_example"] = passages["is_example"]
    out["is_boilerplate"] = passages["is_boilerplate"]
    if with_text:
        out["text"] = passages["text"]
    names = codebook.dimension_names
    cols: dict[str, object] = {}
    for d in [d for d in names if d in latest] + [d for d in latest if d not in names]:
        got = latest[d]
        rows = pd.Index(got.passage_ids).get_indexer(out["passage_id"])  # -1: not scored on this dimension
        found, take = rows >= 0, np.maximum(rows, 0)
        cols[d] = np.where(found, np.array(got.labels, dtype=object)[take], None)
        known = codebook.dimension(d).value_names if d in names else []
        for v in [*[v for v in known if v in got.classes], *[v for v in got.classes if v not in known]]:
            cols[f"{d}:{v}"] = np.where(found, got.probs[take, got.classes.index(v)], np.nan)
    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
