"""`stance report`: the comparative report (HTML with embedded charts, the charts, every table as CSV)."""

from __future__ import annotations

import click

from .options import progress, quiet_option


@click.command("report")
@click.option("--project", "-p", "project_path", type=click.Path(file_okay=False),
              help="Project folder whose stored predictions to report on (score it first with `stance score`).")
@click.option("--scores", "scores_path", type=click.Path(dir_okay=False, exists=True),
              help="Or a passage-level scores file from `stance score` (.parquet, .csv or .jsonl).")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False, exists=True),
              help="With --scores: the codebook they were scored under (default: the packaged one).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, exists=True),
              help="With --scores: the model file that made them; its cross-validated figures, its errors (for the "
              "corrected shares) and the transfer checks come into the report.")
@click.option("--by", default="outlet", show_default=True,
              help="Metadata column to compare groups by (outlet, author, country, ...).")
@click.option("--time", type=click.Choice(["year", "quarter", "month"]), help="Also show the index over time.")
@click.option("--date-col", default="date", show_default=True,
              help="Column the dates (or years) for --time are read from; found in any case.")
@click.option("--topic", help="Only passages predicted to be about this topic (a value of the codebook's topic).")
@click.option("--compare", nargs=2, metavar="A B", help="Distinctive terms between two groups.")
@click.option("--min-passages", default=30, show_default=True,
              help="Groups with fewer passages are shown in grey with a note (never dropped).")
@click.option("--n-boot", default=1000, show_default=True, help="Bootstrap replicates for the intervals.")
@click.option("--no-correction", is_flag=True,
              help="Skip the shares corrected for classifier error (they use the cross-validated "
              "errors each model stored when it was trained).")
@click.option("--pdf", is_flag=True, help="Also write report.pdf (a title page and one page per chart).")
@click.option("--title", help="Report title (default: 'Stance by <by>').")
@click.option("--output", "-o", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Output folder [default: reports/<by>].")
@quiet_option
def report_command(project_path, scores_path, codebook_path, model_path, by, time, date_col, topic, compare, min_passages, n_boot, no_correction, pdf,
                   title, out_dir, quiet):
    """Compare groups: shares of each stance value with intervals (uncorrected and corrected for
    classifier error), the restraint index per group and over time, argument roles by voice,
    distinctive terms, annotation and model quality. Writes a self-contained report.html, the
    charts as PNG and SVG, and every table behind a chart as CSV.

    \b
    Examples:
      stance report --project myproject --by outlet --time month -o reports/outlets
      stance report --project myproject --by author --compare "Responsible Statecraft" "Foreign Affairs"
      stance report --scores scores.parquet --by country --time year --date-col year --pdf -o reports/un
      stance report --scores hawks.csv --codebook hawks.yaml --by outlet -o reports/hawks
      stance report --scores scores.parquet --model models/stance-X.skops --by outlet -o reports/outlets
    """
    from ..report import build_report

    if bool(project_path) == bool(scores_path):
        raise click.UsageError("give exactly one of --project or --scores")
    if codebook_path and not scores_path:
        raise click.UsageError("--codebook goes with --scores; a project has its own codebook")
    if model_path and not scores_path:
        raise click.UsageError("--model goes with --scores; a project's report reads its own models")
    source = _read_scores(scores_path) if scores_path else project_path
    codebook = None
    if codebook_path:
        from ..codebook import load_codebook

        codebook = load_codebook(codebook_path)
    result = build_report(source, out_dir or f"reports/{by}", by=by, time=time, topic=topic, codebook=codebook,
                          compare=compare or None, min_passages=min_passages, pdf=pdf, n_boot=n_boot,
                          correct=not no_correction, title=title, date_col=date_col, progress=progress(quiet),
                          model=model_path)
    click.echo(f"Wrote {result.html} ({len(result.charts) // 2} charts, {len(result.tables)} tables"
               + (f", {result.pdf.name}" if result.pdf else "") + ")")


def _read_scores(path: str):
    import pandas as pd

    from ..errors import InputError

    try:
        if path.endswith(".parquet"):
            return pd.read_parquet(path)
        if path.endswith(".jsonl"):
            return pd.read_json(path, lines=True)
        if path.endswith(".csv"):
            from ..spreadsheet import restore_frame

            return restore_frame(pd.read_csv(path))  # `stance score -o x.csv` quoted formula-like cells
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the scores ({exc})") from None
    raise InputError(f"{path}: unknown scores format; use .parquet, .csv or .jsonl")


COMMANDS = [report_command]
