"""Validation on a project: draw and store its validation sample, read the human labels on it, and
measure the project's model on them. The command line (`stance validate`) and the report call these.

A sampled passage's human label, per dimension, is its gold label when it has one, else its
annotators' current labels when they agree (one annotator is enough); passages whose annotators
disagree are left out, and counted, until someone adjudicates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .figures import TargetFigures, multi_target_figures, target_figures
from .sample import FLOOR, draw_sample

UNLABELLED_HINT = "label it with: stance annotate -p {p} --queue validation (or stance import-labels ... --validation)"


def _open(project):
    if isinstance(project, (str, Path)):
        from ..store import Project

        return Project.open(project)
    return project


def scored_passages(project, with_text: bool = False) -> pd.DataFrame:
    """The project's passages that carry predictions (passage-level scores with metadata columns);
    an `InputError` when nothing has been scored yet."""
    from ..score import project_predictions

    scores = project_predictions(project, with_text=with_text)
    if scores.empty:
        raise InputError(f"{project.path} has no predictions to validate; score it first: "
                         f"stance score --project {project.path}")
    return scores


def draw_project_sample(project, n: int, by: str | None = None, seed: int = 7, floor: int = FLOOR,
                        replace: bool = False) -> pd.DataFrame:
    """Draw a validation sample from the project's scored, non-boilerplate passages and store it (one
    transaction). Refuses when the project already has one, unless `replace`. Returns the sampled
    passages in draw order with their text and group."""
    from ..store import validation as store

    project = _open(project)
    scores = scored_passages(project, with_text=True)
    meta, existing = store.current_sample(project.conn)
    if meta is not None and not replace:
        raise InputError(f"{project.path} already has a validation sample of {len(existing)} passages (drawn "
                         f"{meta['created_at']}); label it, or draw a new one with --replace")
    sample = draw_sample(scores, n, by=by, seed=seed, floor=floor)
    with project.transaction() as conn:
        if replace:
            store.delete_samples(conn)
        store.add_sample(conn, n, by, seed, floor, len(scores),
                         sample[["passage_id", "stratum", "inclusion_prob", "stratum_passages",
                                 "draw_order"]].itertuples(index=False, name=None))
    keep = ["passage_id", "text", *([by] if by else [])]
    return sample.merge(scores[keep], on="passage_id", how="left")


@dataclass
class ValidationLabels:
    """The current validation sample with the human label of each passage per dimension."""

    meta: dict | None
    frame: pd.DataFrame                           # sample columns + one column per dimension
    disagreements: dict[str, int] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.meta is not None

    def labelled(self, dimension: str) -> int:
        return int(self.frame[dimension].notna().sum()) if dimension in self.frame.columns else 0


def validation_labels(project) -> ValidationLabels:
    """The project's validation sample and its human labels (see the module docstring)."""
    from ..store import gold
    from ..store import validation as store

    project = _open(project)
    meta, sample = store.current_sample(project.conn)
    dims = project.codebook.dimension_names
    frame = sample.copy()
    for d in dims:
        frame[d] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if meta is None or frame.empty:
        return ValidationLabels(meta, frame)
    wanted = set(frame["passage_id"])
    golds = {(r["passage_id"], r["dimension"]): r["value"] for r in gold.current_gold(project.conn)
             if r["passage_id"] in wanted}
    notes = project.current_annotations()
    notes = notes[notes["passage_id"].isin(wanted)]
    votes: dict[tuple[str, str], list] = {}
    for pid, labels in zip(notes["passage_id"], notes["labels"], strict=True):
        for d, v in labels.items():
            votes.setdefault((pid, d), []).append(v)
    disagreements = dict.fromkeys(dims, 0)
    for i, pid in zip(frame.index, frame["passage_id"], strict=True):
        for d in dims:
            if (pid, d) in golds:
                frame.at[i, d] = golds[(pid, d)]
                continue
            values = votes.get((pid, d), [])
            if values and all(v == values[0] for v in values):
                frame.at[i, d] = values[0]
            elif values:
                disagreements[d] += 1
    return ValidationLabels(meta, frame, {d: n for d, n in disagreements.items() if n})


@dataclass
class ValidationReport:
    """The model's figures on the project's validation sample, per single-valued dimension."""

    labels: ValidationLabels
    figures: dict[str, TargetFigures]
    notes: list[str]

    def table(self) -> pd.DataFrame:
        """One row per dimension and metric: model, interval, baseline, passages."""
        rows = [r for f in self.figures.values() for r in f.rows()]
        return pd.DataFrame(rows, columns=["dimension", "metric", "value", "low", "high", "baseline", "passages"])


def held_out(project, dimension: str) -> bool:
    """False when the dimension's latest model was trained with validation passages."""
    entry = project.latest_model(dimension)
    card = (entry or {}).get("card") or {}
    return not int(card.get("validation_passages_in_training", 0) or 0)


