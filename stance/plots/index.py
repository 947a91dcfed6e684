"""The bipolar index (the restraint index by default) per group, and over time per group."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .marks import errorbar, footnote, group_keys, group_labels, n_label, no_interval_note
from .style import GREY, INK, INTERVAL_NOTE, WIDTH, house_style, message_figure, panels
from .timeaxis import date_axis, midpoints, periods, runs, span, unit_name


def index_chart(table: pd.DataFrame, ax=None, title: str | None = None, index_name: str = "restraint index",
                min_passages: int | None = None, poles: tuple[str, str] | None = None,
                note: str | None = None) -> Figure:
    """The index per group, one point with its interval per group, zero line, counts on the labels.

    `table` is `stance.analysis.index_table(...)` without `time`."""
    title = title or f"{index_name.capitalize()} per group"
    if table is None or table.empty:
        return message_figure("No argumentative passages to compute the index on.", title, ax)
    groups_cols = group_keys(table, ["index", "low", "high", "passages", "documents", "small", "period"])
    t = table.assign(glabel=group_labels(table, groups_cols)).reset_index(drop=True)
    G = len(t)
    with house_style():
        fig, (a,) = panels(ax, WIDTH, 1.2 + (0.4 if G <= 8 else 0.3) * G)
        ys = np.arange(G)[::-1]
        small = t["small"].to_numpy(bool)
        a.axvline(0, color="#777777", linewidth=0.9)
        if (~small).any():
            errorbar(a, t["index"][~small], ys[~small], t["low"][~small], t["high"][~small], INK)
        if small.any():
            errorbar(a, t["index"][small], ys[small], t["low"][small], t["high"][small], GREY, hollow=True)
        a.set_yticks(ys)
        a.set_yticklabels([n_label(r.glabel, r.passages, r.documents, r.small) for r in t.itertuples()])
        for tick, s in zip(a.get_yticklabels(), small, strict=False):
            tick.set_color(GREY if s else INK)
        lim = max(0.25, float(np.nanmax(np.abs(t[["low", "high", "index"]].to_numpy(float)))) * 1.15
                  if np.isfinite(t[["low", "high", "index"]].to_numpy(float)).any() else 1.0)
        a.set_xlim(-min(lim, 1.05), min(lim, 1.05))
        a.set_ylim(-0.6, G - 0.4)
        a.set_xlabel(f"← more {poles[1]}     {index_name}     more {poles[0]} →" if poles else index_name)
        a.set_title(title, loc="left")
        if note is None:  # a given note replaces this one (validated index: other intervals, other grey)
            note = INTERVAL_NOTE + " n = argumentative passages." + no_interval_note(t)
            if small.any():
                note += f" Grey: fewer than {min_passages or 'the minimum'} passages."
        footnote(fig, note)
    return fig


def index_trend_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                      index_name: str = "restraint index", min_passages: int | None = None,
                      max_panels: int = 30, poles: tuple[str, str] | None = None,
                      note: str | None = None) -> Figure:
    """The index over time, one small panel per group (shared axes), points with intervals, on a real
    time axis: each period's point at its middle, lines joining adjacent periods only (a missing period
    is a gap). The passage count is written at each point when there are few periods, else shown by point
    size and in the panel title.

    `table` is `stance.analysis.index_table(..., time=...)`; `note` replaces the footnote's account of
    the intervals (a validated index has other intervals)."""
    title = title or f"{index_name.capitalize()} over time"
    if table is None or table.empty or "period" not in table.columns:
        return message_figure("No dated passages to draw a time series from.", title, ax)
    groups_cols = group_keys(table, ["index", "low", "high", "passages", "documents", "small", "period"])
    t = table.assign(glabel=group_labels(table, groups_cols))
    t["when"] = periods(t["period"])
    t["x"] = midpoints(t["when"])
    groups = list(dict.fromkeys(t["glabel"]))[:max_panels]
    ncols = 1 if len(groups) == 1 else min(3, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    few = t["period"].nunique() <= 10
    chars = max(12, int((WIDTH - 0.7) / ncols / 0.085))  # a panel title's line (bold): wrapped, never cut off
    vals = t[["index", "low", "high"]].to_numpy(float)
    # one symmetric scale for every panel, fitted to the data (a fixed -1..1 flattens real differences)
    lim = min(1.05, max(0.25, float(np.nanmax(np.abs(vals))) * 1.15)) if np.isfinite(vals).any() else 1.05
    with house_style():
        fig, axes = panels(ax, WIDTH, (0.6 + 1.9 * nrows) / nrows, n=len(groups), cols=ncols, sharex=True)
        for i, a in enumerate(axes):
            a.tick_params(labelleft=i % ncols == 0)  # one shared scale: its labels on the left only
        for a, g in zip(axes, groups, strict=False):
            part = t[t["glabel"] == g].sort_values("x")
            small = part["small"].to_numpy(bool)
            a.axhline(0, color="#999999", linewidth=0.8)
            for run in runs(list(part["when"])):  # a line within runs of adjacent periods, a gap between
                if len(run) > 1:
                    a.plot(part["x"].iloc[run], part["index"].iloc[run], color=INK, linewidth=1.0, alpha=0.45)
            size = 2.5 + 3.5 * np.sqrt(part["passages"] / max(t["passages"].max(), 1))
            for r, s, sz in zip(part.itertuples(), small, size, strict=True):
                errorbar(a, [r.x], [r.index], [r.low], [r.high], GREY if s else INK,
                         horizontal=False, size=float(sz), hollow=bool(s))
                if few:  # the count above the point, or below it near the top of the axis
                    top = r.high if np.isfinite(r.high) else r.index
                    low = r.low if np.isfinite(r.low) else r.index
                    below = top > 0.6 * lim
                    a.annotate(f"{int(r.passages):,}", (r.x, low if below else top),
                               textcoords="offset points", xytext=(0, -4 if below else 3), ha="center",
                               va="top" if below else "bottom", fontsize=6.5, color=GREY if s else "#444444")
            a.set_title(textwrap.fill(f"{g} (n={int(part['passages'].sum()):,})", chars), loc="left", fontsize=8.5)
            a.grid(axis="y", color="#e4e4e4")
            a.set_ylim(-lim, lim)
        for i, a in enumerate(axes[: len(groups)]):
            date_axis(a)
            a.set_xlim(*span(list(t["when"])))
            a.tick_params(labelbottom=True)
            if i % ncols == 0:
                a.set_ylabel(index_name, fontsize=8.5)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        unit = unit_name(t["when"].iloc[0])
        scale = (f"Index from −1 (all {poles[1]}) to +1 (all {poles[0]})" if poles else "Index from −1 to +1")
        scale += "; axis zoomed to the data." if lim < 1 else "."
        intervals = note if note is not None else INTERVAL_NOTE + no_interval_note(t)
        intervals = intervals.replace("Lines:", "Vertical lines:", 1)  # the grey line is the series
        counts = " Numbers: passages per period." if few else " Point size: passages per period."
        text = (f"Each point is one {unit}, drawn at its middle on a time axis; lines join adjacent {unit}s "
                f"only, so a gap is a {unit} without passages. {scale} {intervals}{counts}")
        if t["small"].any() and note is None:
            text += f" Hollow grey: fewer than {min_passages or 'the minimum'} passages."
        if len(list(dict.fromkeys(t["glabel"]))) > max_panels:
            text += f" First {max_panels} groups shown; all are in the CSV."
        footnote(fig, text)
    return fig
