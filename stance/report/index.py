"""The codebook's bipolar index (the restraint index by default) per group, and per group and period."""

from __future__ import annotations

from .. import analysis as an
from .context import Context, Section
from .validation import VALIDATED_NOTE, index_notes, validated_index


def index(ctx: Context) -> list[Section]:
    """The index per group (table `index`); a note on the overview when the codebook defines none."""
    if ctx.index is None:
        ctx.overview_notes.append(f"No index: {ctx.index_problem}.")
        return []
    spec = ctx.scored_index
    if spec is None:
        return []
    label, by = spec.label, ctx.by
    ctx.say(f"{label} per group")
    validated = ctx.validation is not None and ctx.validation.labelled(spec.dimension)
    ctx.tables["index"] = (validated_index(ctx, spec) if validated else
                           an.index_table(ctx.data, spec, by=by, **ctx.bootstrap))
    section = Section("index", f"{label.capitalize()} per {by}", text=(
        f"The index is the {spec.definition}. Passages are weighted equally; the interval resamples "
        "documents. Read the differences between groups more than the level: the level also reflects how "
        "the classifier is calibrated on text like this, which is uncertain when it was trained on another "
        "genre."), chart="index", kind="index",
        options={"index_name": label, "poles": (spec.positive, spec.negative),
                 "min_passages": ctx.min_passages, "title": f"{label.capitalize()} per {by}"})
    if validated:
        section.notes += index_notes(ctx)
        section.options["note"] = VALIDATED_NOTE.format(n=ctx.validation.min_labels)
    return [section]


def index_trend(ctx: Context) -> list[Section]:
    """The index per group and period (table `index_trend`), when the report is over time."""
    spec = ctx.scored_index
    if spec is None or not ctx.time:
        return []
    label, by, time = spec.label, ctx.by, ctx.time
    ctx.say(f"{label} per {time}")
    validated = ctx.validation is not None and ctx.validation.labelled(spec.dimension)
    ctx.tables["index_trend"] = (validated_index(ctx, spec, time) if validated else
                                 an.index_table(ctx.data, spec, by=by, time=time, date_col=ctx.date_col,
                                                **ctx.bootstrap))
    section = Section("index_trend", f"{label.capitalize()} per {by} and {time}", chart="index_trend",
                      kind="index_trend", options={"index_name": label, "min_passages": ctx.min_passages,
                                                   "poles": (spec.positive, spec.negative),
                                                   "title": f"{label.capitalize()} per {by} and {time}"})
    missing = an.undated(ctx.data, time, ctx.date_col)
    if missing:
        section.notes.append(f"{missing:,} passages without a usable date are left out of this chart.")
    if validated:  # other intervals than the bootstrap's: the footnote names them
        section.notes += index_notes(ctx, time)
        section.options["note"] = VALIDATED_NOTE.format(n=ctx.validation.min_labels)
    return [section]
