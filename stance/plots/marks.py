"""The marks and labels the charts share: points with interval lines, group labels with their
passage and document counts, titles with legends, footnotes."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .style import GREY, INK, left_column


def n_label(name: str, passages, documents=None, small: bool = False) -> str:
    n = f"n={int(passages):,}" if pd.notna(passages) else "n=?"
    if documents is not None and pd.notna(documents):
        n += f" · {int(documents):,} doc{'s' if int(documents) != 1 else ''}"
    return f"{name}\n{n}" + (" (few)" if small else "")


# columns of an analysis table that hold figures, not group keys
FIGURE_COLUMNS = ["value", "estimator", "share", "low", "high", "passages", "documents", "small", "cum_share",
                  "cum_low", "cum_high", "identifiable"]


def group_keys(table: pd.DataFrame, skip: Sequence[str]) -> list[str]:
    return [c for c in table.columns if c not in skip]


def group_labels(table: pd.DataFrame, group_cols: list[str]) -> pd.Series:
    if not group_cols:
        return pd.Series("all passages", index=table.index)
    return table[group_cols].astype(str).agg(" · ".join, axis=1)


def errorbar(a, x, y, lo, hi, color, horizontal=True, marker="o", size=5.0, label=None, hollow=False):
    x, y, lo, hi = map(np.asarray, (x, y, lo, hi))
    ok = np.isfinite(lo) & np.isfinite(hi)
    if horizontal:
        if ok.any():
            a.hlines(y[ok], lo[ok], hi[ok], color=color, linewidth=1.6)
        a.plot(x, y, marker, color=color, markersize=size, label=label, linestyle="none",
               markerfacecolor="white" if hollow else color, markeredgewidth=1.3)
    else:
        if ok.any():
            a.vlines(x[ok], lo[ok], hi[ok], color=color, linewidth=1.4)
        a.plot(x, y, marker, color=color, markersize=size, label=label, linestyle="none",
               markerfacecolor="white" if hollow else color, markeredgewidth=1.3)


def grey_small_ticks(a, small: Sequence[bool]) -> None:
    for tick, s in zip(a.get_yticklabels(), small, strict=False):
        if s:
            tick.set_color(GREY)


def share_panel(a, value: str, groups: int) -> None:
    """One panel of a chart of shares: 0-100% across, the value as its title, one row per group."""
    a.set_xlim(-0.02, 1.02)
    a.set_xticks([0, 0.5, 1])
    a.set_xticklabels(["0", "50%", "100%"])
    a.set_title(str(value).replace("_", " "), loc="center", fontsize=9.5)
    a.set_ylim(-0.6, groups - 0.4)


def group_ticks(axes: Sequence, labels: Sequence[str], small: Sequence[bool] | None = None) -> None:
    """The group labels (top group first) on every panel, shown in the left column only, greyed where
    `small`."""
    for i, a in enumerate(axes):
        a.set_yticks(range(len(labels)))
        a.set_yticklabels(labels)
        if small is not None:
            grey_small_ticks(a, small)
        a.tick_params(labelleft=left_column(axes, i))


def marker_key(labels: Sequence[str], markers: Sequence[str]) -> list[Line2D]:
    """Legend handles that tell series apart by marker alone, in ink (the hue of a point is its
    codebook value's, so a legend entry in one value's hue would mislead)."""
    return [Line2D([], [], marker=m, color=INK, linestyle="none", markersize=5, label=lab)
            for lab, m in zip(labels, markers, strict=False)]


def title_with_legend(fig: Figure, title: str, legend: bool, ncols: int, axes: Sequence,
                      handles: Sequence | None = None) -> None:
    """The chart title, with the legend of the chart's panels `axes` (or the `handles` given) under it
    (a legend titled with the chart title, so that the two never overlap, which a suptitle plus an
    outside legend can)."""
    if not legend:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        return
    if handles is not None:
        handles, labels = list(handles), [h.get_label() for h in handles]
    else:
        handles, labels = [], []
        for a in axes:  # this chart's panels only, not whatever else the caller's figure holds
            h, lab = a.get_legend_handles_labels()
            handles += h
            labels += lab
    leg = fig.legend(handles, labels, loc="outside upper left", ncols=ncols, title=title, alignment="left")
    leg.get_title().set_fontweight("bold")
    leg.get_title().set_fontsize(10.5)


def no_interval_note(table: pd.DataFrame) -> str:
    """Say why some points have no line: one document cannot be resampled."""
    if "low" in table.columns and "documents" in table.columns:
        single = table["low"].isna() & (table["documents"] <= 1)
        if single.any():
            return " No line: a single document, so no interval."
    return ""


def footnote(fig: Figure, text: str) -> None:
    """A note under the chart, inside the constrained layout so that it never overlaps the axes."""
    width = max(40, int(fig.get_figwidth() * 17))
    fig.supxlabel(textwrap.fill(text, width), x=0.005, ha="left", fontsize=7.5, color="#555555")


