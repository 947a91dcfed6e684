"""The share of each value per group for every scored dimension, uncorrected beside corrected for
classifier error (with the classifier's own cross-validated errors, when it carries them)."""

from __future__ import annotations

from .. import analysis as an
from .context import Context, Section
from .validation import unidentified_corrections, validated_shares


def shares(ctx: Context) -> list[Section]:
    """One section per scored dimension (tables `shares_<dimension>`)."""
    return [_dimension(ctx, dim) for dim in ctx.dims]


def _dimension(ctx: Context, dim: str) -> Section:
    ctx.say(f"shares of {dim}")
    if ctx.validation is not None and ctx.validation.labelled(dim):
        return validated_shares(ctx, dim)
    dimension = ctx.codebook.dimension(dim)
    err = ctx.errors.get(dim)
    by = ctx.by
    table = an.prevalence_table(ctx.data, dim, by=by, codebook=ctx.codebook, errors=err, **ctx.bootstrap)
    ctx.tables[f"shares_{dim}"], unidentified = unidentified_corrections(table, by)
    section = Section(f"shares_{dim}", f"{dim.capitalize()}: share of passages per {by}",
                      text=dimension.question.strip(), chart=f"shares_{dim}", kind="prevalence",
                      options={"title": f"{dim}: share of passages per {by}", "min_passages": ctx.min_passages,
                               "value_order": dimension.value_names})
    if dimension.multi:
        section.notes.append("Several values may apply to one passage, so the shares need not sum to 100%; n "
                             "counts the passages given at least one value.")
    elif err is not None:
        absent = [v for v in dimension.value_names if v not in err.classes]
        if absent:
            section.notes.append(f"No corrected share for {', '.join(absent)}: too few real labelled passages "
                                 "to measure the classifier's errors on "
                                 f"{'it' if len(absent) == 1 else 'them'} in cross-validation.")
        section.notes.append(f"Corrected shares use the classifier's errors measured by {err.source}; they "
                             "assume the classifier errs on these texts as it did there, which is weaker the more "
                             "these texts differ from the labelled ones. Their intervals also carry the "
                             f"uncertainty of those error rates ({err.passages} labelled passages), which is why "
                             "they can be much wider than the uncorrected ones. The uncorrected share is shown "
                             "beside it.")
    else:
        section.notes.append("No correction for classifier error: no cross-validated errors were available.")
    section.notes += unidentified
    return section
