"""Label commands: agree (agreement and disagreements), import-labels, export."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..agreement import AgreementReport, agreement, disagreements, promote_single, promote_unanimous
from ..formats import EXPORT_FORMATS, IMPORT_FORMATS, export_labels, import_labels, labelstudio_config
from ..store import RELABEL, Project
from .options import project_option
from .project import _markdown


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
        from ..spreadsheet import safe_frame  # passages and notes may begin like a formula

        left_out = [f"# {report.left_out()}"] if report.relabels else []
        parts = [*left_out, "# agreement per dimension", safe_frame(report.to_frame()).to_csv(index=False),
                 "# pairs of annotators", safe_frame(report.pairs_frame()).to_csv(index=False),
                 "# disagreements", safe_frame(_disagreement_rows(disagreeing)).to_csv(index=False)]
        return "\n".join(parts)
    table = (lambda t: _markdown(t)) if fmt == "markdown" else (lambda t: t.to_string(index=False))
    heading = (lambda s: f"\n## {s}\n") if fmt == "markdown" else (lambda s: f"\n{s}\n{'-' * len(s)}")
    out = [("# " if fmt == "markdown" else "")
           + f"Agreement between {len(report.annotators)} annotators: {', '.join(report.annotators) or 'none'}",
           "", table(_summary_table(report))]
    notes = [f"{d.dimension}: {x}" for d in report.dimensions.values() for x in (d.alpha_reason, d.warning) if x]
    notes += [report.left_out()] if report.relabels else []
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
@click.option("--promote-single", "single", multiple=True, metavar="ANNOTATOR",
              help="Also make gold of this annotator's labels on passages no one else labelled (method "
              "'single', decided by them): accept one reader where there is no second (repeatable).")
def agree(project_path: str, dimensions: tuple[str, ...], annotators: tuple[str, ...], fmt: str, limit: int,
          bootstrap: int, promote: bool, single: tuple[str, ...]) -> None:
    """Agreement between annotators per dimension, and the passages where they disagree.

    Krippendorff's alpha (nominal; MASI distance for multi-valued dimensions like topic) with a
    bootstrap interval, Cohen's kappa and a confusion table for every pair of annotators, then the
    disagreements that still need an adjudicator. Uses each annotator's latest label per passage.
    Only independent readings count: relabels (imported with --relabel, such as the embedded corpus's
    re-readings under a newer codebook) are left out, and the output says how many.

    \b
    Examples:
      stance agree --project myproject
      stance agree --project myproject --dimension posture --format markdown > agreement.md
      stance agree --project myproject --promote-unanimous
      stance agree --project myproject --promote-single alice --promote-single bob
    """
    project = Project.open(project_path)
    dims = list(dimensions) or None
    who = list(annotators) or None
    report = agreement(project, dims, who, bootstrap=bootstrap)
    click.echo(_render(report, disagreements(project, dims, who), fmt, limit), nl=False)
    if promote:
        added = promote_unanimous(project, dimensions=dims, annotators=who)
        click.echo(f"Promoted {added} unanimous labels to gold.", err=True)
    for name in single:
        added = promote_single(project, name, dimensions=dims)
        click.echo(f"Promoted {added} labels of {name} (the only reader of their passages) to gold.", err=True)


@click.command("gold")
@project_option
@click.option("--from", "annotator", required=True, metavar="ANNOTATOR",
              help="The annotator whose labels become gold on the passages no one else labelled.")
@click.option("--by", "decided_by", default=None, metavar="NAME",
              help="Who decides to accept them (recorded with each gold label; default: the annotator).")
@click.option("--dimension", "-d", "dimensions", multiple=True, help="Only this dimension (repeatable).")
def gold_command(project_path: str, annotator: str, decided_by: str | None, dimensions: tuple[str, ...]) -> None:
    """Make one annotator's labels gold where no one else read the passage: the solo workflow.

    An explicit decision, recorded with each gold label: method 'single', who decided, when and the
    codebook version. Passages that a second annotator also labelled are left to `stance agree` and
    `stance adjudicate`, and existing gold is never overridden. The same as `stance agree
    --promote-single ANNOTATOR`.

    \b
    Examples:
      stance gold --project myproject --from alice
      stance gold --project myproject --from alice --by lead --dimension posture
    """
    project = Project.open(project_path)
    added = promote_single(project, annotator, dimensions=list(dimensions) or None, decided_by=decided_by)
    who = decided_by or annotator
    click.echo(f"Made {added} gold labels from {annotator}'s labels on passages no one else labelled (method "
               f"'single', decided by {who}, codebook {project.codebook.version}).")
    if not added:
        click.echo(f"Nothing new: every passage {annotator} labelled already has gold or a second reader "
                   f"(stance agree -p {project_path}, then stance adjudicate).")
    else:
        click.echo(f"Next: stance train --project {project_path}")


@click.command("import-labels")
@click.argument("file", type=click.Path(dir_okay=False))
@project_option
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), required=True,
              help="labelstudio (JSON export), doccano (JSONL), or our own jsonl / csv.")
@click.option("--annotator", default=None, help="Name the annotator of every label in the file "
              "(default: the name the file gives).")
@click.option("--as-gold", is_flag=True, help="Also record the labels as gold (method 'imported').")
@click.option("--relabel", is_flag=True, help="The labels re-read passages already labelled (e.g. under a newer "
              "codebook): recorded with source 'relabel', kept in the history and gold, left out of agreement.")
@click.option("--skip-unknown", is_flag=True, help="Skip labels of passages that are not in the project "
              "(and list them) instead of importing nothing.")
@click.option("--partial", is_flag=True, help="Accept records that label only some of the codebook's "
              "dimensions (by default a record missing a dimension is refused, naming its line).")
@click.option("--validation", is_flag=True, help="Labels of the validation sample (stance validate sample): "
              "refuse any passage outside it.")
def import_labels_command(file: str, project_path: str, fmt: str, annotator: str | None, as_gold: bool,
                          relabel: bool, skip_unknown: bool, partial: bool, validation: bool) -> None:
    """Import labels made elsewhere (Label Studio, doccano, a spreadsheet) as annotations.

    Passages are found by passage_id, else by their exact text; every value is checked against the
    codebook. One import is one transaction: if any line is bad, nothing is imported. Importing the
    same file twice adds nothing.

    \b
    Examples:
      stance import-labels ls_export.json --project myproject --format labelstudio
      stance import-labels labels.csv --project myproject --format csv --annotator alice
      stance import-labels gold.jsonl --project myproject --format jsonl --as-gold
      stance import-labels relabels.jsonl --project myproject --format jsonl --as-gold --relabel
      stance import-labels to_label.csv --project myproject --format csv --annotator alice --validation
    """
    project = Project.open(project_path)
    only = None
    if validation:
        from ..validation.project import sample_passage_ids

        only = sample_passage_ids(project)
    result = import_labels(project, file, fmt, annotator=annotator, as_gold=as_gold, skip_unknown=skip_unknown,
                           partial=partial, only=only, only_what="the project's validation sample",
                           source=RELABEL if relabel else "import")
    parts = [f"Imported {result.annotations} annotations"]
    if as_gold:
        parts.append(f"{result.gold} gold labels")
    if result.unchanged:
        parts.append(f"{result.unchanged} already in the project")
    if result.skipped:
        parts.append(f"{len(result.skipped)} skipped")
    click.echo(", ".join(parts) + f" from {file}.")
    for where, why in result.skipped:
        click.echo(f"skipped {where}: {why}", err=True)


@click.command("export")
@project_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--gold", is_flag=True, help="Export the gold labels instead of every annotator's labels.")
@click.option("--labelstudio-config", "config", default=None, type=click.Path(dir_okay=False),
              help="Also write a Label Studio labeling config (XML) for the project's codebook to this file.")
def export_command(project_path: str, fmt: str, output: str, gold: bool, config: str | None) -> None:
    """Write labels with passage text, annotator, codebook version, time and note.

    Label names are kept (never internal ids), so the file re-imports without loss with
    `stance import-labels`. Multi-valued labels are lists (joined with ';' in CSV).

    \b
    Examples:
      stance export --project myproject --format jsonl -o labels.jsonl
      stance export --project myproject --format labelstudio -o tasks.json --labelstudio-config config.xml
      stance export --project myproject --format csv --gold -o gold.csv
    """
    project = Project.open(project_path)
    count = export_labels(project, output, fmt, gold=gold)
    click.echo(f"Wrote {count} {'gold ' if gold else ''}label records to {output}.")
    if config:
        Path(config).write_text(labelstudio_config(project.codebook), encoding="utf-8")
        click.echo(f"Wrote the Label Studio labeling config to {config}.")


COMMANDS = [agree, gold_command, import_labels_command, export_command]
