"""The learning curve: macro-F1 on held-out documents against the number of labelled passages trained on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .marks import footnote
from .style import MARKERS, OKABE_ITO, WIDTH, house_style, message_figure, panels


def learning_curve_chart(table: pd.DataFrame, ax=None, title: str | None = None, series: str | None = None) -> Figure:
    """Macro-F1 (mean over the cross-validation folds, with ± one standard deviation as a band) against the
    labelled passages trained on, one line per `series` value (default: `head` when the table has several
    heads, else `dimension`; one per dimension and head when it has several of both), beside each series' majority-class baseline (dotted) when the table has one.

    `table` has columns `passages`, `macro_f1`, optionally `macro_f1_sd`, `baseline`, `dimension`, `head`:
    `stance.analysis.learning_curves(project)` or the rows of `benchmarks/learning_curve.py`."""
    title = title or "Learning curve: would more labels help?"
    if table is None or table.empty:
        return message_figure("No learning curve: train with --learning-curve (stance train) to draw one.", title, ax)
    if series is None:
        heads = "head" in table.columns and table["head"].nunique() > 1
        if heads and "dimension" in table.columns and table["dimension"].nunique() > 1:
            table = table.assign(curve=table["dimension"].astype(str) + " (" + table["head"].astype(str) + ")")
            series = "curve"
        else:
            series = "head" if heads else ("dimension" if "dimension" in table.columns else None)
    groups = [(None, table)] if series is None else list(table.groupby(series, sort=False))
    with house_style():
        fig, (a,) = panels(ax, WIDTH, 3.2)
        for k, (name, part) in enumerate(groups):
            part = part.sort_values("passages")
            x = part["passages"].to_numpy(float)
            y = part["macro_f1"].to_numpy(float)
            color = OKABE_ITO[k % len(OKABE_ITO)]
            a.plot(x, y, marker=MARKERS[k % len(MARKERS)], color=color, label=None if name is None else str(name))
            if "macro_f1_sd" in part.columns and part["macro_f1_sd"].notna().any():
                sd = part["macro_f1_sd"].fillna(0).to_numpy(float)
                a.fill_between(x, y - sd, y + sd, color=color, alpha=0.15, linewidth=0)
            if "baseline" in part.columns and part["baseline"].notna().any():
                a.axhline(float(part["baseline"].dropna().iloc[0]), color=color, linestyle=":", linewidth=1)
        a.set_xscale("log")
        ticks = sorted({round(float(v)) for v in table["passages"].dropna()})
        a.xaxis.set_major_locator(FixedLocator(ticks))
        a.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        a.xaxis.set_minor_locator(NullLocator())
        a.set_xlabel("labelled passages trained on (log scale)")
        a.set_ylabel("macro-F1 on held-out documents")
        shown = table["macro_f1"].tolist() + (table["baseline"].tolist() if "baseline" in table.columns else [])
        low = float(np.nanmin(np.asarray(shown, dtype=float)))
        a.set_ylim(max(0.0, min(low - 0.1, 0.3)), 1.0)
        if series is not None:
            a.legend(loc="upper left", frameon=False)
        a.set_title(title, loc="left")
        footnote(fig, "Each point: mean over the cross-validation folds of a model trained on that many passages of "
                      "the fold's training documents; band: ± one standard deviation; dotted: majority-class baseline. "
                      "A curve still rising at the right says more labels would help.")
    return fig
