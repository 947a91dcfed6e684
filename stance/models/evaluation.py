"""What an evaluation found: figures with intervals per dimension, its warnings, and how they print.

The result objects of `stance.models.evaluate` (which fills them), kept apart so that the model card and the
project can read a result without the cross-validation procedure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SCALAR_METRICS = ("macro_f1", "weighted_f1", "micro_f1", "accuracy", "brier", "macro_f1_selected")


@dataclass
class DimensionEvaluation:
    """Cross-validated figures for one dimension (all on real passages, never on written examples)."""

    dimension: str
    classes: list[str]
    multi: bool
    passages: int = 0
    documents: int = 0
    examples_in_training: int = 0
    n_splits: int = 0
    grouped_by: str = "document"                     # what cross-validation holds out whole
    groups: int = 0
    metrics: dict = field(default_factory=dict)      # name -> {value, low, high}
    baseline: dict = field(default_factory=dict)     # the majority class, same figures
    per_class: pd.DataFrame | None = None
    confusion: pd.DataFrame | None = None
    reliability: pd.DataFrame | None = None
    learning_curve: pd.DataFrame | None = None
    predictions: pd.DataFrame | None = None          # out-of-fold predictions per passage
    folds: list[tuple[list[str], list[str]]] = field(default_factory=list)  # (train docs, test docs)
    warnings: list[str] = field(default_factory=list)

    @property
    def evaluated(self) -> bool:
        return bool(self.metrics)

    def to_dict(self) -> dict:
        def frame(df):
            return None if df is None else df.reset_index().to_dict(orient="records")
        return {
            "dimension": self.dimension, "classes": self.classes, "multi": self.multi,
            "passages": self.passages, "documents": self.documents,
            "examples_in_training": self.examples_in_training, "n_splits": self.n_splits,
            "grouped_by": self.grouped_by, "groups": self.groups,
            "metrics": self.metrics, "baseline": self.baseline,
            "per_class": frame(self.per_class), "confusion": frame(self.confusion),
            "reliability": frame(self.reliability), "learning_curve": frame(self.learning_curve),
            "warnings": self.warnings,
        }


@dataclass
class EvaluationResult:
    """Evaluation of every requested dimension; `to_frame()` is the table a report shows."""

    dimensions: dict[str, DimensionEvaluation]
    settings: dict = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [w for d in self.dimensions.values() for w in d.warnings]

    def to_frame(self) -> pd.DataFrame:
        """One row per (dimension, metric): value with its 95% interval and the baseline's value."""
        rows = []
        for d in self.dimensions.values():
            for name in SCALAR_METRICS:
                if name in d.metrics:
                    m, b = d.metrics[name], d.baseline.get(name, {})
                    rows.append({"dimension": d.dimension, "metric": name, "value": m["value"],
                                 "low": m["low"], "high": m["high"],
                                 "baseline": b.get("value", np.nan),
                                 "passages": d.passages, "documents": d.documents})
        return pd.DataFrame(rows, columns=["dimension", "metric", "value", "low", "high", "baseline",
                                           "passages", "documents"])

    def to_dict(self) -> dict:
        return {"settings": self.settings,
                "dimensions": {k: v.to_dict() for k, v in self.dimensions.items()},
                "warnings": self.warnings}

    def summary(self) -> str:
        """Plain-text summary (the CLI prints it)."""
        lines = []
        for d in self.dimensions.values():
            if not d.evaluated:
                lines.append(f"{d.dimension}: not evaluated")
            else:
                m, b = d.metrics["macro_f1"], d.baseline["macro_f1"]
                lines.append(
                    f"{d.dimension}: macro-F1 {m['value']:.3f} (95% CI {m['low']:.3f}-{m['high']:.3f}) vs "
                    f"majority baseline {b['value']:.3f}; {d.passages} passages in {d.documents} documents, "
                    f"{d.n_splits}-fold CV grouped by {d.grouped_by}"
                    + (f" ({d.groups} values)" if d.grouped_by != "document" else "")
                )
                if "accuracy" in d.metrics and "accuracy" in d.baseline:
                    a, ab = d.metrics["accuracy"], d.baseline["accuracy"]
                    what, always = (("exact-match accuracy", "always choosing each value most passages have or lack")
                                    if d.multi else ("accuracy", "always choosing the most common value"))
                    lines.append(f"    {what} {a['value']:.3f} (95% CI {a['low']:.3f}-{a['high']:.3f}) vs "
                                 f"{ab['value']:.3f} for {always}")
                br, bb = d.metrics["brier"], d.baseline["brier"]
                lines.append(f"    Brier score {br['value']:.3f} (95% CI {br['low']:.3f}-{br['high']:.3f}; lower is "
                             f"better) vs baseline {bb['value']:.3f}")
                if d.per_class is not None:
                    for r in d.per_class.itertuples():
                        lines.append(f"    {r.value:<16} P {r.precision:.2f}  R {r.recall:.2f}  "
                                     f"F1 {r.f1:.2f} ({r.f1_low:.2f}-{r.f1_high:.2f})  n={r.support}")
            lines.extend(f"  note: {w}" for w in d.warnings)
        return "\n".join(lines)
