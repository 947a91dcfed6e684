"""Time on a chart as real time: periods ("2023", "2023Q2", "2023-05") placed at their middle on a
continuous date axis, and lines that join only adjacent periods, so that a missing period shows as a gap
instead of being drawn as if its neighbours were next to each other."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib import dates as mdates

UNIT_NAMES = {"Y": "year", "Q": "quarter", "M": "month"}


def periods(labels: Iterable[str]) -> list[pd.Period]:
    """The pandas Periods of the period labels `stance.analysis.period` writes."""
    return [pd.Period(str(label)) for label in labels]


def unit_name(p: pd.Period) -> str:
    """'year', 'quarter' or 'month' for a period (the word the chart's note uses)."""
    return UNIT_NAMES.get(p.freqstr[0], p.freqstr)


def midpoints(ps: Iterable[pd.Period]) -> np.ndarray:
    """Matplotlib date numbers of the middle of each period (where its point is drawn)."""
    return np.array([mdates.date2num(p.start_time + (p.end_time - p.start_time) / 2) for p in ps])


def runs(ps: list[pd.Period]) -> list[list[int]]:
    """Positions of `ps` (sorted, one frequency) split into runs of adjacent periods: a line is drawn
    within a run, never across the gap between two runs."""
    out: list[list[int]] = []
    for i, p in enumerate(ps):
        if out and (p - ps[out[-1][-1]]).n == 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def span(ps: list[pd.Period]) -> tuple[float, float]:
    """Date-number limits from the start of the first period to the end of the last, with a margin."""
    lo = mdates.date2num(min(p.start_time for p in ps))
    hi = mdates.date2num(max(p.end_time for p in ps))
    pad = max(0.03 * (hi - lo), 10.0)
    return lo - pad, hi + pad


def date_axis(a) -> None:
    """Dates on the x axis of `a`: automatic ticks, concise labels (a year once, then its months)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    a.xaxis.set_major_locator(locator)
    a.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
