"""One colour per codebook value, the same in every chart and every report.

A value's colour is fixed by its place in its dimension's codebook order (voice `author` is the first
voice value, so always the first colour), never by which values happen to appear in a table: a report
without `reported` passages still draws `none` in the colour every other report gives it. Hues are kept
for codebook values; what is not a value (an estimator, a metric, the index) is drawn in ink or grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .style import OKABE_ITO

# Okabe-Ito without black (the ink of everything that is not a codebook value), its yellow darkened: the
# original #F0E442 is barely visible as a small mark on white
VALUE_PALETTE = [{"#F0E442": "#A68F00"}.get(c, c) for c in OKABE_ITO if c != "#000000"]


def value_colours(values: Sequence[str], order: Sequence[str] | None = None) -> dict[str, str]:
    """{value: colour} for `values`, from their place in `order` (the dimension's values in codebook
    order). Without `order`, the order of the packaged codebook's dimension that holds every value is
    used, so that charts drawn outside a report agree with it. Values outside the order follow it in
    sorted order (a stable choice, not a codebook one)."""
    place = _places(values, order)
    return {str(v): VALUE_PALETTE[place[str(v)] % len(VALUE_PALETTE)] for v in values}


def in_codebook_order(values: Sequence[str], order: Sequence[str] | None = None) -> list[str]:
    """`values` (as text) sorted by their place in the codebook (as `value_colours` finds it): legends
    and panels list a dimension's values as the codebook does, not as a table happens to."""
    place = _places(values, order)
    return sorted(dict.fromkeys(str(v) for v in values), key=place.__getitem__)


def _places(values: Sequence[str], order: Sequence[str] | None) -> dict[str, int]:
    values = [str(v) for v in values]
    order = [str(v) for v in order] if order is not None else _default_order(tuple(sorted(set(values))))
    extra = sorted(v for v in set(values) if v not in order)
    return {v: i for i, v in enumerate([*order, *extra])}


@lru_cache(maxsize=64)
def _default_order(values: tuple[str, ...]) -> list[str]:
    """The packaged codebook's order of the first dimension that holds every one of `values` (dimensions
    that share values, such as posture's and intervention's `neutral`, give them the same place)."""
    from ..codebook import load_codebook

    for dimension in load_codebook().dimensions:
        names = list(dimension.value_names)
        if set(values) <= set(names):
            return names
    return []
