"""What the report's section builders share: the `Context` they read (the selected scores, the
codebook, the options, the quality figures) and fill (tables, notes on the overview), and the
`Section` and `Summary` they produce."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..analysis import ClassifierErrors, default_index
from ..bootstrap import DocumentBootstrap
from ..codebook import Codebook, IndexDefinition
from ..errors import InputError

log = logging.getLogger(__name__)


@dataclass
class Section:
    """One part of the report: a heading, text, a chart and the tables behind it."""

    key: str
    heading: str
    text: str = ""
    chart: str | None = None          # key of `Summary.tables` drawn by plots.CHARTS[kind]
    kind: str | None = None           # chart function name in plots.CHARTS
    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """Everything the report says, as tables and text; no drawing yet."""

    title: str
    meta: dict
    sections: list[Section]
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """The inputs of every section builder, and what they add to (`tables`, `overview_notes`).

    `data` is the selected scores (boilerplate included), `content` its non-boilerplate passages,
    `dims` the codebook dimensions that were scored, `index` the codebook's index (None when it
    defines none: `index_problem` says why)."""

    data: pd.DataFrame
    content: pd.DataFrame
    codebook: Codebook
    by: str
    time: str | None = None
    date_col: str = "date"
    topic: str | None = None
    compare: tuple[str, str] | None = None
    min_passages: int = 30
    n_boot: int = 1000
    random_state: int = 0
    errors: dict[str, ClassifierErrors] = field(default_factory=dict)
    agreement: tuple[pd.DataFrame, str] | None = None
    model_quality: pd.DataFrame | None = None
    learning_curves: pd.DataFrame | None = None  # stored by `stance train --learning-curve`
    validation: Any = None            # stance.report.validation.ValidationInputs (the banner when None)
    progress: Callable[[str], None] | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    overview_notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.replicates = DocumentBootstrap(self.n_boot, self.random_state)  # one draw per group, every table
        self.dims = [d for d in self.codebook.dimension_names if d in self.data.columns]
        self.index: IndexDefinition | None = None
        self.index_problem = ""
        try:
            self.index = default_index(self.codebook)
        except InputError as exc:
            self.index_problem = str(exc)

    @property
    def bootstrap(self) -> dict:
        """The keyword arguments every analysis table takes for its intervals and small groups."""
        return {"n_boot": self.n_boot, "min_passages": self.min_passages, "random_state": self.random_state,
                "replicates": self.replicates}

    @property
    def scored_index(self) -> IndexDefinition | None:
        """The index, when its dimension was scored."""
        return self.index if self.index is not None and self.index.dimension in self.data.columns else None

    def say(self, msg: str) -> None:
        (self.progress or log.info)(msg)


SectionBuilder = Callable[[Context], list[Section]]
