"""`build_report`: the four stages for a project folder (its stored predictions, the cross-validated
errors its classifiers carry from training, its agreement and model figures) or for a scores
DataFrame. Nothing is trained or cross-validated here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .. import analysis as an
from ..errors import InputError
from .render import ReportResult, draw, rasterise, render, write
from .summarise import check_columns, summarise
from .validation import ValidationInputs, project_validation

log = logging.getLogger(__name__)


def build_report(source, out_dir: str | Path, by: str = "outlet", time: str | None = None, topic: str | None = None,
                 compare: Sequence[str] | None = None, min_passages: int = an.MIN_PASSAGES, pdf: bool = False,
                 n_boot: int = 1000, correct: bool = True, codebook=None, errors=None, title: str | None = None,
                 date_col: str = "date", progress: Callable[[str], None] | None = None,
                 model: str | Path | None = None) -> ReportResult:
    """The whole report for a project (folder or `Project`) or a scores DataFrame (then pass `codebook`,
    and `model`, the model file that made the scores: its cross-validated figures, its errors for the
    corrected shares and the transfer checks then come into the report)."""
    say = progress or log.info
    agreement = quality = curves = None
    validation = ValidationInputs()
    if isinstance(source, pd.DataFrame):
        scores = source
        if codebook is None:
            from ..codebook import load_codebook

            codebook = load_codebook()
        if not any(d in scores.columns for d in codebook.dimension_names):
            raise InputError(f"the scores have no column for any dimension of codebook {codebook.name!r} "
                             f"({', '.join(codebook.dimension_names)}); give the codebook they were scored under "
                             "(--codebook FILE, or codebook= in Python)")
        label = "a scores table"
        if model is not None:
            from ..validation.transfer import model_file_transfer

            stand_in = an.ModelFile(model, codebook)
            quality = an.model_quality(stand_in)
            if correct and errors is None:
                errors = {dim: err for dim in codebook.dimension_names if dim in scores.columns
                          and (err := an.classifier_errors(stand_in, dim)) is not None}
            validation = ValidationInputs(transfer=model_file_transfer(model, scores, codebook))
    else:
        from ..store import Project

        project = Project.open(source) if isinstance(source, (str, Path)) else source
        codebook = project.codebook
        say("reading the project's predictions")
        from ..score import project_predictions

        scores = project_predictions(project, with_text=True)
        if scores.empty:
            raise InputError(f"{project.path} has no stored predictions; score it first: "
                             f"stance score --project {project.path}")
        check_columns(scores, by, time, date_col)  # a wrong --by or --date-col stops before any work
        label = f"project {project.path}"
        say("validation sample and transfer checks")
        validation = project_validation(project, scores, n_boot=n_boot)
        if correct and errors is None:  # the errors each classifier carries from its training
            errors = {dim: err for dim in codebook.dimension_names if dim in scores.columns
                      and not validation.labelled(dim)  # validation labels replace these corrections
                      and (err := an.classifier_errors(project, dim)) is not None}
        agreement = an.annotation_quality(project)
        quality = an.model_quality(project)
        curves = an.learning_curves(project)
    summary = summarise(scores, codebook, by=by, time=time, topic=topic, compare=compare,
                        min_passages=min_passages, errors=errors if correct else None, agreement=agreement,
                        model_quality=quality, n_boot=n_boot, title=title, source=label, progress=progress,
                        date_col=date_col, validation=validation, learning_curves=curves)
    say("drawing the charts")
    figures = draw(summary)
    pngs = rasterise(figures)
    html = render(summary, figures, pngs)
    return write(summary, figures, html, out_dir, pdf=pdf, pngs=pngs)
