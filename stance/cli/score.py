"""The `score` command: parses arguments and calls `stance.score` (`stance.score.dask` for --engine dask)."""

from __future__ import annotations

import sys

import click

from ..errors import InputError
from ..passages import UNITS
from .options import column_fields, column_options, other_codebook_option, parse_meta, target_col_option


@click.command("score")
@click.argument("inputs", nargs=-1, type=str)
@click.option("--project", "-p", "project_path", default=None, type=click.Path(file_okay=False),
              help="Project folder: its latest models score the input, and with no INPUT its own passages.")
@click.option("--model", "model_path", default=None, type=click.Path(dir_okay=False),
              help="A model file (.skops) to score with instead of the project's latest models.")
@click.option("--output", "-o", default=None, help="Output file: .parquet, .csv or .jsonl (with --engine dask, "
              "a folder ending in / gets one Parquet file per partition).")
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Metadata for every document, as given to "
              "`stance ingest` (so ids match an ingested copy), e.g. --meta outlet='Responsible Statecraft'.")
@click.option("--text-col", default="text", show_default=True, help="Text column of CSV/JSONL/Parquet input.")
@click.option("--meta-cols", default=None, help="Comma-separated metadata columns to keep (default: all others).")
@click.option("--id-col", default=None, help="Column with your own document ids.")
@column_options
@click.option("--unit", type=click.Choice(UNITS), default="paragraph", show_default=True,
              help="Split documents into paragraphs, sentences or one passage per document (as `stance ingest`).")
@click.option("--level", type=click.Choice(["passage", "document"]), default="passage", show_default=True,
              help="One row per passage, or per document (shares of each value and the restraint index).")
@click.option("--with-text", is_flag=True, help="Include each passage's text in the output.")
@click.option("--terms", default=0, show_default=True, help="Also output the N terms that pushed each "
              "passage toward its label (column D:terms); slower.")
@click.option("--jobs", "-j", default=1, show_default=True, help="Score in N processes.")
@click.option("--batch-size", default=2000, show_default=True, help="Passages per batch (memory grows with it).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine; dask: dask.dataframe partitions on a Dask cluster.")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786 (default: start "
              "a local cluster).")
@click.option("--workers", default=2, show_default=True, help="Worker processes of the local Dask cluster.")
@click.option("--on-error", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
              help="An unreadable input file stops the run (nothing written), or is named and skipped.")
