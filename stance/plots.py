"""Charts: one function per chart, one house style.

Each function takes a table from `stance.analysis` (a DataFrame) and `ax=None`, draws with
matplotlib's object API on a fresh `Figure` (never pyplot, never global rcParams: the style is
applied inside `rc_context`), and returns the Figure. Every point carries its 95% interval and the
passage count behind it; groups under the minimum passage count are drawn in grey with a note.
Empty or one-group input draws a message on the figure instead of failing.

Colours: the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common colour-vision
deficiencies. Sizes are set for a report page (about 16 cm wide) at 150 dpi.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#9a9a9a"
MARKERS = ["o", "D", "s", "^"]
INK = "#222222"
STYLE = {
    "font.size": 9.5, "axes.titlesize": 10.5, "axes.titleweight": "bold", "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8.5, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#555555",
    "axes.grid": True, "axes.grid.axis": "x", "grid.color": "#e4e4e4", "grid.linewidth": 0.8,
    "axes.axisbelow": True, "svg.fonttype": "none", "font.family": "DejaVu Sans",
}
WIDTH = 7.2  # inches
INTERVAL_NOTE = "Lines: 95% interval (bootstrap over documents)."
ESTIMATOR_LABELS = {"CC": "uncorrected (classify and count)", "PCC": "uncorrected (mean probability)",
                    "ACC": "corrected for classifier error (ACC)", "PACC": "corrected for classifier error (PACC)"}


@contextmanager
def house_style():
    """The house style for the duration of a drawing, leaving matplotlib's global state as it was."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float = WIDTH, height: float = 3.0) -> Figure:
    fig = Figure(figsize=(width, max(height, 1.6)), layout="constrained", dpi=150)
    FigureCanvasAgg(fig)
    return fig


MAX_COLUMNS = 4


