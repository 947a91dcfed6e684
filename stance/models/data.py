"""Gold labels for training and evaluation: from a project or a DataFrame, checked against the codebook.

The gold frame has columns passage_id, doc_id, text, is_example (a written codebook example, never
real text), optionally is_boilerplate and target, and one column per codebook dimension (a string
for single-valued dimensions, a list of strings for multi-valued ones, None where unlabelled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import Codebook, Dimension, load_codebook
from ..errors import ModelError

MIN_PER_CLASS = 5
REQUIRED_COLUMNS = ("doc_id", "text")


@dataclass
class GoldData:
    """A gold frame with the codebook it is read under."""

    frame: pd.DataFrame
    codebook: Codebook
    validation_used: int = 0  # passages of the project's validation sample among the gold labels used
    validation_held_out: int = 0  # gold-labelled passages left out because they are in the validation sample

    def dimensions(self, requested: list[str] | None = None) -> list[Dimension]:
        if requested:
            return [self.codebook.dimension(d) for d in requested]
        dims = [d for d in self.codebook.dimensions if d.name in self.frame.columns]
        if not dims:
            raise ModelError(
                "the gold frame has no column for any codebook dimension; codebook dimensions: "
                f"{', '.join(self.codebook.dimension_names)}; columns: {', '.join(map(str, self.frame.columns))}"
            )
        return dims

    def labelled(self, dim: Dimension, include_examples: bool) -> pd.DataFrame:
        """Rows with a gold label on `dim`; written examples only when `include_examples`."""
        if dim.name not in self.frame.columns:
            raise ModelError(f"the gold frame has no column {dim.name!r} for dimension {dim.name!r}")
        col = self.frame[dim.name]
        has = col.map(has_label).astype(bool)  # an empty frame's map is object-typed: a column selection
        rows = self.frame[has]
        if not include_examples:
            rows = rows[~rows["is_example"]]
        return rows


def _validation_ids(project) -> set[str]:
    """Passages in the project's validation sample (held out of training and cross-validation)."""
    from ..store.validation import validation_passage_ids

    conn = getattr(project, "conn", None)
    return validation_passage_ids(conn) if conn is not None else set()


def gold_data(source, codebook: Codebook | None = None, include_examples: bool = False,
              include_validation: bool = False) -> GoldData:
    """Accept a project (anything with `gold_frame()` and `codebook`) or a DataFrame.

    A project's validation sample (`stance validate sample`) is held out unless `include_validation`;
    `GoldData.validation_used` counts the validation passages kept."""
    validation_used = held_out = 0
    if hasattr(source, "gold_frame"):
        frame = source.gold_frame(include_examples=include_examples)
        codebook = codebook or source.codebook
        held = _validation_ids(source)
        if include_validation:
            validation_used = int(frame["passage_id"].isin(held).sum())
        else:
            held_out = int(frame["passage_id"].isin(held).sum())
            frame = frame[~frame["passage_id"].isin(held)]
        if frame.empty:
            raise ModelError(no_gold_message(source, held_out))
    elif isinstance(source, pd.DataFrame):
        frame = source
        codebook = codebook or load_codebook()
    else:
        raise ModelError(f"expected a project or a pandas DataFrame of gold labels, got {type(source).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ModelError(f"the gold frame lacks column(s) {', '.join(missing)}; it has: "
                         f"{', '.join(map(str, frame.columns))}")
    frame = frame.copy()
    if "is_example" not in frame.columns:
        frame["is_example"] = False
    frame["is_example"] = frame["is_example"].fillna(False).astype(bool)
    if "passage_id" not in frame.columns:
        frame["passage_id"] = [str(i) for i in range(len(frame))]
    frame["doc_id"] = frame["doc_id"].astype(str)
    frame["text"] = frame["text"].fillna("").astype(str)
    if include_examples and not frame["is_example"].any():  # no example documents: the codebook's own
        frame = pd.concat([frame, codebook_examples(codebook)], ignore_index=True)
    frame = frame.reset_index(drop=True)
    problems = []
    for dim in codebook.dimensions:
        if dim.name not in frame.columns:
            continue
        valid = set(dim.value_names)
        bad = sorted({v for v in frame[dim.name] for v in _values(v) if v not in valid})
        if bad:
            problems.append(f"dimension {dim.name!r} has value(s) {', '.join(map(repr, bad))} not in the "
                            f"codebook (version {codebook.version}); valid: {', '.join(dim.value_names)}")
    if problems:
        raise ModelError("; ".join(problems))
    return GoldData(frame, codebook, validation_used, held_out)


