"""Distinctive terms: between two groups (`--compare`) and between the two poles of the index."""

from __future__ import annotations

from .. import analysis as an
from ..errors import InputError
from .context import Context, Section


def terms(ctx: Context) -> list[Section]:
    """One section per pair compared (tables `terms_<column>`); a note when the scores carry no text."""
    if "text" not in ctx.data.columns:
        ctx.overview_notes.append("The scores carry no passage text, so there is no distinctive-terms section.")
        return []
    by, pairs = ctx.by, []
    if ctx.compare:
        a, b = ctx.compare
        known = set(ctx.content[by].astype(str))
        unknown = [g for g in (a, b) if g not in known]
        if unknown:
            raise InputError(f"--compare: no group {', '.join(map(repr, unknown))} in {by!r}; groups are: "
                             f"{', '.join(sorted(known)[:30])}")
        pairs.append((by, a, b))
    spec = ctx.scored_index
    if spec is not None:
        pairs.append((spec.dimension, spec.positive, spec.negative))
    sections = []
    for column, a, b in pairs:
        key = f"terms_{column}"
        ctx.say(f"distinctive terms: {a} vs {b}")
        ctx.tables[key] = an.distinctive_terms(ctx.data, column, a, b)
        sections.append(Section(key, f"Distinctive terms: {a} versus {b}", chart=key, kind="terms",
                                text=("Words used more by one side than the other, by the log-odds ratio with "
                                      "an informative Dirichlet prior and its z-score (Monroe, Colaresi & "
                                      f"Quinn 2008); passages grouped by {column}" +
                                      (" as predicted by the classifier." if column in ctx.dims else ".")),
                                options={"title": f"Distinctive terms: {a} vs {b}"}))
    return sections
