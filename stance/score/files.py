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
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..codebook import Codebook, load_codebook
from ..documents import Document, InputOptions, TableOptions
from ..errors import InputError
from .document import check_document_plan, document_level
from .inputs import (  # noqa: F401 - InputPlan, plan_inputs, STDIN, ... are imported from here too
    ID_COLUMNS,
    STDIN,
    TAIL_COLUMNS,
    InputPlan,
    ScoreSummary,
    Skip,
    iter_documents,
    iter_stdin_rows,
    passage_rows,
    plan_inputs,
)
from .output import AtomicWriter, output_format
from .plan import (
    DEFAULT_BATCH_SIZE,
    ScoringPlan,
    assemble,
    make_plan,
    pooled,
    predict_columns,
    with_target_column,
)
from .tally import IdTally

Progress = Callable[[int], None]


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