def codebook_examples(codebook: Codebook) -> pd.DataFrame:
    """The codebook's own written examples (`examples:` under its values) as gold rows marked `is_example`:
    each labels one dimension with the value it illustrates, and is a document of its own. A `ModelError`
    says so plainly when the codebook has none (for `include_examples` on a project without example
    documents, as with a custom codebook)."""
    rows = []
    for dim in codebook.dimensions:
        for value in dim.values:
            for i, text in enumerate(value.examples):
                rows.append({"passage_id": f"example:{dim.name}:{value.name}:{i}",
                             "doc_id": f"example:{dim.name}:{value.name}:{i}", "text": str(text),
                             "is_example": True, dim.name: [value.name] if dim.multi else value.name})
    if not rows:
        raise ModelError(f"--include-examples: the codebook {codebook.name!r} has no written examples (add "
                         "'examples:' under its values) and the project has no example documents; train without "
                         "--include-examples")
    return pd.DataFrame(rows)


def no_gold_message(project, held_out: int = 0) -> str:
    """Why a project has no gold label to train on, and the command that makes some: its annotators'
    labels become gold only by agreement, adjudication or a recorded decision (docs/annotation.md)."""
    path = getattr(project, "path", "PROJECT")
    if held_out:
        return (f"every gold-labelled passage of {path} ({held_out}) is in the validation sample, held out to check "
                "the model: label more passages, or train on them with --include-validation")
    status = getattr(project, "status", None)
    labelled = status().annotations_by_annotator if status else {}
    if not labelled:
        return (f"{path} has no gold labels yet: label passages (stance annotate -p {path} --annotator NAME), then "
                f"make them gold (alone: stance gold -p {path} --from NAME; see docs/annotation.md)")
    who = ", ".join(f"{name} ({n} passages)" for name, n in labelled.items())
    if len(labelled) == 1:
        name = next(iter(labelled))
        return (f"{path} has no gold labels yet, only {who}: one annotator's labels become gold by a recorded "
                f"decision: stance gold -p {path} --from {name} (see docs/annotation.md)")
    return (f"{path} has no gold labels yet, only labels by {who}: resolve the passages they share with stance "
            f"adjudicate -p {path} --annotator LEAD, and accept the ones read once with stance gold -p {path} "
            "--from NAME (see docs/annotation.md)")


def has_label(v) -> bool:
    """True for a real label: not None or NaN, not an empty string or an empty list of values."""
    if v is None:
        return False
    if isinstance(v, float) and np.isnan(v):
        return False
    if isinstance(v, (list, tuple, np.ndarray)):
        return len(v) > 0
    return str(v) != ""


def _values(v) -> list[str]:
    if not has_label(v):
        return []
    if isinstance(v, (list, tuple, np.ndarray)):
        return [str(x) for x in v]
    if isinstance(v, str) and ";" in v:
        return [x.strip() for x in v.split(";") if x.strip()]
    return [str(v)]


def label_array(rows: pd.DataFrame, dim: Dimension) -> tuple[np.ndarray, list[str]]:
    """Labels as a 1-d array (single-valued) or an indicator matrix (multi-valued), and the value
    names in codebook order that occur in `rows`."""
    if dim.multi:
        names = dim.value_names
        Y = np.zeros((len(rows), len(names)), dtype=int)
        for i, v in enumerate(rows[dim.name]):
            for x in _values(v):
                Y[i, names.index(x)] = 1
        return Y, names
    y = np.asarray([_values(v)[0] for v in rows[dim.name]], dtype=object)
    present = set(y)
    return y, [v for v in dim.value_names if v in present]


def class_counts(rows: pd.DataFrame, dim: Dimension) -> dict[str, int]:
    """How many labelled passages each codebook value has in `rows` (zero for absent values)."""
    counts = dict.fromkeys(dim.value_names, 0)
    for v in rows[dim.name]:
        for x in _values(v):
            counts[x] += 1
    return counts


def small_class_problems(counts: dict[str, int], dim: Dimension, min_per_class: int,
                         what: str = "labelled passages") -> tuple[list[str], list[str]]:
    """(fatal problems, too-small values) for one dimension.

    Fatal: fewer than two values with at least `min_per_class` labels. Too small: values with some
    labels but fewer than `min_per_class` (each named with how many more are needed).
    """
    usable = [v for v, c in counts.items() if c >= min_per_class]
    small = [v for v, c in counts.items() if 0 < c < min_per_class]
    fatal = []
    if dim.multi:
        if not usable:
            fatal.append(f"dimension {dim.name!r}: no value has {min_per_class} or more {what}")
    elif len(usable) < 2:
        detail = ", ".join(f"{v} {c}" for v, c in counts.items())
        fatal.append(
            f"dimension {dim.name!r} needs at least two values with {min_per_class} or more {what} "
            f"each; it has {detail}"
        )
    return fatal, small


def describe_small(counts: dict[str, int], small: list[str], min_per_class: int) -> str:
    return ", ".join(
        f"{v!r} has {counts[v]} (label {min_per_class - counts[v]} more)" for v in small
    )
