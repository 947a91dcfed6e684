"""The report's sections, in the order they appear. A section is a function that reads the
`Context`, adds its tables to `ctx.tables` and returns its `Section`s (none when it does not apply).
To add one: write the function in a module of this package and list it here."""

from __future__ import annotations

from .composition import composition
from .context import SectionBuilder
from .index import index, index_trend
from .learning import learning_curve
from .overview import overview
from .quality import agreement, model_quality
from .shares import shares
from .terms import terms
from .validation import banner, validation_quality

SECTIONS: list[SectionBuilder] = [
    banner,          # opens the report when the model has not been checked on this corpus
    overview,        # the others add notes to it
    index,
    index_trend,
    shares,
    composition,
    terms,
    agreement,
    validation_quality,
    model_quality,
    learning_curve,  # from the models' cards, when trained with --learning-curve
]
