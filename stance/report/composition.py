"""The codebook's composition (argument role within voice, by default) per group."""

from __future__ import annotations

from .. import analysis as an
from .context import Context, Section


def composition(ctx: Context) -> list[Section]:
    """Share of each value of the composition dimension per group, within each value of its split
    (table `composition`), when the codebook defines a composition and both dimensions were scored."""
    comp = ctx.codebook.composition
    if comp is None or comp.dimension not in ctx.dims or (comp.split and comp.split not in ctx.dims):
        return []
    dim, split, by = comp.dimension, comp.split, ctx.by
    ctx.say(f"{dim} by {split}" if split else f"{dim} composition")
    ctx.tables["composition"] = an.composition(ctx.data, dim, by=by, split=split, codebook=ctx.codebook,
                                               **ctx.bootstrap)
    if split:
        heading = f"{dim.capitalize()} composition per {by}, by {split}"
        text, title = f"Share of each {dim} among the passages of each {split}.", f"{dim} per {by}, by {split}"
    else:
        heading = f"{dim.capitalize()} composition per {by}"
        text, title = f"Share of each {dim} among the passages of each group.", f"{dim} per {by}"
    text += (" These are the model's own shares: unlike the shares and the index above, they are not corrected"
             " for its errors nor estimated from a validation sample, so they have not been checked on this corpus.")
    return [Section("composition", heading, text=text, chart="composition", kind="composition",
                    options={"split": split, "title": title, "min_passages": ctx.min_passages,
                             "value_order": ctx.codebook.dimension(dim).value_names,
                             "split_order": ctx.codebook.dimension(split).value_names if split else None})]
