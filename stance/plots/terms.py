"""Distinctive terms of two sides: log-odds ratios with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .marks import errorbar, footnote
from .style import INK, WIDTH, house_style, message_figure, panels


def terms_chart(table: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """Distinctive terms of A (left) and of B (right): log-odds ratio with its 95% interval;
    labels give each term's count in A and in B.

    `table` is `stance.analysis.distinctive_terms(...)`."""
    title = title or "Distinctive terms"
    if table is None or table.empty:
        return message_figure("Not enough text on both sides to compare terms.", title, ax)
    with house_style():
        n = int(table.groupby("side").size().max())
        fig, axes = panels(ax, WIDTH, 1.2 + 0.22 * n, n=2, sharey=False)
        for a, side in zip(axes, ("a", "b"), strict=True):
            part = table[table["side"] == side].reset_index(drop=True)
            if part.empty:
                a.set_axis_off()
                a.text(0.5, 0.5, "no distinctive term", ha="center", va="center", transform=a.transAxes)
                continue
            ys = np.arange(len(part))[::-1]
            sign = 1.0 if side == "a" else -1.0  # mirror B so that both panels read "toward this side"
            x = sign * part["delta"].to_numpy(float)
            lo, hi = np.sort(sign * part[["low", "high"]].to_numpy(float), axis=1).T
            errorbar(a, x, ys, lo, hi, INK, size=4)
            a.set_yticks(ys)
            a.set_yticklabels([f"{r.term}  ({r.count_a:,}/{r.count_b:,})" for r in part.itertuples()])
            a.axvline(0, color="#999999", linewidth=0.8)
            group = part["group"].iloc[0]
            pcount = int(part["passages_a" if side == "a" else "passages_b"].iloc[0])
            a.set_title(f"more in {group}\n(n={pcount:,} passages)", fontsize=9, loc="left")
            a.set_xlabel("log-odds ratio toward this side")
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        footnote(fig, "Log-odds ratio with informative Dirichlet prior (Monroe, Colaresi & Quinn 2008); lines: "
                       "95% interval; sorted by z-score; (a/b): term counts in each side.")
    return fig
