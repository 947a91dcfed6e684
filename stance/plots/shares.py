"""The share of each value per group: uncorrected beside corrected, with intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .colours import value_colours
from .marks import (
    FIGURE_COLUMNS,
    errorbar,
    footnote,
    group_keys,
    group_labels,
    group_ticks,
    marker_key,
    n_label,
    no_interval_note,
    share_panel,
    title_with_legend,
)
from .style import ESTIMATOR_LABELS, GREY, INTERVAL_NOTE, MARKERS, WIDTH, house_style, message_figure, panels


def prevalence_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                     estimators: Sequence[str] | None = None, min_passages: int | None = None,
                     note: str | None = None, value_order: Sequence[str] | None = None) -> Figure:
    """Share of each value per group (one panel per value, in the value's colour), the uncorrected
    figure beside the corrected one (told apart by marker), each with its interval; group labels carry
    passage and document counts.

    `table` is `stance.analysis.prevalence_table(...)` (or `prevalence(...)`); `value_order` is the
    dimension's values in codebook order, which fixes each value's colour (`colours.value_colours`)."""
    title = title or "Share of passages per value"
    if table is None or table.empty or table["passages"].fillna(0).sum() == 0:
        return message_figure("No scored passages to show for this selection.", title, ax)
    present = list(dict.fromkeys(table["estimator"]))
    if estimators is None:
        uncorrected = "CC" if "CC" in present else present[0]
        corrected = next((e for e in ("PACC", "ACC") if e in present), None)
        estimators = [uncorrected] + ([corrected] if corrected else [])
    table = table[table["estimator"].isin(estimators)]
    values = list(dict.fromkeys(table["value"]))
    groups_cols = group_keys(table, FIGURE_COLUMNS)
    table = table.assign(glabel=group_labels(table, groups_cols))
    groups = list(dict.fromkeys(table["glabel"]))
    info = table.drop_duplicates("glabel").set_index("glabel")
    G = len(groups)
    colours = value_colours(values, value_order)
    height = 1.3 + (0.42 if G <= 8 else 0.3) * G * (1 + 0.35 * (len(estimators) - 1))
    with house_style():
        fig, axes = panels(ax, WIDTH, height, n=len(values))
        offsets = np.linspace(-0.16, 0.16, len(estimators)) if len(estimators) > 1 else [0.0]
        for a, value in zip(axes, values, strict=True):
            part = table[table["value"] == value].set_index(["glabel", "estimator"])
            for k, est in enumerate(estimators):
                ys, xs, lo, hi, small = [], [], [], [], []
                for g_i, g in enumerate(groups):
                    if (g, est) not in part.index:
                        continue
                    r = part.loc[(g, est)]
                    ys.append(G - 1 - g_i - offsets[k])  # the first estimator on top, as in the legend
                    xs.append(r["share"])
                    lo.append(r["low"])
                    hi.append(r["high"])
                    small.append(bool(r["small"]))
                xs, lo, hi, ys, small = map(np.asarray, (xs, lo, hi, ys, small))
                marker = MARKERS[k % len(MARKERS)]
                big = ~small if small.size else small
                if big.any():
                    errorbar(a, xs[big], ys[big], lo[big], hi[big], colours[str(value)], marker=marker)
                if small.any():
                    errorbar(a, xs[small], ys[small], lo[small], hi[small], GREY, hollow=True, marker=marker)
            share_panel(a, value, G)
        labels = [n_label(g, info.loc[g, "passages"], info.loc[g, "documents"], bool(info.loc[g, "small"]))
                  for g in reversed(groups)]
        group_ticks(axes, labels, [bool(info.loc[g, "small"]) for g in reversed(groups)])
        key = marker_key([ESTIMATOR_LABELS.get(e, e) for e in estimators], MARKERS)
        title_with_legend(fig, title, len(estimators) > 1, len(estimators), axes, handles=key)
        if note is None:  # a given note replaces this one (validated shares: other intervals, other grey)
            note = INTERVAL_NOTE + no_interval_note(table)
            if {"ACC", "PACC"} & set(estimators):
                note += (" The corrected share's interval also resamples the classifier's cross-validated error "
                         "rates.")
            if (table["share"].isna() & table["low"].notna()).any():
                note += " A line without a point: not identifiable (interval over half of 0-100%)."
            if info["small"].any():
                note += f" Grey: fewer than {min_passages or 'the minimum'} passages; read with care."
        footnote(fig, note)
    return fig
