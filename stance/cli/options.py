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


def column_options(command: Callable) -> Callable:
    """--title-col, --date-col, --author-col and --map, for commands that read tables."""
    for option in reversed(_COLUMN_OPTIONS):
        command = option(command)
    return command


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
