"""The comparative report, in four stages that can be used and tested alone:

    summary = summarise(scores, codebook, by="outlet", time="year")      # data -> tables
    figures = draw(summary)                                              # tables -> Figures
    html = render(summary, figures)                                      # -> one self-contained HTML
    result = write(summary, figures, html, "reports/outlets", pdf=True)  # -> files
                                                                         # (pass pngs=rasterise(figures)
                                                                         #  to both to draw each PNG once)

`build_report(project_or_scores, out_dir, ...)` runs the four for a project folder (its stored
predictions, its classifiers' cross-validated errors, its agreement and model figures) or for a
scores DataFrame. The HTML embeds every image (base64) and needs no network; every table behind
a chart is written as CSV beside it.

`summarise` runs the section builders listed in `stance.report.sections.SECTIONS`; a new section
is one function (in a module of this package) and one entry there.
"""

from .build import build_report
from .context import Context, Section, Summary
from .overview import LENGTH_RATIO, length_warning, passage_lengths
from .render import MAX_CHART_GROUPS, TEMPLATE, ReportResult, draw, rasterise, render, write
from .sections import SECTIONS
from .summarise import find_column, select, summarise

__all__ = [
    "LENGTH_RATIO",
    "MAX_CHART_GROUPS",
    "SECTIONS",
    "TEMPLATE",
    "Context",
    "ReportResult",
    "Section",
    "Summary",
    "build_report",
    "draw",
    "find_column",
    "length_warning",
    "passage_lengths",
    "rasterise",
    "render",
    "select",
    "summarise",
    "write",
]
