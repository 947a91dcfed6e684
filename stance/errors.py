"""Named exceptions. The CLI catches `StanceError` and prints its message on one line."""

from __future__ import annotations


class StanceError(Exception):
    """Base class for every error a user can cause and fix."""


class CodebookError(StanceError):
    """The codebook is malformed; the message lists every problem found."""

    def __init__(self, problems: list[str], source: str = "codebook") -> None:
        self.problems = problems
        self.source = source
        if len(problems) == 1:
            msg = f"{source}: {problems[0]}"
        else:
            msg = f"{source}: {len(problems)} problems: " + "; ".join(problems)
        super().__init__(msg)


class InputError(StanceError):
    """An input file or value cannot be read; the message names the file and line or field."""


class StoreError(StanceError):
    """The project database is missing, locked or from an incompatible version."""


class LabelError(StanceError):
    """A label does not fit the codebook (unknown dimension or value)."""


class ModelError(StanceError):
    """A model cannot be trained, loaded or applied."""