def validate_project(project, n_boot: int = 1000, scores: pd.DataFrame | None = None,
                     labels: ValidationLabels | None = None) -> ValidationReport:
    """Measure the stored predictions against the validation labels, dimension by dimension."""
    project = _open(project)
    labels = labels if labels is not None else validation_labels(project)
    if not labels.exists:
        raise InputError(f"{project.path} has no validation sample; draw one with: "
                         f"stance validate sample -p {project.path} -n 300")
    scores = scores if scores is not None else scored_passages(project)
    codebook = project.codebook
    notes: list[str] = []
    figures: dict[str, TargetFigures] = {}
    merged = labels.frame.merge(scores, on="passage_id", how="inner", suffixes=("_human", ""))
    for d in codebook.dimension_names:
        human = f"{d}_human"
        if d not in scores.columns or human not in merged.columns:
            continue
        part = merged[merged[human].notna() & merged[d].notna()]
        multi = codebook.dimension(d).multi
        if part.empty:
            notes.append(f"{d}: no validation labels yet; " + UNLABELLED_HINT.format(p=project.path))
            continue
        classes = codebook.dimension(d).value_names
        proba = np.column_stack([pd.to_numeric(part.get(f"{d}:{v}", pd.Series(0.0, index=part.index)),
                                               errors="coerce").fillna(0.0).to_numpy() for v in classes])
        measure = multi_target_figures if multi else target_figures
        figures[d] = measure(d, part[human].tolist() if multi else part[human].astype(str),
                             part[d].tolist() if multi else part[d].astype(str), proba, classes,
                             weights=1.0 / part["inclusion_prob"].to_numpy(float),
                             strata=pd.factorize(part["stratum"])[0], n_boot=n_boot, held_out=held_out(project, d))
        if multi:
            notes.append(f"{d}: takes several values per passage, so its accuracy is exact-match accuracy (the "
                         "passage's whole set of values right) and its baseline always answers the sample's most "
                         "common set; macro-F1 averages each value's F1.")
    size = len(labels.frame)
    for d, n in labels.disagreements.items():
        notes.append(f"{d}: {n} sampled passage(s) have disagreeing labels and are left out until adjudicated "
                     f"(stance adjudicate -p {project.path}).")
    unlabelled = int(labels.frame[codebook.dimension_names].isna().all(axis=1).sum())
    if unlabelled:
        notes.append(f"{unlabelled} of the {size} sampled passages have no label yet; "
                     + UNLABELLED_HINT.format(p=project.path))
    return ValidationReport(labels, figures, notes)


def sample_passage_ids(project) -> set[str]:
    """Ids of the passages in the project's current validation sample; an `InputError` when it has none."""
    from ..store import validation as store

    project = _open(project)
    meta, sample = store.current_sample(project.conn)
    if meta is None:
        raise InputError(f"{project.path} has no validation sample to label; draw one first: "
                         f"stance validate sample -p {project.path} -n 300")
    return set(sample["passage_id"])


def project_transfer(project, scores: pd.DataFrame):
    """Transfer checks of the models whose predictions `scores` holds (`stance.validation.TransferChecks`),
    one per model file, merged; None when no model file can be read."""
    import warnings

    from ..models import CodebookVersionWarning, load_model
    from ..models.persist import codebook_mismatch
    from ..store import predictions as store
    from .transfer import merge_checks, transfer_checks

    project = _open(project)
    used = store.prediction_models(project.conn)  # {dimension: model id}
    models = project.list_models()
    paths = dict(zip(models["id"], models["path"], strict=True)) if not models.empty else {}
    by_path: dict[str, list[str]] = {}
    for dim, model_id in used.items():
        if model_id in paths:
            by_path.setdefault(paths[model_id], []).append(dim)
    checks = []
    for path, dims in by_path.items():
        try:  # its predictions are stored, so it was allowed; a codebook difference becomes a note instead
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CodebookVersionWarning)
                model = load_model(path, codebook=project.codebook, allow_other_codebook=True)
        except Exception:  # a moved or unreadable model file: no transfer checks rather than no report
            continue
        checks.append(transfer_checks(model, scores, dims))
        mismatch = codebook_mismatch(model, project.codebook)
        if mismatch:
            checks[-1].warnings.append(f"the predictions of {', '.join(dims)} come from a model trained under "
                                       f"{mismatch}")
    return merge_checks(checks)


def sample_passage_order(project) -> list[str]:
    """The validation sample's passage ids in their random draw order (the validation queue)."""
    from ..store import validation as store

    ids = sample_passage_ids(project)  # raises when there is no sample
    _, sample = store.current_sample(_open(project).conn)
    return [pid for pid in sample["passage_id"] if pid in ids]
