"""Label commands: agree (agreement and disagreements), import-labels, export."""

from __future__ import annotations

import click
import pandas as pd

from ..agreement import AgreementReport, agreement, disagreements, promote_unanimous
from ..store import Project
from .project import _markdown, project_option


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.0%}"


def _summary_table(report: AgreementReport) -> pd.DataFrame:
    rows = []
    for d in report.dimensions.values():
        rows.append({
            "dimension": d.dimension, "distance": d.distance, "annotators": len(d.annotators),
            "overlap": d.n_overlap, "alpha": _num(d.alpha),
            "95% interval": f"[{_num(d.alpha_ci[0])}, {_num(d.alpha_ci[1])}]" if d.alpha_ci else "-",
            "observed": _pct(d.observed_agreement),
        })
    return pd.DataFrame(rows)


def _render(report: AgreementReport, disagreeing: pd.DataFrame, fmt: str, limit: int) -> str:
    if fmt == "csv":
        parts = ["# agreement per dimension", report.to_frame().to_csv(index=False),
                 "# pairs of annotators", report.pairs_frame().to_csv(index=False),
                 "# disagreements", _disagreement_rows(disagreeing).to_csv(index=False)]
        return "\n".join(parts)
    table = (lambda t: _markdown(t)) if fmt == "markdown" else (lambda t: t.to_string(index=False))
    heading = (lambda s: f"\n## {s}\n") if fmt == "markdown" else (lambda s: f"\n{s}\n{'-' * len(s)}")
    out = [("# " if fmt == "markdown" else "")
           + f"Agreement between {len(report.annotators)} annotators: {', '.join(report.annotators) or 'none'}",
           "", table(_summary_table(report))]
    notes = [f"{d.dimension}: {x}" for d in report.dimensions.values() for x in (d.alpha_reason, d.warning) if x]
    if notes:
        out += ["", *notes]
    for d in report.dimensions.values():
        shared = [p for p in d.pairs if p.n_shared]
        if not shared:
            continue
        out.append(heading(f"{d.dimension}: pairs of annotators"))
        for p in shared:
            kappa = _num(p.kappa) if p.kappa is not None else f"- ({p.kappa_reason})"
            basis = " on the exact set" if d.multi else ""
            out.append(f"{p.annotator_a} vs {p.annotator_b}: {p.n_shared} shared passages, agreement "
                       f"{_pct(p.agreement)}, Cohen's kappa{basis} {kappa}, alpha {_num(p.alpha)}")
            out.append(f"rows: {p.annotator_a}, columns: {p.annotator_b}")
            out.append(table(p.confusion.reset_index().rename(columns={p.confusion.index.name: ""}))
                       if fmt == "markdown" else p.confusion.to_string())
            out.append("")
    out.append(heading(f"Disagreements not yet adjudicated: {len(disagreeing)}"))
    rows = _disagreement_rows(disagreeing)
    shown = rows if limit <= 0 else rows.head(limit)
    if len(shown):
        shown = shown.assign(text=[t if len(t) <= 80 else t[:77] + "..." for t in shown["text"]])
        out.append(table(shown))
    if len(shown) < len(rows):
        out.append(f"... and {len(rows) - len(shown)} more (use --limit 0 to show all)")
    return "\n".join(out).rstrip() + "\n"


def _disagreement_rows(frame: pd.DataFrame) -> pd.DataFrame:
    from ..agreement import show_value

    return pd.DataFrame({
        "passage_id": frame["passage_id"], "dimension": frame["dimension"],
        "choices": ["; ".join(f"{a}={show_value(v)}" for a, v in c.items()) for c in frame["choices"]],
        "text": [" ".join(str(t).split()) for t in frame["text"]],
    }, columns=["passage_id", "dimension", "choices", "text"])


@click.command("agree")
@project_option
@click.option("--dimension", "-d", "dimensions", multiple=True, help="Only this dimension (repeatable).")
@click.option("--annotator", "-a", "annotators", multiple=True, help="Only these annotators (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text",
              show_default=True, help="Output format.")
@click.option("--limit", default=20, show_default=True, help="Disagreeing passages to list (0: all).")
@click.option("--bootstrap", default=1000, show_default=True,
              help="Bootstrap resamples for alpha's 95% interval (0: none).")
@click.option("--promote-unanimous", "promote", is_flag=True,
              help="Also make gold of every label on which all of a passage's annotators (2+) agree.")
def agree(project_path: str, dimensions: tuple[str, ...], annotators: tuple[str, ...], fmt: str, limit: int,
          bootstrap: int, promote: bool) -> None:
    """Agreement between annotators per dimension, and the passages where they disagree.

    Krippendorff's alpha (nominal; MASI distance for multi-valued dimensions like topic) with a
    bootstrap interval, Cohen's kappa and a confusion table for every pair of annotators, then the
    disagreements that still need an adjudicator. Uses each annotator's latest label per passage.

    \b
    Examples:
      stance agree --project myproject
      stance agree --project myproject --dimension posture --format markdown > agreement.md
      stance agree --project myproject --promote-unanimous
    """
    project = Project.open(project_path)
    dims = list(dimensions) or None
    who = list(annotators) or None
    report = agreement(project, dims, who, bootstrap=bootstrap)
    click.echo(_render(report, disagreements(project, dims, who), fmt, limit), nl=False)
    if promote:
        added = promote_unanimous(project, dimensions=dims, annotators=who)
        click.echo(f"Promoted {added} unanimous labels to gold.", err=True)


COMMANDS = [agree]
