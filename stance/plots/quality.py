"""How far to trust the figures: agreement between annotators, classifier quality, confusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .marks import errorbar, footnote, n_label, title_with_legend
from .style import GREY, INK, MARKERS, WIDTH, house_style, message_figure, panels


def agreement_chart(table: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """Inter-annotator agreement per dimension (Krippendorff's alpha with its interval, observed
    agreement), with the number of passages labelled by two or more annotators.

    `table` is `stance.analysis.annotation_quality(project)[0]`."""
    title = title or "Agreement between annotators"
    if table is None or table.empty or table["value"].isna().all():
        return message_figure("No passage was labelled by two or more annotators: agreement cannot be "
                              "measured yet.", title, ax)
    return _metric_dots(table, ax, title, "agreement (alpha: 1 = perfect, 0 = chance level)",
                        "Lines: 95% interval (bootstrap over passages). n = passages labelled by 2+ annotators.")


def model_quality_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                        metric: str | Sequence[str] = ("accuracy", "macro_f1")) -> Figure:
    """Cross-validated model quality per dimension (default accuracy and macro-F1) with its interval,
    beside the majority-class baseline (grey tick), with the passages it was measured on.

    `table` is `stance.analysis.model_quality(project)`."""
    title = title or "Classifier quality (cross-validated, grouped by document)"
    metrics = [metric] if isinstance(metric, str) else list(metric)
    t = table[table["metric"].isin(metrics)] if table is not None and not table.empty else table
    if t is None or t.empty:
        return message_figure("No trained model with cross-validated figures.", title, ax)
    shown = [m for m in metrics if m in set(t["metric"])]
    xlabel = " and ".join(m.replace("_", "-").replace("macro-f1", "macro-F1") for m in shown)
    return _metric_dots(t, ax, title, xlabel,
                        "Lines: 95% interval (bootstrap over documents). Grey tick: majority-class baseline. "
                        "n = real labelled passages.")


def validation_chart(table: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """Accuracy and macro-F1 of each dimension's classifier on this corpus's validation sample, with
    intervals, beside always choosing the sample's most common label (grey tick).

    `table` is `stance.validation.project.ValidationReport.table()`."""
    title = title or "Classifier quality on this corpus (validation sample)"
    t = table[table["metric"].isin(["accuracy", "macro_f1"])] if table is not None and not table.empty else table
    if t is None or t.empty:
        return message_figure("No validation labels yet.", title, ax)
    return _metric_dots(t, ax, title, "accuracy and macro-F1",
                        "Lines: 95% interval (bootstrap over the sampled passages). Grey tick: always choosing the "
                        "sample's most common label. n = labelled validation passages.")


def metric_name(metric: str) -> str:
    """A metric's name as a reader writes it (macro_f1 -> macro-F1)."""
    return str(metric).replace("macro_f1", "macro-F1").replace("_", " ")


def _metric_dots(table: pd.DataFrame, ax, title: str, xlabel: str, note: str) -> Figure:
    metrics = list(dict.fromkeys(table["metric"]))
    dims = list(dict.fromkeys(table["dimension"]))
    D = len(dims)
    with house_style():
        fig, (a,) = panels(ax, WIDTH, 1.3 + 0.42 * D * max(1, 0.6 * len(metrics)))
        offsets = np.linspace(-0.18, 0.18, len(metrics)) if len(metrics) > 1 else [0.0]
        for k, m in enumerate(metrics):
            part = table[table["metric"] == m]
            ys = np.array([D - 1 - dims.index(d) - offsets[k] for d in part["dimension"]])
            errorbar(a, part["value"].astype(float), ys, part["low"].astype(float), part["high"].astype(float),
                      INK, marker=MARKERS[k % len(MARKERS)], label=metric_name(m))
            if "baseline" in part.columns and part["baseline"].notna().any():
                a.plot(part["baseline"].astype(float), ys, "|", color=GREY, markersize=11, markeredgewidth=2)
        first = table.drop_duplicates("dimension").set_index("dimension")
        a.set_yticks(range(D))
        a.set_yticklabels([n_label(d, first.loc[d, "passages"]) for d in reversed(dims)])
        a.set_xlim(min(0.0, float(np.nanmin(table["value"].astype(float))) - 0.05), 1.02)
        a.set_ylim(-0.6, D - 0.4)
        a.set_xlabel(xlabel)
        title_with_legend(fig, title, len(metrics) > 1, len(metrics), [a])  # above the panel: never on a mark
        bare = [metric_name(m) for m in metrics if not table.loc[table["metric"] == m, "low"].notna().any()]
        if bare:
            note += f" No line: no interval for {', '.join(bare)}."
        footnote(fig, note)
    return fig


def confusion_chart(confusion: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """A cross-validated confusion matrix (rows: true value, columns: predicted), counts in the
    cells and shaded by the share of each true value's passages (the row)."""
    title = title or "Cross-validated confusion matrix"
    if confusion is None or confusion.empty or confusion.to_numpy().sum() == 0:
        return message_figure("No cross-validated predictions to tabulate.", title, ax)
    cm = confusion.to_numpy(dtype=float)
    rows = cm / np.where(cm.sum(axis=1, keepdims=True) > 0, cm.sum(axis=1, keepdims=True), 1)
    K = len(confusion)
    with house_style():
        fig, (a,) = panels(ax, 0.9 + 0.75 * K + 1.2, 0.9 + 0.6 * K)
        a.grid(False)
        a.imshow(rows, cmap="Blues", vmin=0, vmax=1)
        for i in range(K):
            for j in range(cm.shape[1]):
                a.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=8.5,
                       color="white" if rows[i, j] > 0.6 else INK)
        a.set_xticks(range(cm.shape[1]))
        a.set_xticklabels([str(c).replace("_", " ") for c in confusion.columns], rotation=30, ha="right")
        a.set_yticks(range(K))
        a.set_yticklabels([f"{str(c).replace('_', ' ')} (n={int(cm[i].sum())})" for i, c in enumerate(confusion.index)])
        a.set_xlabel("predicted")
        a.set_ylabel("true")
        a.set_title(title, loc="left")
    return fig
