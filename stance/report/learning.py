"""The learning curve: would more labels help? From the curves the project's models stored when they were
trained with `--learning-curve` (nothing is trained here)."""

from __future__ import annotations

from .context import Context, Section


def learning_curve(ctx: Context) -> list[Section]:
    """Macro-F1 by labelled passages per dimension (table `learning_curve`), when a model stored one."""
    table = ctx.learning_curves
    if table is None or table.empty:
        return []
    ctx.tables["learning_curve"] = table
    section = Section("learning_curve", "Would more labels help?", chart="learning_curve", kind="learning_curve",
                      text=("Macro-F1 on held-out documents of a classifier trained on a growing share of the "
                            "training documents in each cross-validation fold, on the model's own training corpus. "
                            "A curve still rising at the right says more labels would pay; a flat one says they "
                            "would change little for this kind of model."))
    heads = "head" in table.columns and table["head"].nunique() > 1
    for key, part in table.groupby(["dimension", "head"] if heads else ["dimension"], sort=False):
        name = f"{key[0]} ({key[1]} head)" if heads else key[0]
        part = part.sort_values("passages")
        if len(part) >= 2:
            gain = float(part["macro_f1"].iloc[-1] - part["macro_f1"].iloc[-2])
            share = float(part["passages"].iloc[-2] / part["passages"].iloc[-1])
            section.notes.append(f"{name}: from {part['passages'].iloc[-2]:.0f} to {part['passages'].iloc[-1]:.0f} "
                                 f"passages ({1 - share:.0%} more labels) macro-F1 moved by {gain:+.3f}.")
    return [section]
