"""Project commands: init, ingest, status, codebook, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import demo as demo_lib
from ..codebook import load_codebook, render_html, render_text
from ..errors import InputError
from ..ingest import TableOptions, ingest, iter_files
from ..passages import UNITS
from ..store import Project
from .options import column_fields, column_options, parse_meta, project_option, target_col_option


@click.command()
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), help="Start from this codebook "
              "instead of the default one.")
def init(path: str, codebook: str | None) -> None:
    """Create a project folder with an empty database and an editable copy of the codebook.

    \b
    Example:
      stance init myproject
    """
    project = Project.init(path, codebook=codebook)
    click.echo(f"Created project {path}/ (database {project.db_path.name}, codebook "
               f"{project.codebook_path.name} version {project.codebook.version}).")
    click.echo(f"Next: stance ingest FILES --project {path}")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@project_option
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Metadata for every document, e.g. "
              "--meta outlet='Responsible Statecraft'. Repeatable.")
@click.option("--text-col", default="text", show_default=True, help="Text column of CSV/JSONL/Parquet files.")
@click.option("--meta-cols", default=None, help="Comma-separated metadata columns to keep (default: all others).")
@click.option("--id-col", default=None, help="Column with your own document ids.")
@column_options
@click.option("--unit", type=click.Choice(UNITS), default="paragraph", show_default=True,
              help="Split documents into paragraphs or sentences; document: one passage per document (per "
              "row of a table, even when its text holds line breaks). A project keeps one unit.")
@click.option("--split-docs", is_flag=True, help="Find article boundaries in .txt files that concatenate "
              "several scraped articles (lead-image credits, 'keep reading', subscribe lines, bios).")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable files and bad rows (and list them) "
              "instead of stopping with nothing imported.")
@target_col_option
def ingest_command(paths: tuple[str, ...], project_path: str, meta: tuple[str, ...], text_col: str,
                   meta_cols: str | None, id_col: str | None, title_col: str | None, date_col: str | None,
                   author_col: str | None, column_map: tuple[str, ...], unit: str, split_docs: bool,
                   skip_bad: bool, target_col: str | None) -> None:
    """Read text, Markdown, HTML, CSV, JSONL or Parquet files (or folders) into the project.

    One import is one transaction: if a file is bad, nothing is imported unless --skip-bad.
    Re-importing the same documents adds nothing (documents keep stable ids).

    \b
    Examples:
      stance ingest articles/ --project myproject --meta outlet="Responsible Statecraft"
      stance ingest export.csv --project myproject --text-col body --meta-cols outlet,author,date,title,url
      stance ingest speeches.csv -p myproject --text-col Transcript --map title=Title,date=Date,author=President
      stance ingest scraped.txt --project myproject --split-docs
      stance ingest claims.csv --project debates --text-col claim --target-col motion

    With --target-col, each row's target is kept as its passages' metadata and is part of its document's
    id (one text toward two targets is two documents); every row needs one.
    """
    project = Project.open(project_path)
    table = TableOptions(text_col=text_col, id_col=id_col, target_col=target_col,
                         meta_cols=[c.strip() for c in meta_cols.split(",") if c.strip()] if meta_cols else None,
                         columns=column_fields(title_col, date_col, author_col, column_map))
    left_out: list[tuple[Path, str]] = []
    files = list(iter_files(paths, left_out=lambda path, why: left_out.append((path, why))))
    for where, why in left_out:
        click.echo(f"left out {where}: {why}", err=True)
    if not files:
        raise InputError("no supported files in: " + ", ".join(paths))
    with click.progressbar(length=len(files), label="Reading", file=sys.stderr, show_pos=True,
                           hidden=not sys.stderr.isatty()) as bar:  # no stray "Reading" line in a log or pipe
        result = ingest(project, files, parse_meta(meta), unit=unit, table=table, split_docs=split_docs,
                        skip_bad=skip_bad, progress=lambda _path: bar.update(1))
    click.echo(f"Imported {result.documents} documents ({result.passages} passages) from {result.files} files"
               + (f"; {result.duplicates} already in the project" if result.duplicates else "")
               + (f"; {result.repeated} repeating an earlier row of the same file (same id; the first kept)"
                  if result.repeated else "") + ".")
    for where, why in result.skipped:
        click.echo(f"skipped {where}: {why}", err=True)


@click.command()
@project_option
@click.option("--by-label", is_flag=True, help="Also count gold labels per dimension and value.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text",
              show_default=True, help="Output format of the --by-label table.")
def status(project_path: str, by_label: bool, fmt: str) -> None:
    """Show what the project holds: documents, passages, labels per annotator, gold labels, models.

    \b
    Examples:
      stance status --project myproject
      stance status --project myproject --by-label --format markdown
    """
    project = Project.open(project_path)
    click.echo(str(project.status()))
    if by_label:
        table = project.label_counts()
        if fmt == "csv":
            from ..spreadsheet import safe_frame

            click.echo(safe_frame(table).to_csv(index=False), nl=False)
        elif fmt == "markdown":
            # our own writer, not DataFrame.to_markdown: the output (and the data card made from it)
            # must not change with whether the optional `tabulate` package happens to be installed
            click.echo(_markdown(table))
        else:
            click.echo(table.to_string(index=False))


def _markdown(table) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


@click.group()
def codebook() -> None:
    """Show the codebook or render annotator guidelines from it."""


@codebook.command("show")
@click.option("--project", "-p", "project_path", default=None, type=click.Path(file_okay=False),
              help="Show this project's codebook (default: the packaged default).")
@click.option("--file", "file_", default=None, type=click.Path(dir_okay=False), help="A codebook YAML file.")
def codebook_show(project_path: str | None, file_: str | None) -> None:
    """Print every dimension and value with its key, definition and decision rules.

    \b
    Examples:
      stance codebook show
      stance codebook show --project myproject
    """
    click.echo(render_text(_pick_codebook(project_path, file_)), nl=False)


@codebook.command("render")
@click.option("--project", "-p", "project_path", default=None, type=click.Path(file_okay=False),
              help="Render this project's codebook (default: the packaged default).")
@click.option("--file", "file_", default=None, type=click.Path(dir_okay=False), help="A codebook YAML file.")
@click.option("-o", "--output", default="guidelines.html", show_default=True, type=click.Path(dir_okay=False))
def codebook_render(project_path: str | None, file_: str | None, output: str) -> None:
    """Write annotator guidelines (one self-contained HTML page) from the codebook.

    \b
    Example:
      stance codebook render -o guidelines.html
    """
    Path(output).write_text(render_html(_pick_codebook(project_path, file_)), encoding="utf-8")
    click.echo(f"Wrote {output}")


def _pick_codebook(project_path: str | None, file_: str | None):
    if file_:
        return load_codebook(file_)
    if project_path:
        return Project.open(project_path).codebook
    return load_codebook()


@click.command()
@click.option("--project", "-p", "project_path", default="demo-project", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the demo project: a new or empty folder, or one an "
              "earlier `stance demo` made (replaced, its model files kept). Any other folder is refused.")
@click.option("--reports", default="reports/demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the demo report is written.")
def demo(project_path: str, reports: str) -> None:
    """Run the whole pipeline on the embedded corpus: load it, then every later stage that is installed.

    The demo never replaces a folder it did not make, and keeps the model files of earlier runs
    (another project may have been scored with one).

    \b
    Examples:
      stance demo
      stance demo --project /tmp/stance-demo --reports /tmp/stance-demo-report
    """
    demo_lib.run_demo(project_path, reports_dir=reports, echo=click.echo)


COMMANDS = [init, ingest_command, status, codebook, demo]
