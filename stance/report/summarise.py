"""Stage one of the report: scores -> tables and text (`Summary`), by running every section builder."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

import pandas as pd

from .. import analysis as an
from ..errors import InputError, LabelError
from .context import Context, Summary
from .sections import SECTIONS

METHOD_NOTES = (
    "Shares are of non-boilerplate passages; every figure shows the passages (n) and documents behind it.",
    "Uncorrected shares count the classifier's labels (CC) or average its probabilities (PCC); corrected "
    "shares (ACC, PACC) undo its average confusion as measured in cross-validation (Forman 2008; Bella et al. "
    "2010), clipped to [0, 1] and renormalised.",
)


def select(scores: pd.DataFrame, codebook, topic: str | None = None, topic_dimension: str = "topic") -> pd.DataFrame:
    """Passages about `topic` (one value of the multi-valued topic dimension), checked against the codebook."""
    if not topic:
        return scores
    if topic_dimension not in codebook.dimension_names:
        raise InputError(f"the codebook has no dimension {topic_dimension!r} to select a topic from")
    try:
        codebook.dimension(topic_dimension).value(topic)
    except LabelError as exc:
        raise InputError(str(exc)) from None
    if topic_dimension not in scores.columns:
        raise InputError(f"the scores have no {topic_dimension!r} predictions; score with a model that has a "
                         f"{topic_dimension!r} head, or leave out --topic")
    keep = an.frame.label_mask(scores[topic_dimension], lambda items: topic in items)
    return scores[keep]


def find_column(frame: pd.DataFrame, name: str) -> str:
    """`name`, or the one column that matches it ignoring case; else `name` unchanged."""
    if name in frame.columns:
        return name
    same = [c for c in frame.columns if str(c).lower() == name.lower()]
    return same[0] if len(same) == 1 else name


def check_columns(scores: pd.DataFrame, by: str, time: str | None, date_col: str) -> str:
    """Check the columns the report needs before any work is done; returns the date column to use.

    A missing `by` column, or for `time` a date column that is missing or holds no date at all, is an
    `InputError` that names the column that looks right ('Date' when 'date' is empty)."""
    an.frame.require(scores, ["doc_id", by], "the scores")
    if not time:
        return find_column(scores, date_col)
    date_col = find_column(scores, date_col)
    if date_col in scores.columns and _has_dates(scores, date_col, time):
        return date_col
    dated = [c for c in scores.columns if c != date_col and ("date" in str(c).lower() or "year" in str(c).lower())
             and _has_dates(scores, c, time)]
    where = (f"column {date_col!r} holds no date" if date_col in scores.columns
             else f"the scores have no date column {date_col!r}")
    hint = (f"; column {dated[0]!r} has dates: use --date-col {dated[0]}" if dated
            else f"; columns are: {', '.join(map(str, scores.columns))}. Name the date column with --date-col")
    raise InputError(f"{where} for --time{hint}")


def _has_dates(scores: pd.DataFrame, column: str, time: str) -> bool:
    """True when the first 1,000 non-empty values of `column` hold a date (or year) that `time` can read."""
    values = scores[column].dropna()
    values = values[values.astype(str).str.strip() != ""].head(1000)
    return bool(len(values)) and bool(an.period(values.to_frame(column), time, column).notna().any())


def summarise(scores: pd.DataFrame, codebook, by: str = "outlet", time: str | None = None,
              topic: str | None = None, compare: Sequence[str] | None = None, min_passages: int = an.MIN_PASSAGES,
              errors: dict[str, an.ClassifierErrors] | None = None, agreement: tuple[pd.DataFrame, str] | None = None,
              model_quality: pd.DataFrame | None = None, n_boot: int = 1000, random_state: int = 0,
              title: str | None = None, source: str = "", progress: Callable[[str], None] | None = None,
              date_col: str = "date", validation=None, learning_curves: pd.DataFrame | None = None) -> Summary:
    """Every table of the report from passage-level scores (see `stance.analysis.frame`), one
    section builder after another (`stance.report.sections.SECTIONS`).

    `date_col` is the column dates are read from for `time` (a full date or a year); a column of
    that name in another case (``Date``) is found too."""
    date_col = check_columns(scores, by, time, date_col)
    data = select(scores, codebook, topic)
    ctx = Context(data, an.frame.analysable(data), codebook, by, time=time, date_col=date_col, topic=topic,
                  compare=tuple(compare) if compare else None, min_passages=min_passages, n_boot=n_boot,
                  random_state=random_state, errors=errors or {}, agreement=agreement,
                  model_quality=model_quality, validation=validation, progress=progress,
                  learning_curves=learning_curves)
    sections = [section for build in SECTIONS for section in build(ctx)]
    content = ctx.content
    meta = {"by": by, "time": time, "topic": topic, "compare": list(compare) if compare else None,
            "min_passages": min_passages, "n_boot": n_boot, "passages": len(content),
            "documents": int(content["doc_id"].nunique()), "groups": len(ctx.tables["groups"]), "source": source,
            "codebook": f"{codebook.name} {codebook.version}",
            "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    notes = ["Intervals are 95% percentile-bootstrap intervals that resample whole documents within each group "
             f"({n_boot} replicates): passages of one article are not independent.", *METHOD_NOTES]
    title = title or f"Stance by {by}" + (f" and {time}" if time else "") + (f": {topic}" if topic else "")
    return Summary(title, meta, sections, ctx.tables, notes)
