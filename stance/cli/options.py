"""Options and helpers shared by the command modules, defined once."""

from __future__ import annotations

from collections.abc import Callable

import click

project_option = click.option(
    "--project", "-p", "project_path", default=".", show_default=True,
    type=click.Path(file_okay=False), help="Project folder (made by `stance init`).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
target_col_option = click.option(
    "--target-col", default=None, metavar="COLUMN",
    help="Column (passage metadata in a project) with the target of each passage's stance, e.g. a debate "
         "motion: for stance toward a stated target (docs/models.md).",
)
other_codebook_option = click.option(
    "--allow-other-codebook", is_flag=True,
    help="Use a model trained under another codebook than the project's (refused otherwise); dimensions "
         "whose values the project's codebook lacks are still left out.",
)


_UNITS = {"s": 1, "m": 60, "h": 3600}


class Duration(click.ParamType):
    """Seconds, or a number with s, m or h (90, 90s, 10m, 1.5h)."""

    name = "duration"

    def convert(self, value, param, ctx) -> float:
        shown = repr(value) if len(str(value)) <= 40 else repr(str(value)[:40]) + "..."
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            text = str(value).strip().lower()
            unit = _UNITS.get(text[-1:])
            try:
                seconds = float(text[:-1] if unit else text) * (unit or 1)
            except ValueError:
                self.fail(f"{shown} is not a duration: give seconds, or e.g. 90s, 10m, 1.5h", param, ctx)
        if not 0 < seconds < float("inf"):
            self.fail(f"{shown} must be more than 0 seconds", param, ctx)
        return seconds


_SETFIT_OPTIONS = [
    click.option("--time-budget", type=Duration(), default=None, metavar="DURATION",
                 help="setfit head: stop fine-tuning each model after this long (seconds, or 90s, 10m, 1.5h), "
                      "shared by its dimensions; the card says when it stopped early. Cross-validation "
                      "fine-tunes once per fold, each with this budget. Default: no limit."),
    click.option("--pairs", type=click.IntRange(min=16), default=None, metavar="N",
                 help="setfit head: contrastive pairs per dimension (default 2,000, i.e. 125 steps of 16; "
                      "10-24 CPU-minutes per dimension on the 2-core machine of docs/models.md). Fewer is "
                      "faster: 320 scored as well on the real corpus there."),
]


def stacked(options: list[Callable]) -> Callable[[Callable], Callable]:
    """One decorator that applies several click options in the order listed (as `--help` shows them)."""
    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


setfit_budget_options = stacked(_SETFIT_OPTIONS)  # --time-budget and --pairs, for commands that fine-tune setfit


def head_params(head: str, quiet: bool, time_budget: float | None, pairs: int | None) -> dict:
    """The head's options from the command line; a usage error for setfit options given to another head."""
    given = {k: v for k, v in (("time_budget", time_budget), ("pairs", pairs)) if v is not None}
    if given and head != "setfit":
        named = [f"--{k.replace('_', '-')}" for k in given]
        verb = "apply" if len(named) > 1 else "applies"
        raise click.UsageError(f"{' and '.join(named)} {verb} to the setfit head (--head setfit), not {head}")
    return {"progress": not quiet, **given}


def progress(quiet: bool) -> Callable[[str], None] | None:
    """A progress callback for the library that writes to stderr, or None with --quiet."""
    return None if quiet else (lambda msg: click.echo(msg, err=True))


_COLUMN_OPTIONS = [
    click.option("--title-col", default=None, help="Table column with each document's title, e.g. Title."),
    click.option("--date-col", default=None, help="Table column with each document's date, e.g. Date."),
    click.option("--author-col", default=None, help="Table column with each document's author, e.g. President."),
    click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN,...",
                 help="Table columns that become document fields (title, date, author, outlet, url), e.g. "
                      "--map title=Title,date=Date,author=President."),
]


column_options = stacked(_COLUMN_OPTIONS)  # --title-col, --date-col, --author-col and --map, for tables


def column_fields(title_col: str | None, date_col: str | None, author_col: str | None,
                  column_map: tuple[str, ...]) -> dict[str, str]:
    """{document field: table column} from the column options; a usage error for a malformed pair or a
    field given two different columns."""
    fields: dict[str, str] = {}

    def put(name: str, col: str, hint: str) -> None:
        if fields.get(name, col) != col:
            raise click.BadParameter(f"{name} is mapped to both {fields[name]!r} and {col!r}", param_hint=hint)
        fields[name] = col

    for item in (part for value in column_map for part in value.split(",") if part.strip()):
        name, sep, col = item.partition("=")
        if not sep or not name.strip() or not col.strip():
            raise click.BadParameter(f"expected field=column, got {item!r}", param_hint="--map")
        put(name.strip().lower(), col.strip(), "--map")
    for name, col in (("title", title_col), ("date", date_col), ("author", author_col)):
        if col:
            put(name, col, f"--{name}-col")
    return fields


def parse_meta(values: tuple[str, ...]) -> dict[str, str]:
    """--meta key=value pairs into a dict, with a clear error for a pair without '='."""
    meta = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected key=value, got {item!r}", param_hint="--meta")
        meta[key.strip()] = value
    return meta