@target_col_option
@click.option("--codebook", "codebook_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="The codebook the --model was trained under, when scoring outside its project (value order, "
                   "and the index of --level document); default: the project's, else the packaged one.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@other_codebook_option
def score(inputs, project_path, model_path, output, meta, text_col, meta_cols, id_col, title_col, date_col, author_col,
          column_map, unit, level, with_text, terms, jobs, batch_size, engine, scheduler, workers, on_error, target_col,
          codebook_path, quiet, allow_other_codebook):
    """Score passages with the trained models: label and probability of every value, per dimension.

    INPUT is any number of files, folders, globs ('shards/*.parquet') or - for stdin (one text a line,
    or JSON Lines). The output is written to a temporary file and moved into place when complete.
    Without INPUT, the project's own passages are scored and stored in the project.

    \b
    Examples:
      stance score articles/ --project myproject -o scores.parquet
      stance score big.csv --text-col body --model myproject/models/stance-20250101T000000.skops -o scores.csv --jobs 2
      stance score corpus.parquet --project myproject --level document -o docs.csv
      stance score speeches/ --model hawks.skops --codebook hawks.yaml --level document -o docs.csv
      stance score 'shards/*.parquet' --project myproject --engine dask -o scored/
      cat passages.txt | stance score - --project myproject -o scores.jsonl
      stance score --project myproject
      stance score claims.csv --project debates --text-col claim --target-col motion -o scores.csv
    """

    if not inputs:
        if output:
            raise click.UsageError("-o is for scoring files; without INPUT the project's own passages are scored "
                                   "into the project")
        from .. import score as lib

        project = project_path or "."
        with _bar(quiet) as bar:
            result = lib.score_project(project, model=model_path, batch_size=batch_size, jobs=jobs,
                                       progress=bar.update, target_column=target_col,
                                       allow_other_codebook=allow_other_codebook)
        click.echo(f"Stored predictions for {result['passages']} passages ({', '.join(result['dimensions'])}) "
                   f"in {project}.")
        _transfer(project)
        return
    if not output:
        raise click.UsageError("give an output file with -o (e.g. -o scores.parquet)")
    if project_path is None and model_path is None:
        project_path = "."
    options = dict(text_col=text_col, meta_cols=[c.strip() for c in meta_cols.split(",") if c.strip()]
                   if meta_cols else None, id_col=id_col, meta=parse_meta(meta),
                   columns=column_fields(title_col, date_col, author_col, column_map), unit=unit,
                   batch_size=batch_size, with_text=with_text, on_error=on_error,
                   on_skip=lambda where, why: click.echo(f"skipped {where}: {why}", err=True))
    plain = _plain_model(inputs, output, model_path, project_path, codebook_path, engine, jobs, level, terms,
                         target_col, batch_size)
    if plain is not None:  # a small run with a model's plain form: no pandas, scikit-learn or skops
        from ..codebook import load_codebook
        from ..score.light import score_light

        with _bar(quiet) as bar:
            summary, checks = score_light(list(inputs), output, plain, load_codebook(), progress=bar.update,
                                          **options)
        _wrote(summary)
        _print_checks(checks, FILE_ADVICE)
        return
    from .. import score as lib
    from ..codebook import load_codebook
    from ..store import Project

    project = Project.open(project_path) if project_path else None  # opened once, for plan and codebook
    plan = lib.load_plan(project, model_path, allow_other_codebook=allow_other_codebook)
    if codebook_path and project is not None:
        raise click.UsageError("--codebook is for scoring with --model outside a project; a project has its own")
    codebook = project.codebook if project is not None else load_codebook(codebook_path)
    options.update(level=level, codebook=codebook, target_col=target_col, terms=terms)
    from ..validation.transfer import TransferSample

    watch = TransferSample()
    with _bar(quiet) as bar:
        if engine == "dask":
            from ..score import dask as scale

            if "-" in inputs:
                raise InputError("the Dask engine reads files, not stdin; use --engine local for -")
            summary = scale.score_dask(inputs, output, plan, scheduler=scheduler, n_workers=workers,
                                       progress=bar.update, **options)
        else:
            summary = lib.score_to_file(inputs, output, plan, jobs=jobs, progress=bar.update,
                                        stdin=sys.stdin if "-" in inputs else None, observe=watch.add, **options)
    _wrote(summary)
    if engine == "dask":
        click.echo("Transfer checks are measured by the local engine only: score a sample of this corpus with "
                   "--engine local to see how far it is from the model's training data.")
        return
    _print_checks(watch.checks(plan.groups), FILE_ADVICE)


FILE_ADVICE = ("This model has not been checked on this corpus; its shares may be wrong. Label a random sample of "
               "these passages and measure the model on it before reading any share: stance evaluate --model MODEL "
               "--labels LABELLED.csv (or ingest the corpus into a project: stance validate sample).")


def _plain_model(inputs, output, model_path, project_path, codebook_path, engine, jobs, level, terms, target_col,
                 batch_size):
    """The model's plain form when this run can take the light path (`stance.score.light`: a model file with
    a plain form that checks out, small input files, passage-level CSV output, none of the options it lacks),
    else None."""
    if (model_path is None or project_path is not None or codebook_path or engine != "local" or jobs != 1
            or level != "passage" or terms or target_col or batch_size < 1 or not str(output).lower().endswith(".csv")):
        return None
    from ..models.plain import load_plain
    from ..score.light import light_inputs

    return load_plain(model_path) if light_inputs(inputs) else None


def _wrote(summary) -> None:
    rate = summary.passages / summary.seconds if summary.seconds else 0.0
    click.echo(f"Wrote {summary.output}: {summary.rows} rows ({summary.passages} passages, {summary.documents} "
               f"documents) in {summary.seconds:.1f} s, {rate:,.0f} passages/s"
               + (f"; {len(summary.skipped)} skipped" if summary.skipped else "") + ".")


def _transfer(project_path) -> None:
    """Print how far the project's corpus is from the model's training data (docs/validation.md)."""
    from ..validation.project import project_transfer, scored_passages, validation_labels

    project = _open(project_path)
    checks = project_transfer(project, scored_passages(project, with_text=True))
    labels = validation_labels(project)
    if any(labels.labelled(d) for d in project.codebook.dimension_names):
        advice = f"Its figures on this corpus's validation sample: stance validate report -p {project_path}"
    else:
        advice = (f"This model has not been checked on this corpus; its shares may be wrong. Check it before "
                  f"reading any share: stance validate sample -p {project_path} -n 300")
    _print_checks(checks, advice)


def _print_checks(checks, advice: str) -> None:
    """The transfer checks, their warnings, and what to do (nothing when no model could be checked)."""
    if checks is None:
        return
    click.echo("Transfer checks (how far this corpus is from the model's training data):")
    for line in checks.lines():
        click.echo(f"  {line}")
    for warning in checks.warnings:
        click.echo(f"warning: {warning}")
    click.echo(advice)


def _open(project_path):
    from ..store import Project

    return Project.open(project_path)


class _bar:
    """A tqdm progress bar with passages per second on stderr (nothing with --quiet), drawn from the first
    scored batch on: a run that stops on a mistake before scoring prints its one-line error alone."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(unit=" passages", unit_scale=True, file=sys.stderr, disable=self.quiet, smoothing=0.1,
                            mininterval=0.5)
        self.bar.update(n)


COMMANDS = [score]
