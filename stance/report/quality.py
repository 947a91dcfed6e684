"""How far to trust the figures: agreement between annotators and the classifiers' cross-validated
quality, as stored in the project (given to the report; nothing is measured here)."""

from __future__ import annotations

from .context import Context, Section


def agreement(ctx: Context) -> list[Section]:
    """Agreement per dimension (table `agreement`), when the report is on a project."""
    if ctx.agreement is None:
        return []
    table, note = ctx.agreement
    ctx.tables["agreement"] = table
    section = Section("agreement", "Annotation quality", chart="agreement", kind="agreement",
                      text="Agreement between annotators on the passages two or more of them labelled.")
    if note:
        section.notes.append(note)
    return [section]


def model_quality(ctx: Context) -> list[Section]:
    """Macro-F1 of each dimension's classifier beside the baseline (table `model_quality`)."""
    table = ctx.model_quality
    if table is None:
        return []
    ctx.tables["model_quality"] = table
    section = Section("model_quality", "Classifier quality", chart="model_quality", kind="model_quality",
                      text=("Accuracy and macro-F1 of each dimension's classifier in cross-validation grouped by "
                            "document, on its own training corpus, beside the majority-class baseline (grey tick)."))
    measured = table["measured_on"].dropna().unique().tolist() if not table.empty else []
    section.notes += [f"Measured on {m}." for m in measured[:3]]
    return [section]
