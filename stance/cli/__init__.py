"""The `stance` command: a thin layer that parses arguments and calls the library.

Each sub-module holds the commands of one area and exports them in ``COMMANDS``; `COMMAND_MODULE_NAMES`
lists the modules in the order their commands appear in --help (a new command: a module, or a
function in one, and its entry here and in `COMMAND_HOMES`). Running one command imports only its
module (`COMMAND_HOMES` says which): the others import pandas and the web app, which the one-passage
`stance score` need not pay for. Options that several modules share are in `options`.
Library errors (`StanceError`) become a one-line message and exit code 1, never a traceback, and
library warnings one line each on stderr, in one place: `StanceGroup.invoke`.
"""

from __future__ import annotations

import importlib
import warnings

import click

from .. import __version__
from ..errors import StanceError

COMMAND_MODULE_NAMES = ("project", "annotate", "labels", "models", "score", "validate", "report")
COMMAND_HOMES = {  # command -> the module that defines it (a command missing here imports every module)
    "init": "project", "ingest": "project", "status": "project", "codebook": "project", "demo": "project",
    "annotate": "annotate", "adjudicate": "annotate", "agree": "labels", "gold": "labels",
    "import-labels": "labels", "export": "labels", "train": "models", "evaluate": "models", "explain": "models",
    "models": "models", "score": "score", "validate": "validate", "report": "report",
}


def __getattr__(name: str):
    if name == "COMMAND_MODULES":  # the command modules themselves, imported on first use
        return tuple(importlib.import_module(f".{m}", __name__) for m in COMMAND_MODULE_NAMES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class StanceGroup(click.Group):
    """A group that turns library errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            try:
                return super().invoke(ctx)
            except StanceError as exc:
                raise click.ClickException(str(exc)) from None

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        """Every command (this imports every command module)."""
        self._load(COMMAND_MODULE_NAMES)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._commands[name or cmd.name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        home = COMMAND_HOMES.get(cmd_name)
        self._load([home] if home else COMMAND_MODULE_NAMES)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        # in the order of COMMAND_MODULE_NAMES and of each module's COMMANDS: the data-flow order
        self._load(COMMAND_MODULE_NAMES)
        return [c.name for m in COMMAND_MODULE_NAMES for c in importlib.import_module(f".{m}", __name__).COMMANDS]

    def _load(self, modules) -> None:
        loaded = self.__dict__.setdefault("_loaded", set())
        for name in modules:
            if name not in loaded:
                for command in importlib.import_module(f".{name}", __name__).COMMANDS:
                    self._commands[command.name] = command
                loaded.add(name)


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
