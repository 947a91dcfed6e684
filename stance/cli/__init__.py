"""The `stance` command: a thin layer that parses arguments and calls the library.

Each sub-module holds the commands of one area and exports them in ``COMMANDS``. Library errors
(`StanceError`) become a one-line message and exit code 1, never a traceback.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__
from ..errors import StanceError

# Command modules, in the order their commands are listed in --help.
MODULES = ("project", "annotate", "labels", "models", "score", "report")


class StanceGroup(click.Group):
    """A group that turns library errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except StanceError as exc:
            raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # keep registration order: the data-flow order


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


for _name in MODULES:
    try:
        _module = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:  # a command area that has not been built yet
        if _exc.name != f"{__name__}.{_name}":
            raise
        continue
    for _command in _module.COMMANDS:
        main.add_command(_command)
