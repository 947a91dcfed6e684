"""Composition of each group by the values of a dimension, optionally within a second one."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .colours import in_codebook_order, value_colours
from .marks import (
    FIGURE_COLUMNS,
    errorbar,
    footnote,
    group_keys,
    group_labels,
    group_ticks,
    n_label,
    share_panel,
    title_with_legend,
)
from .style import GREY, INK, INTERVAL_NOTE, WIDTH, house_style, left_column, message_figure, panels


def composition_chart(table: pd.DataFrame, ax=None, title: str | None = None, split: str | None = None,
                      min_passages: int | None = None, value_order: Sequence[str] | None = None,
                      split_order: Sequence[str] | None = None) -> Figure:
    """Composition of each group by the values of a dimension (e.g. argument role), one panel per
    value, points with intervals; with `split` (e.g. voice), one colour per split value.

    `table` is `stance.analysis.composition(...)`; `value_order` and `split_order` are the two
    dimensions' values in codebook order, which fix each value's colour (`colours.value_colours`)."""
    title = title or "Composition per group"
    if table is None or table.empty or table["passages"].fillna(0).sum() == 0:
        return message_figure("No passages with these labels to show.", title, ax)
    split = split if split and split in table.columns else None
    values = list(dict.fromkeys(table["value"]))
    skip = FIGURE_COLUMNS + ([split] if split else [])
    t = table.assign(glabel=group_labels(table, group_keys(table, skip)))
    groups = list(dict.fromkeys(t["glabel"]))
    splits = in_codebook_order(t[split], split_order) if split else [None]
    G = len(groups)
    counts = t.drop_duplicates(["glabel"] + ([split] if split else [])).copy()
    if G > STACK_ABOVE and "cum_share" in t.columns:
        return _stacked_composition(t, ax, title, split, values, groups, splits, min_passages,
                                    value_colours(values, value_order))
    colours = value_colours(splits, split_order) if split else value_colours(values, value_order)
    with house_style():
        fig, axes = panels(ax, WIDTH, 1.4 + 0.45 * G * max(1, 0.6 * len(splits)), n=len(values))
        offsets = np.linspace(-0.22, 0.22, len(splits)) if len(splits) > 1 else [0.0]
        for a, value in zip(axes, values, strict=True):
            part = t[t["value"] == value]
            for k, s in enumerate(splits):
                sp = part if s is None else part[part[split].astype(str) == s]
                ys = np.array([G - 1 - groups.index(g) - offsets[k] for g in sp["glabel"]])
                small = sp["small"].to_numpy(bool)
                color = colours[s] if split else colours[str(value)]
                label = (f"{split}: {s}" if s is not None else None) if value == values[0] else None
                if (~small).any():
                    errorbar(a, sp["share"][~small], ys[~small], sp["low"][~small], sp["high"][~small], color,
                              label=label, size=4.5)
                if small.any():
                    errorbar(a, sp["share"][small], ys[small], sp["low"][small], sp["high"][small], color,
                              hollow=True, size=4.5, label=label if not (~small).any() else None)
            share_panel(a, value, G)
        labels = []
        for g in reversed(groups):
            rows = counts[counts["glabel"] == g]
            if split:
                parts = [f"{r[split]}\u00a0{int(r['passages']):,}" for _, r in rows.iterrows()]  # no break inside
                labels.append("\n".join([g, *textwrap.wrap("n: " + " · ".join(parts), 26)]))
            else:
                r = rows.iloc[0]
                labels.append(n_label(g, r["passages"], r["documents"], bool(r["small"])))
        group_ticks(axes, labels)
        title_with_legend(fig, title, bool(split), len(splits), axes)
        note = INTERVAL_NOTE
        if t["small"].any():
            note += f" Hollow: fewer than {min_passages or 'the minimum'} passages."
        footnote(fig, note)
    return fig


STACK_ABOVE = 6  # more groups than this: stacked bars instead of one panel per value


def _stacked_composition(t: pd.DataFrame, ax, title: str, split: str | None, values: list, groups: list,
                         splits: list, min_passages: int | None, colours: dict[str, str]) -> Figure:
    """Many groups: one stacked bar per group (one panel per split value), a colour per value; at the end
    of every segment, the 95% interval of the running total; n at the end of every bar."""
    G = len(groups)
    with house_style():
        fig, axes = panels(ax, WIDTH, 1.3 + 0.24 * G, n=len(splits))
        for i, (a, s) in enumerate(zip(axes, splits, strict=True)):
            part = t if s is None else t[t[split].astype(str) == s]
            a.grid(False)
            for g_i, g in enumerate(groups):
                rows = part[part["glabel"] == g].set_index("value")
                if rows.empty:
                    continue
                y = G - 1 - g_i
                small = bool(rows["small"].iloc[0])
                left = 0.0
                for k, v in enumerate(values):
                    if v not in rows.index or not np.isfinite(rows.loc[v, "share"]):
                        continue
                    w = float(rows.loc[v, "share"])
                    a.barh(y, w, left=left, height=0.72, color=colours[str(v)],
                           alpha=0.35 if small else 0.95, label=str(v).replace("_", " ") if g_i == 0 and i == 0
                           else None, edgecolor="white", linewidth=0.4)
                    left += w
                    lo, hi = rows.loc[v, "cum_low"], rows.loc[v, "cum_high"]
                    if k < len(values) - 1 and np.isfinite(lo) and np.isfinite(hi) and hi - lo > 0.004:
                        a.plot([lo, hi], [y, y], color=INK, linewidth=0.9)
                n = int(rows["passages"].iloc[0])
                a.text(1.01, y, f"{n:,}", va="center", ha="left", fontsize=7, color=GREY if small else "#444444",
                       transform=a.get_yaxis_transform())
            a.set_xlim(0, 1)
            a.set_xticks([0, 0.5, 1])
            a.set_xticklabels(["0", "50%", "100%"])
            a.set_ylim(-0.6, G - 0.4)
            a.set_yticks(range(G))
            a.set_yticklabels(list(reversed(groups)))
            a.tick_params(labelleft=left_column(axes, i), length=0)
            for spine in ("left", "bottom"):
                a.spines[spine].set_visible(False)
            if s is not None:
                a.set_title(f"{split}: {s}", fontsize=9)
        title_with_legend(fig, title, True, min(len(values), 4), axes)
        note = ("Bars: share of each value, adding to 100%. Black lines: 95% interval of the running total at "
                "the end of each segment (bootstrap over documents). Numbers: passages.")
        if t["small"].any():
            note += f" Faded: fewer than {min_passages or 'the minimum'} passages."
        footnote(fig, note)
    return fig
