"""The `stance` command: a thin layer that parses arguments and calls the library.

Each sub-module holds the commands of one area and exports them in ``COMMANDS``; `COMMAND_MODULES`
lists the modules in the order their commands appear in --help (a new command: a module, or a
function in one, and its entry here). Options that several modules share are in `options`.
Library errors (`StanceError`) become a one-line message and exit code 1, never a traceback, and
library warnings one line each on stderr, in one place: `StanceGroup.invoke`.
"""

from __future__ import annotations

import warnings

import click

from .. import __version__
from ..errors import StanceError
from . import annotate, labels, models, project, report, score, validate

COMMAND_MODULES = (project, annotate, labels, models, score, validate, report)


class StanceGroup(click.Group):
    """A group that turns library errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            try:
                return super().invoke(ctx)
            except StanceError as exc:
                raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # keep registration order: the data-flow order


def _warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    """Show a library warning (a model from another codebook version, ...) as one line on stderr."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)


@click.group(cls=StanceGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="stance")
def main() -> None:
    """Annotate, classify and compare stance in foreign-policy writing.

    \b
    A typical session:
      stance init myproject
      stance ingest articles/ --project myproject --meta outlet="Responsible Statecraft"
      stance status --project myproject
      stance demo                      # everything, on the embedded corpus

    Run `stance COMMAND --help` for the options and an example of each command.
    """


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
