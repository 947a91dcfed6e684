"""Stages two to four of the report: tables -> Figures (`draw`), -> one self-contained HTML page
(`render`), -> files (`write`), with `rasterise` so that every PNG is drawn once."""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import plots
from ..spreadsheet import safe_frame
from .context import Summary

TEMPLATE = "report.html.j2"
MAX_CHART_GROUPS = 40


@dataclass
class ReportResult:
    """The files a report was written to."""

    out_dir: Path
    html: Path
    charts: list[Path]
    tables: list[Path]
    pdf: Path | None = None


def draw(summary: Summary, max_groups: int = MAX_CHART_GROUPS) -> dict[str, object]:
    """One Figure per section that has a chart. With more than `max_groups` groups, charts by group
    show the largest ones (by passages) and say so; the tables keep every group."""
    by = summary.meta.get("by")
    groups = summary.tables.get("groups")
    keep = None
    if by and groups is not None and len(groups) > max_groups:
        keep = set(groups.nlargest(max_groups, "passages")[by].astype(str))
    figures = {}
    for sec in summary.sections:
        if sec.chart and sec.kind:
            table = summary.tables.get(sec.chart)
            if keep is not None and table is not None and by in table.columns:
                table = table[table[by].astype(str).isin(keep)]
                note = (f"Charts show the {max_groups} largest of {len(groups)} groups by passages; every "
                        "group is in the tables.")
                if note not in sec.notes:
                    sec.notes.append(note)
            figures[sec.key] = plots.CHARTS[sec.kind](table, **sec.options)
    return figures


def rasterise(figures: dict[str, object]) -> dict[str, bytes]:
    """PNG bytes of every figure, made once and shared by the HTML and the files."""
    out = {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150)
        out[name] = buf.getvalue()
    return out


def _table_html(table: pd.DataFrame, limit: int = 60) -> str:
    shown = table.head(limit)
    html = shown.to_html(index=False, border=0, classes="data", float_format=lambda x: f"{x:.3f}", na_rep="–")
    if len(table) > limit:
        html += f"<p class='more'>First {limit} of {len(table):,} rows; all rows are in the CSV.</p>"
    return html


def render(summary: Summary, figures: dict[str, object], pngs: dict[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page (images inline as base64 PNG, no external resource)."""
    pngs = pngs if pngs is not None else rasterise(figures)
    from jinja2 import Environment, select_autoescape

    source = (resources.files("stance") / "templates" / TEMPLATE).read_text(encoding="utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    sections = []
    for sec in summary.sections:
        table = summary.tables.get(sec.chart) if sec.chart else summary.tables.get(sec.key)
        sections.append({
            "key": sec.key, "heading": sec.heading, "text": sec.text, "notes": sec.notes,
            "image": base64.b64encode(pngs[sec.key]).decode("ascii") if sec.key in pngs else None,
            "csv": f"tables/{sec.chart}.csv" if sec.chart else None,
            "table": _table_html(table) if table is not None and not table.empty else None,
        })
    groups = summary.tables.get("groups")
    return env.from_string(source).render(title=summary.title, meta=summary.meta, notes=summary.notes,
                                          sections=sections,
                                          groups=_table_html(groups, 200) if groups is not None else None)


def write(summary: Summary, figures: dict[str, object], html: str, out_dir: str | Path,
          pdf: bool = False, pngs: dict[str, bytes] | None = None) -> ReportResult:
    """report.html, charts/<name>.png and .svg, tables/<name>.csv, optionally report.pdf."""
    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    charts, tables = [], []
    for name, fig in figures.items():
        stem = out / "charts" / name
        if pngs and name in pngs:
            stem.with_suffix(".png").write_bytes(pngs[name])
            charts += [stem.with_suffix(".png"), *plots.save_figure(fig, stem, formats=("svg",))]
        else:
            charts += plots.save_figure(fig, stem)
    for name, table in summary.tables.items():
        path = out / "tables" / f"{name}.csv"
        safe_frame(table).to_csv(path, index=False)  # no cell a spreadsheet would run as a formula
        tables.append(path)
    page = out / "report.html"
    tmp = page.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(page)
    pdf_path = _write_pdf(summary, figures, out / "report.pdf") if pdf else None
    return ReportResult(out, page, charts, tables, pdf_path)


def _write_pdf(summary: Summary, figures: dict[str, object], path: Path) -> Path:
    """A PDF with a title page and one page per chart (matplotlib's PDF backend: nothing to install)."""
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path, metadata={"Title": summary.title, "CreationDate": None}) as pages:
        cover = plots.new_figure(8.27, 11.69)
        cover.text(0.06, 0.955, summary.title, va="top", fontsize=16, fontweight="bold")
        overview = summary.sections[0].notes if summary.sections else []
        lines = [*(f"{k}: {v}" for k, v in summary.meta.items() if v not in (None, "")), "", *overview, "",
                 "How to read the figures:", *summary.notes]
        cover.text(0.06, 0.91, "\n".join(textwrap.fill(x, 95) if x else "" for x in lines), va="top", fontsize=9,
                   linespacing=1.4)
        pages.savefig(cover)
        for fig in figures.values():
            pages.savefig(fig)
    return path
