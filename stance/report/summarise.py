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
    keep = scores[topic_dimension].map(lambda v: topic in an.frame.split_values(v))
    return scores[keep]


def find_column(frame: pd.DataFrame, name: str) -> str:
    """`name`, or the one column that matches it ignoring case; else `name` unchanged."""
    if name in frame.columns:
        return name
    same = [c for c in frame.columns if str(c).lower() == name.lower()]
    return same[0] if len(same) == 1 else name


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
    an.frame.require(scores, ["doc_id", by], "the scores")
    date_col = find_column(scores, date_col)
    if time and date_col not in scores.columns:
        raise InputError(f"the scores have no date column {date_col!r} for --time; columns are: "
                         f"{', '.join(map(str, scores.columns))}. Name it with --date-col")
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
