"""The codebook's `analysis` section: what the analysis computes from the labels, declared as data
beside the dimensions. `IndexDefinition` is the bipolar index (the restraint index by default) that
the report's group figures and the document-level scores both use; `Composition` names what the
report shows as composition (argument role within voice by default). `parse_analysis` checks the
section against the codebook's dimensions, listing every problem (called by `stance.codebook`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# the index name is a column of the document-level scores: no separators, no spaces
COLUMN_NAME_FORBIDDEN = set(";:, ")


@dataclass(frozen=True)
class IndexDefinition:
    """A bipolar index per passage: P(`dimension` = `positive`) − P(`dimension` = `negative`), so +1
    counts for `positive`, −1 for `negative` and 0 for every other value, averaged over passages that
    are not boilerplate and whose predicted value of a dimension in `exclude` is not listed there.

    `name` is the column of document-level scores (``restraint_index``); `label` is how charts say it."""

    dimension: str
    positive: str
    negative: str
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.exclude, dict):  # a mapping {dimension: [values]} is accepted too
            object.__setattr__(self, "exclude", tuple((str(d), tuple(map(str, v))) for d, v in self.exclude.items()))
        if not self.name:
            object.__setattr__(self, "name", f"{self.positive}_index")

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @property
    def definition(self) -> str:
        where = "non-boilerplate passages"
        for dim, values in self.exclude:
            where += f" whose predicted {dim} is not {' or '.join(values)}"
        return (f"mean over {where} of P({self.dimension}={self.positive}) − "
                f"P({self.dimension}={self.negative}); +1 all {self.positive}, −1 all {self.negative}")


@dataclass(frozen=True)
class Composition:
    """What the report shows as composition: the share of each value of `dimension` per group,
    within each value of `split` (e.g. argument role within voice)."""

    dimension: str
    split: str | None = None


def parse_analysis(raw, dims: Mapping[str, Any], problems: list[str]
                   ) -> tuple[IndexDefinition | None, Composition | None]:
    """The optional `analysis` section: the index and the composition the report shows, checked
    against the dimensions (problems are appended, as for the rest of the file)."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        problems.append("'analysis' must be a mapping with 'index' and/or 'composition'")
        return None, None
    unknown = sorted(set(raw) - {"index", "composition"})
    if unknown:
        problems.append(f"analysis: unknown key(s) {', '.join(map(repr, unknown))}; valid: index, composition")

    def dimension(where: str, name, single: bool = False):
        if str(name or "") not in dims:
            problems.append(f"{where}: no dimension {name!r}; dimensions are: {', '.join(dims)}")
            return None
        if single and dims[str(name)].multi:
            problems.append(f"{where}: dimension {name!r} takes several values; the index needs a "
                            "single-valued one")
        return dims[str(name)]

    def value(where: str, dim, name) -> str:
        if dim is not None and str(name) not in dim.value_names:
            problems.append(f"{where}: {name!r} is not a value of {dim.name!r}; valid: {', '.join(dim.value_names)}")
        return str(name)

    index = composition = None
    raw_index = raw.get("index")
    if raw_index is not None:
        where = "analysis.index"
        if not isinstance(raw_index, dict):
            problems.append(f"{where} must be a mapping with 'name', 'dimension', 'positive' and 'negative'")
        else:
            name = str(raw_index.get("name") or "").strip()
            if not name or set(name) & COLUMN_NAME_FORBIDDEN:
                problems.append(f"{where}: 'name' must be a column name without spaces, ';', ':' or ',', "
                                f"got {name!r}")
            dim = dimension(where, raw_index.get("dimension"), single=True)
            pos = value(f"{where}.positive", dim, raw_index.get("positive"))
            neg = value(f"{where}.negative", dim, raw_index.get("negative"))
            if pos == neg:
                problems.append(f"{where}: 'positive' and 'negative' must be two different values")
            exclude = raw_index.get("exclude") or {}
            if not isinstance(exclude, dict):
                problems.append(f"{where}.exclude must map dimensions to lists of values")
                exclude = {}
            pairs = []
            for ex_dim, ex_values in exclude.items():
                d = dimension(f"{where}.exclude", ex_dim)
                ex_values = ex_values if isinstance(ex_values, list) else [ex_values]
                pairs.append((str(ex_dim), tuple(value(f"{where}.exclude", d, v) for v in ex_values)))
            index = IndexDefinition(str(raw_index.get("dimension")), pos, neg, tuple(pairs), name)
    raw_comp = raw.get("composition")
    if raw_comp is not None:
        where = "analysis.composition"
        if not isinstance(raw_comp, dict):
            problems.append(f"{where} must be a mapping with 'dimension' and optionally 'split'")
        else:
            dimension(where, raw_comp.get("dimension"))
            split = raw_comp.get("split")
            if split is not None:
                dimension(f"{where}.split", split)
                if split == raw_comp.get("dimension"):
                    problems.append(f"{where}: 'split' must be another dimension than 'dimension'")
            composition = Composition(str(raw_comp.get("dimension")), None if split is None else str(split))
    return index, composition
