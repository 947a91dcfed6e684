"""Options and helpers shared by the command modules, defined once."""

from __future__ import annotations

from collections.abc import Callable

import click

project_option = click.option(
    "--project", "-p", "project_path", default=".", show_default=True,
    type=click.Path(file_okay=False), help="Project folder (made by `stance init`).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress messages.")


def progress(quiet: bool) -> Callable[[str], None] | None:
    """A progress callback for the library that writes to stderr, or None with --quiet."""
    return None if quiet else (lambda msg: click.echo(msg, err=True))
