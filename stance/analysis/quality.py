"""Annotation quality (agreement per dimension) and model quality (cross-validated figures) of a
project, as tables for a report. Both read what other parts of the toolkit stored; neither trains
or annotates anything.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .correction import ClassifierErrors

log = logging.getLogger(__name__)

AGREEMENT_COLUMNS = ["dimension", "metric", "value", "low", "high", "passages", "annotators"]
MODEL_COLUMNS = ["dimension", "metric", "value", "low", "high", "baseline", "passages", "documents",
                 "measured_on"]


def annotation_quality(project) -> tuple[pd.DataFrame, str]:
    """Agreement per dimension from `stance.agreement.agreement(project)`,
    as (table, note). The note says why the table is empty when it is."""
    from ..agreement import agreement

    try:
        result = agreement(project)
    except Exception as exc:  # a project with one annotator, for instance
        return pd.DataFrame(columns=AGREEMENT_COLUMNS), f"agreement not computed: {exc}"
    table = _agreement_frame(result)
    if table.empty or table["value"].isna().all():
        return table, ("no passage was labelled by two or more annotators, so agreement cannot be "
                       "measured yet")
    return table, ""


def _agreement_frame(result) -> pd.DataFrame:
    """`AgreementReport.to_frame()` (one row per dimension: alpha with its interval, observed
    agreement, overlap) as long rows: one per dimension and statistic, with the passages it is on."""
    frame = result.to_frame()
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    rows = []
    for r in frame.to_dict(orient="records"):
        n = r.get("overlap", r.get("passages"))
        note = r.get("note") or ""
        alpha = r.get("alpha")
        rows.append({"dimension": r["dimension"], "metric": "Krippendorff's alpha",
                     "value": np.nan if alpha is None else alpha,
                     "low": _num(r.get("alpha_low")), "high": _num(r.get("alpha_high")), "passages": n,
                     "annotators": r.get("annotators"), "note": note})
        if r.get("observed_agreement") is not None:
            rows.append({"dimension": r["dimension"], "metric": "observed agreement",
                         "value": r["observed_agreement"], "low": np.nan, "high": np.nan, "passages": n,
                         "annotators": r.get("annotators"), "note": note})
    return pd.DataFrame(rows, columns=[*AGREEMENT_COLUMNS, "note"])


def _num(v) -> float:
    return np.nan if v is None else float(v)


def model_quality(project, dimensions: list[str] | None = None) -> pd.DataFrame:
    """Cross-validated figures of the project's latest model per dimension, beside the majority-
    class baseline, from the metrics and card stored when the model was trained."""
    rows = []
    for dim in dimensions or project.codebook.dimension_names:
        entry = project.latest_model(dim)
        if entry is None:
            continue
        card = (entry.get("card") or {}).get("dimension") or {}
        ev = card.get("evaluation") or {}
        base = ev.get("majority_baseline", {})
        training = dict(card.get("training_data", {}))
        measured = re.match(r"(\d+) real passages from (\d+) documents", ev.get("measured_on", ""))
        if measured:  # the passages the figures were measured on, not those trained on
            training.update(passages=int(measured.group(1)), documents=int(measured.group(2)))
        for metric, fig in (entry.get("metrics") or {}).items():
            if not isinstance(fig, dict):
                continue
            rows.append({"dimension": dim, "metric": metric, "value": fig.get("value"), "low": fig.get("low"),
                         "high": fig.get("high"), "baseline": (base.get(metric) or {}).get("value", np.nan),
                         "passages": training.get("passages", np.nan),
                         "documents": training.get("documents", np.nan),
                         "measured_on": ev.get("measured_on", "")})
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def classifier_errors(project, dimension: str, n_boot: int = 200, progress=None,
                      cache: bool = True) -> ClassifierErrors | None:
    """Cross-validated errors of the project's classifier for a single-valued `dimension`.

    Uses a confusion matrix stored in the model card when there is one; otherwise re-runs the
    grouped cross-validation with the saved model's settings (features, written examples) to get
    out-of-fold predictions, and keeps them beside the model file (``<model>.cv-<dimension>.json``)
    so that the next report on the same model does not redo it. Returns None when there is no
    model or it cannot be evaluated."""
    entry = project.latest_model(dimension)
    if entry is None or project.codebook.dimension(dimension).multi:
        return None
    card = entry.get("card") or {}
    ev_card = (card.get("dimension") or {}).get("evaluation") or {}
    if ev_card.get("confusion"):
        conf = pd.DataFrame(ev_card["confusion"])
        if "true" in conf.columns:
            conf = conf.set_index("true")
        return ClassifierErrors.from_confusion(dimension, conf, "confusion matrix in the model card")
    path = Path(entry["path"])
    cached = path.with_name(f"{path.stem}.cv-{dimension}.json")
    if cache and cached.exists():
        try:
            return _load_errors(cached, dimension)
        except (ValueError, KeyError, OSError) as exc:
            log.warning("ignoring unreadable %s: %s", cached, exc)
    from ..models import evaluate

    labelled = _labelled_project(project, dimension, path)
    if labelled is None:
        log.warning("no gold labels for %s in %s or beside the model; no correction", dimension, project.path)
        return None
    try:
        result = evaluate(labelled, dimensions=[dimension], features=card.get("features", "tfidf"),
                          include_examples=bool(card.get("include_examples", False)), n_boot=n_boot,
                          learning_curve=False, progress=progress)
    except Exception as exc:  # any failure means: no correction, said in the report
        log.warning("cross-validation for %s failed: %s", dimension, exc)
        return None
    ev = result.dimensions.get(dimension)
    if ev is None or not ev.evaluated:
        return None
    errors = ClassifierErrors.from_evaluation(ev)
    if cache and path.parent.exists():
        try:
            _save_errors(errors, cached)
        except OSError as exc:
            log.warning("could not keep %s: %s", cached, exc)
    return errors


def _labelled_project(project, dimension: str, model_path: Path):
    """The project whose gold labels the model's errors can be measured on: this one when it has gold
    labels for `dimension`, else the project the model file lives in (``<project>/models/x.skops``),
    as when a model trained on one project scores another, unlabelled corpus."""
    from ..store import DB_NAME, Project

    if project.status().gold_by_dimension.get(dimension, 0) > 0:
        return project
    home = model_path.parent.parent
    if (home / DB_NAME).exists() and home.resolve() != Path(project.path).resolve():
        other = Project.open(home)
        if other.status().gold_by_dimension.get(dimension, 0) > 0:
            return other
    return None


def _save_errors(e: ClassifierErrors, path: Path) -> None:
    data = {"dimension": e.dimension, "classes": e.classes, "source": e.source,
            "true": [e.classes[i] for i in e.true], "predicted": [e.classes[i] for i in e.pred],
            "proba": None if e.proba is None else np.round(e.proba, 6).tolist(),
            "docs": None if e.docs is None else list(map(str, e.docs))}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


def _load_errors(path: Path, dimension: str) -> ClassifierErrors:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["dimension"] != dimension:
        raise ValueError(f"made for dimension {data['dimension']!r}")
    return ClassifierErrors.from_predictions(dimension, data["true"], data["predicted"], data["classes"],
                                             data["proba"], data["docs"], data["source"])
