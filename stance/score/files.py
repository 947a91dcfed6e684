"""Scoring files: inputs become batches of passages (read by `stance.readers`, built into documents by
`stance.documents` exactly as `stance ingest` builds them), scored batch by batch and written atomically.

Batches stream from the input and to the output, so memory stays flat. The output has one row per
passage (see docs/scoring.md): ids, document metadata, `is_boilerplate`, optionally the text, then per
dimension `D` (the label; multi-valued labels joined with ";"), `D:value` (the probability of each value)
and optionally `D:terms`; or one row per document (`stance.score.document.document_level`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..codebook import Codebook, load_codebook
from ..documents import (
    STANDARD_META,
    Document,
    InputOptions,
    TableOptions,
    check_columns,
    documents_of,
    read_documents,
    table_record,
)
from ..errors import InputError
from ..readers import is_table, iter_files, reader_for
from ..readers.jsonl import object_lines
from .document import check_document_plan, document_level
from .output import AtomicWriter, output_format
from .plan import (
    DEFAULT_BATCH_SIZE,
    ID_COLUMNS,
    ScoringPlan,
    assemble,
    make_plan,
    pooled,
    predict_columns,
    with_target_column,
)
from .tally import IdTally

Progress = Callable[[int], None]
STDIN = "-"
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


def passage_batches(documents: Iterable[Document], meta_columns: list[str], batch_size: int,
                    id_col: str | None = None) -> Iterator[pd.DataFrame]:
    """Passage frames of about `batch_size` passages; a document is never split across two batches."""
    columns = [*ID_COLUMNS, *meta_columns, *TAIL_COLUMNS]
    rows: list[dict[str, Any]] = []
    for doc in documents:
        rows.extend(passage_rows(doc, meta_columns, id_col))
        if len(rows) >= batch_size:
            yield pd.DataFrame(rows, columns=columns)
            rows = []
    if rows:
        yield pd.DataFrame(rows, columns=columns)

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


def score_files(inputs: Iterable[str | Path], model_or_models, *, text_col: str = "text",
                meta_cols: list[str] | None = None, id_col: str | None = None, meta: dict[str, Any] | None = None,
                columns: dict[str, str] | None = None, unit: str = "paragraph",
                level: str = "passage", codebook: Codebook | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                jobs: int = 1, on_error: str = "stop", with_text: bool = False, terms: int = 0,
                progress: Progress | None = None, on_skip: Skip | None = None,
                stdin: TextIO | None = None, target_col: str | None = None,
                observe: Callable[[pd.DataFrame], None] | None = None) -> Iterator[pd.DataFrame]:
    """Stream scored batches (passage or document level) from files, directories, globs or "-" (stdin).

    Everything that can be checked is checked before the first batch (files exist, tables have the
    text column); then passages are read, scored and yielded batch by batch. A document never spans
    two batches, so each document-level row is complete. `progress(n)` is called after each batch.
    `meta` (`--meta`) is metadata for every document and `columns` ({field: column}, `--title-col`...) the
    table columns that are a document's title, date, author..., as `stance ingest` takes them, so ids match.
    `target_col` names the column (or `--meta` key) with each passage's target, for a model trained with
    targets; it is part of each document's id, as in `stance ingest --target-col`.
    `observe(frame)` sees each scored passage-level batch with its text (the transfer checks' sample).
    """
    if level not in ("passage", "document"):
        raise InputError(f"level must be 'passage' or 'document', got {level!r}")
    if batch_size < 1 or jobs < 1:
        raise InputError("batch_size and jobs must be at least 1")
    plan = with_target_column(make_plan(model_or_models, codebook=codebook), target_col)
    table = TableOptions(text_col=text_col, meta_cols=meta_cols, id_col=id_col, columns=dict(columns or {}),
                         target_col=target_col)
    reading = InputOptions(table, dict(meta or {}), unit, max_text_bytes=None)
    inputs = list(inputs)
    stdin_header, stdin_rows = (None, None)
    if any(str(i) == "-" for i in inputs):
        if stdin is None:
            raise InputError("'-' reads from stdin, but no stdin stream was given")
        stdin_header, stdin_rows = iter_stdin_rows(stdin, text_col)
    in_plan = plan_inputs(inputs, reading, on_error, stdin_header=stdin_header)
    skip = on_skip or (lambda where, why: None)
    for where, why in in_plan.skipped:
        skip(where, why)
    if level == "document":
        codebook = codebook or load_codebook()
        check_document_plan(plan.dimensions, codebook)  # a codebook that cannot carry these fails before reading
    docs = iter_documents(in_plan, reading, on_error, skip, stdin_rows)
    frames = passage_batches(docs, in_plan.meta_columns, batch_size, id_col)

    def run() -> Iterator[pd.DataFrame]:
        produced = False
        for frame, preds in pooled(plan, frames, terms, jobs):
            scored = assemble(frame, preds, True)
            if observe:
                observe(scored)
            if not (with_text or level == "document"):
                scored = scored.drop(columns=["text"])
            if progress:
                progress(len(frame))
            produced = True
            yield document_level(scored, codebook) if level == "document" else scored
        if not produced:  # no passage at all: still give the output's columns
            yield empty_output(plan, in_plan.meta_columns, level, codebook, with_text, terms)
    return run()


def empty_output(plan: ScoringPlan, meta_columns: list[str], level: str = "passage",
                 codebook: Codebook | None = None, with_text: bool = False, terms: int = 0) -> pd.DataFrame:
    """The output's columns and dtypes with no rows (scores one made-up passage and drops it)."""
    row = {"doc_id": "d", "passage_id": "p", **dict.fromkeys(meta_columns, "x"), "source": "x",
           "is_boilerplate": False, "text": "x"}
    targets = None if plan.target_column is None else ["x"]
    scored = assemble(pd.DataFrame([row]), predict_columns(plan, ["x"], terms, targets),
                      with_text or level == "document")
    return (document_level(scored, codebook or load_codebook()) if level == "document" else scored).iloc[:0]


def score_to_file(inputs: Iterable[str | Path], output: str | Path, model_or_models, **options) -> ScoreSummary:
    """`score_files` written to `output` (.parquet, .csv or .jsonl) through a temporary file that is moved
    into place only when every batch is written: an interrupted run leaves no file that looks whole."""
    output_format(output)
    summary = ScoreSummary(output=Path(output))
    user_skip = options.pop("on_skip", None)

    def note_skip(where: str, why: str) -> None:
        summary.skipped.append((where, why))
        if user_skip:
            user_skip(where, why)

    start = time.perf_counter()
    batches = score_files(inputs, model_or_models, on_skip=note_skip, **options)
    tally = IdTally()
    with AtomicWriter(output) as writer:
        for frame in batches:
            writer.write(frame)
            summary.rows += len(frame)
            tally.add(frame)
        writer.commit()
    summary.documents, summary.passages = tally.documents, tally.passages
    summary.seconds = time.perf_counter() - start
    return summary

