"""The report's first section: what was compared (groups, passages, documents, boilerplate left out),
with notes on small groups and on passages of very different lengths."""

from __future__ import annotations

import pandas as pd

from .. import analysis as an
from .context import Context, Section

LENGTH_RATIO = 2.5  # median passage lengths further apart than this across groups or periods get a warning


def overview(ctx: Context) -> list[Section]:
    """Passages and documents per group (table `groups`), and what the whole report is about."""
    by, content, data = ctx.by, ctx.content, ctx.data
    date_col = ctx.date_col
    groups = (content.assign(**{by: content[by].astype("string").fillna(an.shares.MISSING)})
              .groupby(by, sort=True)
              .agg(passages=("doc_id", "size"), documents=("doc_id", "nunique"),
                   **({"first_date": (date_col, "min"), "last_date": (date_col, "max")}
                      if date_col in content else {}))
              .reset_index())
    groups["small"] = groups["passages"] < ctx.min_passages
    ctx.tables["groups"] = groups
    small = groups.loc[groups["small"], by].astype(str).tolist()
    section = Section("overview", "What was compared", notes=ctx.overview_notes, text=(
        f"{len(content):,} passages from {content['doc_id'].nunique():,} documents in {_plural(len(groups), 'group')} "
        f"by {by}" + (f", about {ctx.topic}" if ctx.topic else "") + f"; {len(data) - len(content):,} boilerplate "
        "passages (credits, bios, subscribe lines) left out."))
    if small:
        section.notes.append(f"{len(small)} group(s) have fewer than {ctx.min_passages} passages and are shown in "
                             f"grey, not dropped: {', '.join(small[:20])}{' …' if len(small) > 20 else ''}.")
    if "text" in content.columns:
        lengths = passage_lengths(content, by, ctx.time, date_col)
        ctx.tables["passage_lengths"] = lengths
        warning = length_warning(lengths, by, ctx.time)
        if warning:
            section.notes.append(warning)
    return [section]


def passage_lengths(content: pd.DataFrame, by: str, time: str | None, date_col: str) -> pd.DataFrame:
    """Median passage length (characters) per group, and per period when `time` is given."""
    frame = content.assign(length=content["text"].fillna("").astype(str).str.len(),
                           **{by: content[by].astype("string").fillna(an.shares.MISSING)})
    keys = [by]
    if time:
        frame = frame.assign(period=an.period(frame, time, date_col))
        keys = [by, "period"]
    return (frame.groupby(keys, dropna=False).agg(passages=("length", "size"), median_chars=("length", "median"))
            .reset_index())


def length_warning(lengths: pd.DataFrame, by: str, time: str | None) -> str:
    """A warning when passages are of very different lengths across groups or periods: the source texts
    were then split into paragraphs differently (hard-wrapped lines, missing blank lines), and every
    per-passage share depends on what a passage is."""
    parts = []
    for key in ([by] + (["period"] if time else [])):
        med = lengths.groupby(key)["median_chars"].median().dropna()
        if len(med) > 1 and med.min() > 0 and med.max() / med.min() > LENGTH_RATIO:
            parts.append(f"by {key}: from {med.min():,.0f} ({med.idxmin()}) to {med.max():,.0f} characters "
                         f"({med.idxmax()})")
    if not parts:
        return ""
    return ("Passage lengths differ widely (median " + "; ".join(parts) + "). The source texts were probably "
            "split into paragraphs differently (hard-wrapped lines, missing blank lines), and shares per passage "
            "depend on what a passage is: differences between these groups or periods may be artefacts. "
            "For comparable units, ingest the same files with --unit sentence into a new project and score it with "
            "this model (stance init NEW; stance ingest FILES -p NEW --unit sentence; stance score -p NEW --model "
            "MODEL; stance report -p NEW). Table: tables/passage_lengths.csv.")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