def _target(ax, width: float, height: float, ncols: int = 1, sharey: bool = True):
    """(figure, axes list): a fresh figure, or panels carved out of the given Axes' slot. More than
    MAX_COLUMNS panels wrap onto further rows (the height given is per row); unused slots are hidden."""
    n = ncols
    cols = min(n, MAX_COLUMNS)
    rows = int(np.ceil(n / cols))
    if ax is None:
        fig = new_figure(width, height * rows)
        spec = fig.add_gridspec(rows, cols)
    else:
        fig = ax.get_figure()
        if n == 1:
            return fig, [ax]
        spec = ax.get_subplotspec().subgridspec(rows, cols)
        ax.remove()
    axes = []
    for i in range(rows * cols):
        share = axes[0] if (axes and sharey) else None
        a = fig.add_subplot(spec[i // cols, i % cols], sharey=share)
        if i >= n:
            a.set_axis_off()
        axes.append(a)
    return fig, axes[:n]


def _left_column(axes: list, i: int) -> bool:
    return i % MAX_COLUMNS == 0


def message_figure(text: str, title: str | None = None, ax=None) -> Figure:
    """A figure that says why there is nothing to draw."""
    with house_style():
        fig, (a,) = _target(ax, WIDTH, 1.8)
        a.set_axis_off()
        a.text(0.5, 0.5, text, ha="center", va="center", wrap=True, color=INK, fontsize=10,
               transform=a.transAxes)
        if title:
            a.set_title(title, loc="left")
    return fig


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write the figure as `stem.png` and `stem.svg` (150 dpi); returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in formats:
        path = stem.with_suffix(f".{ext}")
        fig.savefig(path, dpi=150, metadata={"Date": None} if ext in ("svg", "pdf") else None)
        out.append(path)
    return out


def _n_label(name: str, passages, documents=None, small: bool = False) -> str:
    n = f"n={int(passages):,}" if pd.notna(passages) else "n=?"
    if documents is not None and pd.notna(documents):
        n += f" · {int(documents):,} doc{'s' if int(documents) != 1 else ''}"
    return f"{name}\n{n}" + (" (few)" if small else "")


# columns of an analysis table that hold figures, not group keys
FIGURE_COLUMNS = ["value", "estimator", "share", "low", "high", "passages", "documents", "small", "cum_share",
                  "cum_low", "cum_high"]


def _keys(table: pd.DataFrame, skip: Sequence[str]) -> list[str]:
    return [c for c in table.columns if c not in skip]


def _group_labels(table: pd.DataFrame, group_cols: list[str]) -> pd.Series:
    if not group_cols:
        return pd.Series("all passages", index=table.index)
    return table[group_cols].astype(str).agg(" · ".join, axis=1)


def _errorbar(a, x, y, lo, hi, color, horizontal=True, marker="o", size=5.0, label=None, hollow=False):
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


def _grey_small_ticks(a, small: Sequence[bool]) -> None:
    for tick, s in zip(a.get_yticklabels(), small, strict=False):
        if s:
            tick.set_color(GREY)


def _title_with_legend(fig: Figure, title: str, legend: bool, ncols: int) -> None:
    """The chart title, with the legend under it (a legend titled with the chart title, so that the
    two never overlap, which a suptitle plus an outside legend can)."""
    if not legend:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        return
    leg = fig.legend(loc="outside upper left", ncols=ncols, title=title, alignment="left")
    leg.get_title().set_fontweight("bold")
    leg.get_title().set_fontsize(10.5)


def _no_interval_note(table: pd.DataFrame) -> str:
    """Say why some points have no line: one document cannot be resampled."""
    if "low" in table.columns and "documents" in table.columns:
        single = table["low"].isna() & (table["documents"] <= 1)
        if single.any():
            return " No line: a single document, so no interval."
    return ""


def _footnote(fig: Figure, text: str) -> None:
    """A note under the chart, inside the constrained layout so that it never overlaps the axes."""
    width = max(40, int(fig.get_figwidth() * 17))
    fig.supxlabel(textwrap.fill(text, width), x=0.005, ha="left", fontsize=7.5, color="#555555")


def prevalence_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                     estimators: Sequence[str] | None = None, min_passages: int | None = None) -> Figure:
    """Share of each value per group (one panel per value), the uncorrected figure beside the
    corrected one, each with its interval; group labels carry passage and document counts.

    `table` is `stance.analysis.prevalence_table(...)` (or `prevalence(...)`)."""
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
    groups_cols = _keys(table, FIGURE_COLUMNS)
    table = table.assign(glabel=_group_labels(table, groups_cols))
    groups = list(dict.fromkeys(table["glabel"]))
    info = table.drop_duplicates("glabel").set_index("glabel")
    G = len(groups)
    height = 1.3 + (0.42 if G <= 8 else 0.3) * G * (1 + 0.35 * (len(estimators) - 1))
    with house_style():
        fig, axes = _target(ax, WIDTH, height, ncols=len(values))
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
                color, marker = OKABE_ITO[k], MARKERS[k % len(MARKERS)]
                label = ESTIMATOR_LABELS.get(est, est) if value == values[0] else None
                big = ~small if small.size else small
                if big.any():
                    _errorbar(a, xs[big], ys[big], lo[big], hi[big], color, label=label, marker=marker)
                if small.any():
                    _errorbar(a, xs[small], ys[small], lo[small], hi[small], GREY, hollow=True,
                              marker=marker, label=None if big.any() else label)
            a.set_xlim(-0.02, 1.02)
            a.set_xticks([0, 0.5, 1])
            a.set_xticklabels(["0", "50%", "100%"])
            a.set_title(str(value).replace("_", " "), loc="center", fontsize=9.5)
            a.set_ylim(-0.6, G - 0.4)
        labels = [_n_label(g, info.loc[g, "passages"], info.loc[g, "documents"], bool(info.loc[g, "small"]))
                  for g in reversed(groups)]
        for i, a in enumerate(axes):
            a.set_yticks(range(G))
            a.set_yticklabels(labels)
            _grey_small_ticks(a, [bool(info.loc[g, "small"]) for g in reversed(groups)])
            a.tick_params(labelleft=_left_column(axes, i))
        _title_with_legend(fig, title, len(estimators) > 1, len(estimators))
        note = INTERVAL_NOTE + _no_interval_note(table)
        if info["small"].any():
            note += f" Grey: fewer than {min_passages or 'the minimum'} passages; read with care."
        _footnote(fig, note)
    return fig


def index_chart(table: pd.DataFrame, ax=None, title: str | None = None, index_name: str = "restraint index",
                min_passages: int | None = None, poles: tuple[str, str] | None = None) -> Figure:
    """The index per group, one point with its interval per group, zero line, counts on the labels.

    `table` is `stance.analysis.index_table(...)` without `time`."""
    title = title or f"{index_name.capitalize()} per group"
    if table is None or table.empty:
        return message_figure("No argumentative passages to compute the index on.", title, ax)
    groups_cols = _keys(table, ["index", "low", "high", "passages", "documents", "small", "period"])
    t = table.assign(glabel=_group_labels(table, groups_cols)).reset_index(drop=True)
    G = len(t)
    with house_style():
        fig, (a,) = _target(ax, WIDTH, 1.2 + (0.4 if G <= 8 else 0.3) * G)
        ys = np.arange(G)[::-1]
        small = t["small"].to_numpy(bool)
        a.axvline(0, color="#777777", linewidth=0.9)
        if (~small).any():
            _errorbar(a, t["index"][~small], ys[~small], t["low"][~small], t["high"][~small], OKABE_ITO[0])
        if small.any():
            _errorbar(a, t["index"][small], ys[small], t["low"][small], t["high"][small], GREY, hollow=True)
        a.set_yticks(ys)
        a.set_yticklabels([_n_label(r.glabel, r.passages, r.documents, r.small) for r in t.itertuples()])
        for tick, s in zip(a.get_yticklabels(), small, strict=False):
            tick.set_color(GREY if s else INK)
        lim = max(0.25, float(np.nanmax(np.abs(t[["low", "high", "index"]].to_numpy(float)))) * 1.15
                  if np.isfinite(t[["low", "high", "index"]].to_numpy(float)).any() else 1.0)
        a.set_xlim(-min(lim, 1.05), min(lim, 1.05))
        a.set_ylim(-0.6, G - 0.4)
        a.set_xlabel(f"← more {poles[1]}     {index_name}     more {poles[0]} →" if poles else index_name)
        a.set_title(title, loc="left")
        note = INTERVAL_NOTE + " n = argumentative passages." + _no_interval_note(t)
        if small.any():
            note += f" Grey: fewer than {min_passages or 'the minimum'} passages."
        _footnote(fig, note)
    return fig


def index_trend_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                      index_name: str = "restraint index", min_passages: int | None = None,
                      max_panels: int = 30) -> Figure:
    """The index over time, one small panel per group (shared axes), points with intervals; the
    passage count is written at each point when there are few periods, else shown by point size
    and in the panel title.

    `table` is `stance.analysis.index_table(..., time=...)`."""
    title = title or f"{index_name.capitalize()} over time"
    if table is None or table.empty or "period" not in table.columns:
        return message_figure("No dated passages to draw a time series from.", title, ax)
    groups_cols = _keys(table, ["index", "low", "high", "passages", "documents", "small", "period"])
    t = table.assign(glabel=_group_labels(table, groups_cols))
    groups = list(dict.fromkeys(t["glabel"]))[:max_panels]
    periods = sorted(t["period"].astype(str).unique())
    pos = {p: i for i, p in enumerate(periods)}
    ncols = 1 if len(groups) == 1 else min(3, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    few = len(periods) <= 10
    vals = t[["index", "low", "high"]].to_numpy(float)
    # one symmetric scale for every panel, fitted to the data (a fixed -1..1 flattens real differences)
    lim = min(1.05, max(0.25, float(np.nanmax(np.abs(vals))) * 1.15)) if np.isfinite(vals).any() else 1.05
    with house_style():
        if ax is None:
            fig = new_figure(WIDTH, 0.6 + 1.9 * nrows)
            grid = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
            axes = list(grid.ravel())
        else:
            fig = ax.get_figure()
            spec = ax.get_subplotspec().subgridspec(nrows, ncols)
            ax.remove()
            axes = [fig.add_subplot(spec[i // ncols, i % ncols]) for i in range(nrows * ncols)]
        for a in axes[len(groups):]:
            a.set_axis_off()
        for a, g in zip(axes, groups, strict=False):
            part = t[t["glabel"] == g].copy()
            part["xpos"] = part["period"].astype(str).map(pos)
            part = part.sort_values("xpos")
            small = part["small"].to_numpy(bool)
            a.axhline(0, color="#999999", linewidth=0.8)
            a.plot(part["xpos"], part["index"], color=OKABE_ITO[0], linewidth=1.0, alpha=0.6)
            size = 2.5 + 3.5 * np.sqrt(part["passages"] / max(t["passages"].max(), 1))
            for r, s, sz in zip(part.itertuples(), small, size, strict=True):
                _errorbar(a, [r.xpos], [r.index], [r.low], [r.high], GREY if s else OKABE_ITO[0],
                          horizontal=False, size=float(sz), hollow=bool(s))
                if few:  # the count above the point, or below it near the top of the axis
                    top = r.high if np.isfinite(r.high) else r.index
                    low = r.low if np.isfinite(r.low) else r.index
                    below = top > 0.6 * lim
                    a.annotate(f"{int(r.passages):,}", (r.xpos, low if below else top),
                               textcoords="offset points", xytext=(0, -4 if below else 3), ha="center",
                               va="top" if below else "bottom", fontsize=6.5, color=GREY if s else "#444444")
            a.set_title(f"{g} (n={int(part['passages'].sum()):,})", loc="left", fontsize=8.5)
            a.grid(axis="y", color="#e4e4e4")
            a.set_ylim(-lim, lim)
        step = max(1, int(np.ceil(len(periods) / (8 if ncols == 1 else 4))))
        for a in axes[: len(groups)]:
            a.set_xticks(range(0, len(periods), step))
            a.set_xticklabels([periods[i] for i in range(0, len(periods), step)], rotation=0)
            a.tick_params(labelbottom=True)
            a.set_xlim(-0.6, len(periods) - 0.4)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        fig.supylabel(f"{index_name}  (scale −1 … +1; axis zoomed to the data)" if lim < 1 else
                      f"{index_name}  (−1 … +1)", fontsize=8.5)
        note = INTERVAL_NOTE + (" Numbers: passages per period." if few else " Point size: passages per period.")
        note += _no_interval_note(t)
        if t["small"].any():
            note += f" Hollow grey: fewer than {min_passages or 'the minimum'} passages."
        if len(list(dict.fromkeys(t["glabel"]))) > max_panels:
            note += f" First {max_panels} groups shown; all are in the CSV."
        _footnote(fig, note)
    return fig


def composition_chart(table: pd.DataFrame, ax=None, title: str | None = None, split: str | None = None,
                      min_passages: int | None = None) -> Figure:
    """Composition of each group by the values of a dimension (e.g. argument role), one panel per
    value, points with intervals; with `split` (e.g. voice), one colour per split value.

    `table` is `stance.analysis.composition(...)`."""
    title = title or "Composition per group"
    if table is None or table.empty or table["passages"].fillna(0).sum() == 0:
        return message_figure("No passages with these labels to show.", title, ax)
    split = split if split and split in table.columns else None
    values = list(dict.fromkeys(table["value"]))
    skip = FIGURE_COLUMNS + ([split] if split else [])
    t = table.assign(glabel=_group_labels(table, _keys(table, skip)))
    groups = list(dict.fromkeys(t["glabel"]))
    splits = list(dict.fromkeys(t[split].astype(str))) if split else [None]
    G = len(groups)
    counts = t.drop_duplicates(["glabel"] + ([split] if split else [])).copy()
    if G > STACK_ABOVE and "cum_share" in t.columns:
        return _stacked_composition(t, ax, title, split, values, groups, splits, min_passages)
    with house_style():
        fig, axes = _target(ax, WIDTH, 1.4 + 0.45 * G * max(1, 0.6 * len(splits)), ncols=len(values))
        offsets = np.linspace(-0.22, 0.22, len(splits)) if len(splits) > 1 else [0.0]
        for a, value in zip(axes, values, strict=True):
            part = t[t["value"] == value]
            for k, s in enumerate(splits):
                sp = part if s is None else part[part[split].astype(str) == s]
                ys = np.array([G - 1 - groups.index(g) - offsets[k] for g in sp["glabel"]])
                small = sp["small"].to_numpy(bool)
                color = OKABE_ITO[k % len(OKABE_ITO)]
                label = (f"{split}: {s}" if s is not None else None) if value == values[0] else None
                if (~small).any():
                    _errorbar(a, sp["share"][~small], ys[~small], sp["low"][~small], sp["high"][~small], color,
                              label=label, size=4.5)
                if small.any():
                    _errorbar(a, sp["share"][small], ys[small], sp["low"][small], sp["high"][small], color,
                              hollow=True, size=4.5, label=label if not (~small).any() else None)
            a.set_xlim(-0.02, 1.02)
            a.set_xticks([0, 0.5, 1])
            a.set_xticklabels(["0", "50%", "100%"])
            a.set_title(str(value).replace("_", " "), fontsize=9)
            a.set_ylim(-0.6, G - 0.4)
        labels = []
        for g in reversed(groups):
            rows = counts[counts["glabel"] == g]
            if split:
                parts = [f"{r[split]}\u00a0{int(r['passages']):,}" for _, r in rows.iterrows()]  # no break inside
                labels.append("\n".join([g, *textwrap.wrap("n: " + " · ".join(parts), 26)]))
            else:
                r = rows.iloc[0]
                labels.append(_n_label(g, r["passages"], r["documents"], bool(r["small"])))
        for i, a in enumerate(axes):
            a.set_yticks(range(G))
            a.set_yticklabels(labels)
            a.tick_params(labelleft=_left_column(axes, i))
        _title_with_legend(fig, title, bool(split), len(splits))
        note = INTERVAL_NOTE
        if t["small"].any():
            note += f" Hollow: fewer than {min_passages or 'the minimum'} passages."
        _footnote(fig, note)
    return fig


STACK_ABOVE = 6  # more groups than this: stacked bars instead of one panel per value


def _stacked_composition(t: pd.DataFrame, ax, title: str, split: str | None, values: list, groups: list,
                         splits: list, min_passages: int | None) -> Figure:
    """Many groups: one stacked bar per group (one panel per split value), a colour per value; at the end
    of every segment, the 95% interval of the running total; n at the end of every bar."""
    G = len(groups)
    with house_style():
        fig, axes = _target(ax, WIDTH, 1.3 + 0.24 * G, ncols=len(splits))
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
                    a.barh(y, w, left=left, height=0.72, color=OKABE_ITO[k % len(OKABE_ITO)],
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
            a.tick_params(labelleft=_left_column(axes, i), length=0)
            for spine in ("left", "bottom"):
                a.spines[spine].set_visible(False)
            if s is not None:
                a.set_title(f"{split}: {s}", fontsize=9)
        _title_with_legend(fig, title, True, min(len(values), 4))
        note = ("Bars: share of each value, adding to 100%. Black lines: 95% interval of the running total at "
                "the end of each segment (bootstrap over documents). Numbers: passages.")
        if t["small"].any():
            note += f" Faded: fewer than {min_passages or 'the minimum'} passages."
        _footnote(fig, note)
    return fig


def terms_chart(table: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """Distinctive terms of A (left) and of B (right): log-odds ratio with its 95% interval;
    labels give each term's count in A and in B.

    `table` is `stance.analysis.distinctive_terms(...)`."""
    title = title or "Distinctive terms"
    if table is None or table.empty:
        return message_figure("Not enough text on both sides to compare terms.", title, ax)
    with house_style():
        n = int(table.groupby("side").size().max())
        fig, axes = _target(ax, WIDTH, 1.2 + 0.22 * n, ncols=2, sharey=False)
        for a, side, color in zip(axes, ("a", "b"), (OKABE_ITO[0], OKABE_ITO[1]), strict=True):
            part = table[table["side"] == side].reset_index(drop=True)
            if part.empty:
                a.set_axis_off()
                a.text(0.5, 0.5, "no distinctive term", ha="center", va="center", transform=a.transAxes)
                continue
            ys = np.arange(len(part))[::-1]
            sign = 1.0 if side == "a" else -1.0  # mirror B so that both panels read "toward this side"
            x = sign * part["delta"].to_numpy(float)
            lo, hi = np.sort(sign * part[["low", "high"]].to_numpy(float), axis=1).T
            _errorbar(a, x, ys, lo, hi, color, size=4)
            a.set_yticks(ys)
            a.set_yticklabels([f"{r.term}  ({r.count_a:,}/{r.count_b:,})" for r in part.itertuples()])
            a.axvline(0, color="#999999", linewidth=0.8)
            group = part["group"].iloc[0]
            pcount = int(part["passages_a" if side == "a" else "passages_b"].iloc[0])
            a.set_title(f"more in {group}\n(n={pcount:,} passages)", fontsize=9, loc="left")
            a.set_xlabel("log-odds ratio toward this side")
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        _footnote(fig, "Log-odds ratio with informative Dirichlet prior (Monroe, Colaresi & Quinn 2008); lines: "
                       "95% interval; sorted by z-score; (a/b): term counts in each side.")
    return fig


def agreement_chart(table: pd.DataFrame, ax=None, title: str | None = None) -> Figure:
    """Inter-annotator agreement per dimension (Krippendorff's alpha with its interval, observed
    agreement), with the number of passages labelled by two or more annotators.

    `table` is `stance.analysis.annotation_quality(project)[0]`."""
    title = title or "Agreement between annotators"
    if table is None or table.empty or table["value"].isna().all():
        return message_figure("No passage was labelled by two or more annotators: agreement cannot be "
                              "measured yet.", title, ax)
    return _metric_dots(table, ax, title, "agreement (1 = perfect, 0 = chance)",
                        "Lines: 95% interval (bootstrap over passages). n = passages labelled by 2+ annotators.")


def model_quality_chart(table: pd.DataFrame, ax=None, title: str | None = None,
                        metric: str = "macro_f1") -> Figure:
    """Cross-validated model quality per dimension (default macro-F1) with its interval, beside the
    majority-class baseline (grey bar), with the passages it was measured on.

    `table` is `stance.analysis.model_quality(project)`."""
    title = title or "Classifier quality (cross-validated, grouped by document)"
    t = table[table["metric"] == metric] if table is not None and not table.empty else table
    if t is None or t.empty:
        return message_figure("No trained model with cross-validated figures.", title, ax)
    return _metric_dots(t, ax, title, metric.replace("_", "-").replace("macro-f1", "macro-F1"),
                        "Lines: 95% interval (bootstrap over documents). Grey tick: majority-class baseline. "
                        "n = real labelled passages.")


def _metric_dots(table: pd.DataFrame, ax, title: str, xlabel: str, note: str) -> Figure:
    metrics = list(dict.fromkeys(table["metric"]))
    dims = list(dict.fromkeys(table["dimension"]))
    D = len(dims)
    with house_style():
        fig, (a,) = _target(ax, WIDTH, 1.3 + 0.42 * D * max(1, 0.6 * len(metrics)))
        offsets = np.linspace(-0.18, 0.18, len(metrics)) if len(metrics) > 1 else [0.0]
        for k, m in enumerate(metrics):
            part = table[table["metric"] == m]
            ys = np.array([D - 1 - dims.index(d) - offsets[k] for d in part["dimension"]])
            _errorbar(a, part["value"].astype(float), ys, part["low"].astype(float), part["high"].astype(float),
                      OKABE_ITO[k], label=str(m).replace("_", " "))
            if "baseline" in part.columns and part["baseline"].notna().any():
                a.plot(part["baseline"].astype(float), ys, "|", color=GREY, markersize=11, markeredgewidth=2)
        first = table.drop_duplicates("dimension").set_index("dimension")
        a.set_yticks(range(D))
        a.set_yticklabels([_n_label(d, first.loc[d, "passages"]) for d in reversed(dims)])
        a.set_xlim(min(0.0, float(np.nanmin(table["value"].astype(float))) - 0.05), 1.02)
        a.set_ylim(-0.6, D - 0.4)
        a.set_xlabel(xlabel)
        a.set_title(title, loc="left")
        if len(metrics) > 1:
            a.legend(loc="lower left")
        _footnote(fig, note)
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
        fig, (a,) = _target(ax, 0.9 + 0.75 * K + 1.2, 0.9 + 0.6 * K)
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


CHARTS = {
    "prevalence": prevalence_chart,
    "index": index_chart,
    "index_trend": index_trend_chart,
    "composition": composition_chart,
    "terms": terms_chart,
    "agreement": agreement_chart,
    "model_quality": model_quality_chart,
    "confusion": confusion_chart,
}
