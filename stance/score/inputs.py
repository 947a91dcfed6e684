"""What a file run reads and reports, without pandas: the input plan (files, globs, stdin, table headers
and the output's metadata columns), the documents in order, their passage rows, and the run's summary.
Shared by `stance.score.files` and the light path of `stance.score.light`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..documents import (
    STANDARD_META,
    Document,
    InputOptions,
    check_columns,
    documents_of,
    read_documents,
    table_record,
)
from ..errors import InputError
from ..readers import is_table, iter_files, reader_for
from ..readers.jsonl import object_lines

STDIN = "-"
ID_COLUMNS = ["doc_id", "passage_id"]
TAIL_COLUMNS = ["source", "is_boilerplate", "text"]
Skip = Callable[[str, str], None]


@dataclass
class InputPlan:
    """The files to read and the metadata columns the output will have, known before any work starts."""

    files: list[Path]
    meta_columns: list[str]
    stdin: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Passage-frame columns, in output order."""
        return [*ID_COLUMNS, *self.meta_columns, *TAIL_COLUMNS]


def plan_inputs(inputs: Iterable[str | Path], options: InputOptions, on_error: str = "stop",
                stdin_header: list[str] | None = None) -> InputPlan:
    """Expand directories and globs, read every table's header and check its columns.

    A table without the text column is always an error (it is a mistake in the command, not a bad file);
    a file whose header cannot be read stops the run or, with on_error="skip", is named and left out.
    The output's metadata columns: the standard ones, then the tables' others (or only `meta_cols`),
    then the `--meta` keys.
    """
    if on_error not in ("stop", "skip"):
        raise InputError(f"on_error must be 'stop' or 'skip', got {on_error!r}")
    table = options.table
    files: list[Path] = []
    left_out: list[tuple[str, str]] = []
    note = lambda path, why: left_out.append((str(path), why))  # noqa: E731
    stdin = False
    for raw in inputs:
        if str(raw) == STDIN:
            stdin = True
            continue
        text = str(raw)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            import glob

            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise InputError(f"{text}: no file matches this pattern")
            files.extend(iter_files(matches, note))
        else:
            files.extend(iter_files([raw], note))
    plan = InputPlan([], [], stdin, skipped=list(left_out))
    headers = [("<stdin>", stdin_header)] if stdin_header is not None else []
    for path in files:
        if not is_table(path):
            plan.files.append(path)
            continue
        try:
            header = reader_for(path).header(path)
        except InputError as exc:
            if on_error == "stop":
                raise
            plan.skipped.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        headers.append((str(path), header))
        plan.files.append(path)
    extra: list[str] = []
    for source, header in headers:
        check_columns(header, table, source)
        for col in header:
            if col in table.columns.values():  # kept under its field's name, a standard column
                continue
            if col not in extra and col != table.text_col and (table.meta_cols is None or col in table.meta_cols
                                                               or col in (table.id_col, table.target_col)):
                extra.append(col)
    extra.extend(options.meta)
    reserved = {*STANDARD_META, *ID_COLUMNS, *TAIL_COLUMNS}
    plan.meta_columns = [*STANDARD_META, *dict.fromkeys(c for c in extra if c not in reserved)]
    if not plan.files and not stdin:
        if plan.skipped:
            raise InputError("no readable input: " + "; ".join(f"{w}: {why}" for w, why in plan.skipped))
        raise InputError("no supported files in: " + ", ".join(str(i) for i in inputs))
    return plan


def iter_stdin_rows(stream: TextIO, text_col: str) -> tuple[list[str] | None, Iterator[tuple[str, dict | str]]]:
    """stdin: JSON Lines if the first non-blank line is a JSON object, else one text per line.

    Returns (the JSONL header or None for plain lines, the rows as a table reader gives them)."""
    first_number, first = 0, ""
    for first_number, first in enumerate(stream, start=1):  # noqa: B007 - we need the line after the loop
        if first.strip():
            break
    else:
        return None, iter(())
    if first.lstrip().startswith("{"):
        where, row = next(object_lines([first], "<stdin>", first_number))
        if isinstance(row, str):
            raise InputError(f"{where}: {row}")

        def rows() -> Iterator[tuple[str, dict | str]]:
            yield where, row
            yield from object_lines(stream, "<stdin>", first_number + 1)
        return [str(k) for k in row], rows()

    def lines() -> Iterator[tuple[str, dict]]:
        yield f"<stdin>: line {first_number}", {text_col: first.rstrip("\n")}
        for number, line in enumerate(stream, start=first_number + 1):
            if line.strip():
                yield f"<stdin>: line {number}", {text_col: line.rstrip("\n")}
    return None, lines()


# -- documents to passage rows -----------------------------------------------------------------------

def passage_rows(doc: Document, meta_columns: list[str], id_col: str | None = None) -> list[dict[str, Any]]:
    """One output row per passage of a document; the table's id column holds the document's own id."""
    meta = {c: _meta_str(doc.meta.get(c)) for c in meta_columns}
    if id_col in meta:
        meta[id_col] = _meta_str(doc.meta.get("external_id"))
    return [{"doc_id": doc.id, "passage_id": p.id, **meta, "source": doc.source,
             "is_boilerplate": p.is_boilerplate, "text": p.text} for p in doc.passages]


def _meta_str(v) -> str | None:
    return None if v is None else str(v)


def iter_documents(plan: InputPlan, options: InputOptions, on_error: str, on_skip: Skip,
                   stdin_rows: Iterator[tuple[str, dict | str]] | None = None) -> Iterator[Document]:
    """Every input document in order. Rows without text are left out and named; unreadable rows and files
    stop the run or (on_error="skip") are named and left out."""
    bad_row = on_skip if on_error == "skip" else None
    if stdin_rows is not None:
        records = (table_record(where, row, options.table) for where, row in stdin_rows)
        yield from documents_of(records, options, bad_row, on_skip)
    for path in plan.files:
        try:
            yield from read_documents(path, options, bad_row, on_skip, span=None)
        except InputError as exc:
            if on_error == "stop":
                raise
            on_skip(str(path), str(exc).removeprefix(f"{path}: "))


@dataclass
class ScoreSummary:
    """What a file run did: `rows` written, and the distinct `documents` and `passages` among them (a
    document that the input holds twice is written twice but counted once)."""

    output: Path | None = None
    passages: int = 0
    documents: int = 0
    rows: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)
