"""The house style every chart shares: the palette, sizes and rc settings (applied inside
`rc_context`, never globally), a fresh Figure, the panels of a chart (in a fresh Figure or inside
the Axes a caller gives), a message in place of a chart, and saving."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
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
                    "ACC": "corrected for classifier error (ACC)", "PACC": "corrected for classifier error (PACC)",
                    "PPI": "validated (predictions + validation labels)"}


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


PANEL_GAP = (0.3, 0.6)  # inches between panels drawn inside a given Axes: across, down (ticks, titles)


def panels(ax, width: float, height: float, n: int = 1, cols: int = MAX_COLUMNS, sharex: bool = False,
           sharey: bool = True):
    """(figure, axes list) for a chart of `n` panels: in a fresh figure, or drawn on the Axes the caller
    gave (one panel is that Axes; several are laid out inside it, and it keeps its place in the
    caller's figure with its own frame hidden). More than `cols` panels wrap onto further rows (the
    height given is per row); unused slots are hidden."""
    cols = min(n, cols)
    rows = int(np.ceil(n / cols))
    if ax is None:
        fig = new_figure(width, height * rows)
        spec = fig.add_gridspec(rows, cols)

        def make(i: int, **share):
            return fig.add_subplot(spec[i // cols, i % cols], **share)
    else:
        fig = ax.get_figure()
        if n == 1:
            return fig, [ax]
        ax.set_axis_off()
        bounds = _cells(ax, rows, cols)

        def make(i: int, **share):
            return ax.inset_axes(bounds[i], **share)
    axes: list = []
    for i in range(rows * cols):
        a = make(i, sharex=axes[0] if axes and sharex else None, sharey=axes[0] if axes and sharey else None)
        if i >= n:
            a.set_axis_off()
        axes.append(a)
    return fig, axes[:n]


def _cells(ax, rows: int, cols: int) -> list[list[float]]:
    """Bounds (in the Axes' own 0-1 coordinates) of a rows x cols grid of panels inside `ax`,
    row by row, with PANEL_GAP between them."""
    box = ax.get_position()
    fig = ax.get_figure()
    width, height = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    gx = min(PANEL_GAP[0] / max(width, 1e-6), 0.5 / cols) if cols > 1 else 0.0
    gy = min(PANEL_GAP[1] / max(height, 1e-6), 0.5 / rows) if rows > 1 else 0.0
    w, h = (1 - gx * (cols - 1)) / cols, (1 - gy * (rows - 1)) / rows
    return [[c * (w + gx), 1 - (r + 1) * h - r * gy, w, h] for r in range(rows) for c in range(cols)]


def left_column(axes: list, i: int) -> bool:
    return i % MAX_COLUMNS == 0


def message_figure(text: str, title: str | None = None, ax=None) -> Figure:
    """A figure that says why there is nothing to draw."""
    with house_style():
        fig, (a,) = panels(ax, WIDTH, 1.8)
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
        with house_style():  # savefig reads svg.fonttype then: SVG text stays text, searchable and editable
            fig.savefig(path, dpi=150, metadata={"Date": None} if ext in ("svg", "pdf") else None)
        out.append(path)
    return out

