"""Annotation quality (agreement per dimension), model quality (cross-validated figures) and the
classifiers' cross-validated errors of a project, for a report. All read what other parts of the
toolkit stored (the models carry their figures and errors in their cards); none trains, evaluates
or annotates anything.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .correction import ClassifierErrors

AGREEMENT_COLUMNS = ["dimension", "metric", "value", "low", "high", "passages", "annotators"]
MODEL_COLUMNS = ["dimension", "metric", "value", "low", "high", "baseline", "passages", "documents",
                 "measured_on"]
LEARNING_COLUMNS = ["dimension", "head", "passages", "macro_f1", "macro_f1_sd", "folds", "baseline"]


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


def _latest_models(project, dimensions: list[str] | None):
    """(dimension, registry entry, card) of the project's latest model per dimension that has one."""
    from ..models import registered_card

    for dim in dimensions or project.codebook.dimension_names:
        entry = project.latest_model(dim)
        if entry is not None:
            yield dim, entry, registered_card(entry)


def model_quality(project, dimensions: list[str] | None = None) -> pd.DataFrame:
    """Cross-validated figures of the project's latest model per dimension, beside the majority-
    class baseline, from the metrics and card stored when the model was trained (a model trained in
    another project brings its own card)."""
    rows = []
    for dim, entry, card in _latest_models(project, dimensions):
        ev = card.get("evaluation") or {}
        base = ev.get("majority_baseline", {})
        training = dict(card.get("training_data", {}))
        measured = re.match(r"(\d+) real passages from (\d+) documents", ev.get("measured_on", ""))
        if measured:  # the passages the figures were measured on, not those trained on
            training.update(passages=int(measured.group(1)), documents=int(measured.group(2)))
        for metric, fig in (entry.get("metrics") or ev.get("metrics") or {}).items():
            if not isinstance(fig, dict):
                continue
            rows.append({"dimension": dim, "metric": metric, "value": fig.get("value"), "low": fig.get("low"),
                         "high": fig.get("high"), "baseline": (base.get(metric) or {}).get("value", np.nan),
                         "passages": training.get("passages", np.nan),
                         "documents": training.get("documents", np.nan),
                         "measured_on": ev.get("measured_on", "")})
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def learning_curves(project, dimensions: list[str] | None = None) -> pd.DataFrame:
    """The learning curves the project's models stored when they were trained with a learning curve
    (`stance train --learning-curve`): macro-F1 on held-out documents by labelled passages trained on,
    with the majority-class baseline; per dimension, one curve per head (the newest model of each head
    that stored one), so that heads trained on the same labels can be compared. Empty when none did."""
    rows = []
    for dim, head, card in _models_with_curves(project, dimensions):
        ev = card.get("evaluation") or {}
        baseline = ((ev.get("majority_baseline") or {}).get("macro_f1") or {}).get("value", np.nan)
        for point in ev.get("learning_curve") or []:
            rows.append({"dimension": dim, "head": head, "passages": point.get("passages"),
                         "macro_f1": point.get("macro_f1"), "macro_f1_sd": point.get("macro_f1_sd"),
                         "folds": point.get("folds"), "baseline": baseline})
    return pd.DataFrame(rows, columns=LEARNING_COLUMNS)


def _models_with_curves(project, dimensions: list[str] | None):
    """(dimension, head, card) of the newest model of each head per dimension whose card holds a learning
    curve (a model file standing in for a project: its one model)."""
    from ..models import registered_card

    if not hasattr(project, "list_models"):
        for dim, entry, card in _latest_models(project, dimensions):
            yield dim, _head(entry.get("card") or {}), card
        return
    wanted = dimensions or project.codebook.dimension_names
    seen: set[tuple[str, str]] = set()
    models = project.list_models()
    for row in models.iloc[::-1].itertuples():  # newest first
        if row.dimension not in wanted:
            continue
        entry = {"path": row.path, "dimension": row.dimension, "card": json.loads(row.card_json or "{}")}
        head = _head(entry["card"])
        if (row.dimension, head) in seen:
            continue
        card = registered_card(entry)
        if (card.get("evaluation") or {}).get("learning_curve"):
            seen.add((row.dimension, head))
            yield row.dimension, head, card


def _head(card: dict) -> str:
    return card.get("head") or card.get("features") or ""


class ModelFile:
    """A saved model file standing in for a project in `model_quality` and `classifier_errors`, for a
    report made from a scores file: its dimensions and figures are those of the card beside it (none
    when the card is missing)."""

    def __init__(self, path: str | Path, codebook) -> None:
        from ..models.card import card_paths

        self.path, self.codebook = Path(path), codebook
        try:
            card = json.loads(card_paths(self.path)[0].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            card = {}
        self.dimensions = [d.get("dimension") for d in card.get("dimensions", [])]

    def latest_model(self, dimension: str) -> dict | None:
        """The registry-like entry of `dimension` (its card is read from beside the file)."""
        return {"path": str(self.path), "dimension": dimension, "card": {}} if dimension in self.dimensions else None


def classifier_errors(project, dimension: str) -> ClassifierErrors | None:
    """The cross-validated errors that the project's latest classifier for a single-valued
    `dimension` carries: its out-of-fold predictions, stored in its card when it was trained (or,
    for older cards, a confusion matrix). Nothing is re-run: None when the model carries none
    (trained without cross-validation) or there is no model."""
    from ..models import registered_card

    entry = project.latest_model(dimension)
    if entry is None or project.codebook.dimension(dimension).multi:
        return None
    ev = registered_card(entry).get("evaluation") or {}
    stored = ev.get("errors")
    if stored:
        return ClassifierErrors.from_predictions(dimension, stored["true"], stored["predicted"], stored["classes"],
                                                 stored.get("proba"), stored.get("docs"), stored["source"])
    if ev.get("confusion"):
        conf = pd.DataFrame(ev["confusion"])
        if "true" in conf.columns:
            conf = conf.set_index("true")
        return ClassifierErrors.from_confusion(dimension, conf, "confusion matrix in the model card")
    return None
