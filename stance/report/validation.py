"""The report's validation parts: the banner when the model has not been checked on this corpus, the
model's figures on the validation sample and the transfer checks, and the shares, index and trend
points estimated from the predictions plus the validation labels (docs/validation.md).

`shares` and `index` call `validated_shares` / `validated_index` / `validated_trend` when the
validation sample carries labels for the dimension; groups with too few labels keep the model's naive
figure, greyed and marked unvalidated, and an interval too wide to be a finding has no point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..validation import MIN_LABELS, UNIDENTIFIED, ppi_index, ppi_shares
from .context import Context, Section

SUGGESTED_LABELS = 300
VALIDATED_NOTE = ("Lines: 95% prediction-powered intervals (predictions on every passage + validation labels); "
                  "a line without a point: not identifiable with this model. Grey, hollow, no line: unvalidated, "
                  "fewer than {n} validation labels (the model's own figure).")
OWN_SHARE_NOTE = " Diamonds: the model's own share (uncorrected), without an interval."
UNVALIDATED = "unvalidated"
PPI = "PPI"


@dataclass
class ValidationInputs:
    """What the report knows about checking the model on this corpus: the validation labels (None when
    the report is on a scores table, not a project), the figures on them, the transfer checks."""

    labels: object | None = None       # stance.validation.project.ValidationLabels
    figures: object | None = None      # stance.validation.project.ValidationReport
    transfer: object | None = None     # stance.validation.TransferChecks
    project: str = ""
    min_labels: int = MIN_LABELS

    def labelled(self, dimension: str) -> bool:
        return self.labels is not None and self.labels.exists and self.labels.labelled(dimension) > 0

    @property
    def checked(self) -> bool:
        return self.figures is not None and bool(self.figures.figures)

    def human(self) -> pd.DataFrame:
        return self.labels.frame


def project_validation(project, scores: pd.DataFrame, n_boot: int = 1000) -> ValidationInputs:
    """What the report needs from a project: its validation labels, the model's figures on them, and
    the transfer checks of the models behind `scores`."""
    from ..validation.project import project_transfer, validate_project, validation_labels

    labels = validation_labels(project)
    has_labels = labels.exists and any(labels.labelled(d) for d in project.codebook.dimension_names)
    figures = validate_project(project, n_boot=n_boot, scores=scores, labels=labels) if has_labels else None
    return ValidationInputs(labels, figures, project_transfer(project, scores), project=str(project.path))


def _validation(ctx: Context) -> ValidationInputs:
    return getattr(ctx, "validation", None) or ValidationInputs()


def banner(ctx: Context) -> list[Section]:
    """First thing in the report: a plain warning when no validation labels exist, else what checking the
    model on this corpus found (so that a reader knows at once whether the figures are validated)."""
    v = _validation(ctx)
    if v.checked:
        return [_checked(ctx, v)]
    groups = ctx.content[ctx.by].nunique() if ctx.by in ctx.content.columns else 1
    n = max(SUGGESTED_LABELS, v.min_labels * int(groups))
    where = f" -p {v.project}" if v.project else ""
    text = (f"This model has not been checked on this corpus; its shares may be wrong; label {n} passages with "
            f"stance validate (stance validate sample{where} -n {n} --by {ctx.by}, then stance annotate{where} "
            "--queue validation, or stance import-labels ... --validation).")
    section = Section("banner", "This model has not been checked on this corpus", text=text)
    if v.labels is None:
        section.notes.append("This report was made from a scores table, not a project: there is no validation "
                             "sample to check the model with. Every share below is the model's alone.")
    elif v.labels.exists:
        section.notes.append("The project has a validation sample, but none of its passages is labelled yet.")
    if v.transfer is not None:
        section.notes += list(v.transfer.warnings)
    return [section]


def _checked(ctx: Context, v: ValidationInputs) -> Section:
    n = max(v.labels.labelled(d) for d in ctx.dims)
    text = (f"Validated: {n} passages of this corpus, drawn at random, were labelled by people. The shares, index "
            "and trend points below are estimated from the model's predictions plus these labels (prediction-"
            "powered inference), so their intervals hold however good or bad the model is; groups with fewer than "
            f"{v.min_labels} labels are marked unvalidated and show the model's own figure. What the labels say "
            "of the model on this corpus:")
    section = Section("validated", f"Checked on this corpus with {n} validation labels", text=text)
    section.notes += [fig.verdict for fig in v.figures.figures.values()]
    return section


def validation_quality(ctx: Context) -> list[Section]:
    """The model's figures on this corpus's validation sample (table `validation`), and the transfer
    checks (table `transfer`)."""
    v = _validation(ctx)
    out = []
    if v.checked:
        report = v.figures
        ctx.tables["validation"] = report.table()
        per_value = [f.per_class.assign(dimension=d) for d, f in report.figures.items()]
        ctx.tables["validation_per_value"] = pd.concat(per_value, ignore_index=True)
        section = Section("validation", "Classifier quality on this corpus (validation sample)", chart="validation",
                          kind="validation", text=(
                              "Accuracy of each dimension's classifier on the passages of this corpus that people "
                              "labelled (a random sample), with 95% intervals, beside always choosing the sample's "
                              "most common label (grey tick). Macro-F1 and the Brier score are in the table."
                              + (" For a dimension with several values per passage (" + ", ".join(
                                  d for d, f in report.figures.items() if f.multi) + "), accuracy is exact-match "
                                 "accuracy: the passage's whole set of values right."
                                 if any(f.multi for f in report.figures.values()) else "")))
        for fig in report.figures.values():
            section.notes.append(fig.verdict)
            section.notes += fig.warnings
        section.notes += report.notes
        out.append(section)
    if v.transfer is not None:
        t = v.transfer
        ctx.tables["transfer"] = t.dimensions
        section = Section("transfer", "How far this corpus is from the model's training data", text=(
            "Before reading any share: how much of this corpus the model has barely seen, how far its predicted mix "
            "of values is from its training labels' mix, and how confident it is. Large figures mean its "
            "cross-validated quality does not carry over; only a validation sample can say how good it is here."),
            chart="transfer")
        section.notes += t.lines() + list(t.warnings)
        out.append(section)
    return out


def _mark(table: pd.DataFrame, by: list[str], value_col: str, rename: bool = True) -> pd.DataFrame:
    """Chart rows: unvalidated groups greyed (`small`) and, with `rename`, named so; no point where the
    interval is too wide to be a finding (the line stays)."""
    out = table.copy()
    unvalidated = ~out["validated"].astype(bool)
    if by and rename:
        key = by[0]
        out[key] = out[key].astype(str).where(~unvalidated, out[key].astype(str) + f" ({UNVALIDATED})")
    out["small"] = unvalidated
    wide = out["validated"].astype(bool) & ~out["identifiable"].astype(bool)
    out.loc[wide, value_col] = np.nan
    return out


def _notes(table: pd.DataFrame, by: list[str], what: str, min_labels: int) -> list[str]:
    notes = []
    keys = [k for k in by if k in table.columns]
    bad = table[~table["validated"].astype(bool)]
    if not bad.empty:
        names = sorted({" / ".join(map(str, r)) for r in bad[keys].itertuples(index=False)}) if keys else ["all"]
        notes.append(f"Unvalidated (greyed, the model's own {what} with no interval): fewer than {min_labels} "
                     f"validation labels in {', '.join(names[:15])}{' …' if len(names) > 15 else ''}.")
    wide = table[table["validated"].astype(bool) & ~table["identifiable"].astype(bool)]
    if not wide.empty:
        cols = [*keys, *(["value"] if "value" in wide.columns else [])]
        names = sorted({" / ".join(map(str, r)) for r in wide[cols].itertuples(index=False)})
        notes.append("Not identifiable with this model (interval over half the possible range, drawn as a line "
                     f"without a point): {', '.join(names[:15])}{' …' if len(names) > 15 else ''}.")
    return notes


def validated_shares(ctx: Context, dim: str) -> Section:
    """Shares of `dim` per group from the predictions plus the validation labels (table `shares_<dim>`:
    PPI rows beside the naive CC rows; `validated_shares_<dim>` the full estimates)."""
    v = _validation(ctx)
    by = [ctx.by]
    table = ppi_shares(ctx.data, v.human(), dim, by=ctx.by, codebook=ctx.codebook, min_labels=v.min_labels)
    ctx.tables[f"validated_shares_{dim}"] = table
    chart = _mark(table, by, "share").assign(estimator=PPI)  # one series; unvalidated groups greyed in it
    naive = table.assign(estimator="CC", share=table["naive"], low=np.nan, high=np.nan, small=False)
    naive = naive[table["validated"].astype(bool)]
    cols = [ctx.by, "value", "estimator", "share", "low", "high", "passages", "documents", "small"]
    ctx.tables[f"shares_{dim}"] = pd.concat([chart[cols], naive[cols]], ignore_index=True)
    dimension = ctx.codebook.dimension(dim)
    section = Section(f"shares_{dim}", f"{dim.capitalize()}: share of passages per {ctx.by}",
                      text=dimension.question.strip(), chart=f"shares_{dim}", kind="prevalence",
                      options={"title": f"{dim}: share of passages per {ctx.by}", "estimators": [PPI, "CC"],
                               "note": VALIDATED_NOTE.format(n=v.min_labels) + OWN_SHARE_NOTE,
                               "value_order": dimension.value_names})
    section.notes.append(f"Estimated from the model's predictions on every passage plus {v.labels.labelled(dim)} "
                         "validation labels (prediction-powered inference with power tuning): intervals stay valid "
                         "however good or bad the model is. The model's own share (uncorrected) is shown beside it "
                         "without an interval; the gap between the two is the model's error on this corpus.")
    section.notes += _notes(table, by, "share", v.min_labels)
    if dimension.multi:
        section.notes.append("Several values may apply to one passage, so the shares need not sum to 100%.")
    return section


def unidentified_corrections(table: pd.DataFrame, by: str) -> tuple[pd.DataFrame, list[str]]:
    """Shares corrected with cross-validated errors (ACC, PACC) whose interval is wider than half of
    0-1 are not findings: their point is dropped, so the chart draws the interval alone, and a note names
    them (column `identifiable`)."""
    out = table.copy()
    corrected = out["estimator"].isin(["ACC", "PACC"])
    wide = corrected & ((out["high"] - out["low"]) > UNIDENTIFIED)
    out["identifiable"] = ~wide
    out.loc[wide, "share"] = np.nan
    if not wide.any():
        return out, []
    keys = [k for k in (by,) if k in out.columns]
    names = sorted({" / ".join(map(str, r)) for r in out.loc[wide, [*keys, "value", "estimator"]].itertuples(index=False)})
    return out, [f"Not identifiable with this model (corrected interval over half of 0-100%, drawn as a line "
                 f"without a point): {', '.join(names[:15])}{' …' if len(names) > 15 else ''}. The classifier's "
                 "errors leave these shares undetermined; a validation sample (stance validate) can pin them down."]


def validated_index(ctx: Context, spec, time: str | None = None) -> pd.DataFrame:
    """The index per group (and period) from predictions plus validation labels, in the index chart's
    shape, with `validated_index` / `validated_index_trend` kept in full."""
    v = _validation(ctx)
    table = ppi_index(ctx.data, v.human(), spec, by=ctx.by, time=time, date_col=ctx.date_col,
                      min_labels=v.min_labels)
    ctx.tables["validated_index_trend" if time else "validated_index"] = table
    chart = _mark(table, [ctx.by], "index", rename=time is None)
    cols = [ctx.by, *(["period"] if time else []), "index", "low", "high", "passages", "documents", "small"]
    return chart[cols]


def index_notes(ctx: Context, time: str | None = None) -> list[str]:
    v = _validation(ctx)
    table = ctx.tables["validated_index_trend" if time else "validated_index"]
    return ["Estimated from the model's probabilities on every passage plus the validation labels' posture "
            "(prediction-powered, power-tuned); the interval stays valid however good or bad the model is.",
            *_notes(table, [ctx.by, *(["period"] if time else [])], "index", v.min_labels)]
