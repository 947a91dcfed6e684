"""The Dask engine: the same scoring as `stance.score.files`, over `dask.dataframe` partitions on a cluster.

The input is cut into partitions that workers read themselves (`dask.dataframe.from_map`): one per
group of Parquet row groups, one per CSV/JSONL file, one per group of text files. Each partition runs
the local engine's own functions (rows to documents to passage batches, `predict_columns`, assembly,
`document_level`), so the predictions are the same as the local engine's, row for row. The models are
sent to every worker once (`Client.scatter`). Without a scheduler address a `distributed.LocalCluster`
of `n_workers` processes is started for the run (`local_cluster`, with `LOCAL_CLUSTER_CONFIG`) and
closed after it. On a remote cluster, workers need policy-stance installed and the input (and a folder
output) on a file system they share; its configuration is the user's and is left as it is.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import Codebook, load_codebook
from ..documents import InputOptions, TableOptions, read_documents
from ..errors import InputError
from ..readers import Span, is_table, reader_for
from .document import check_document_plan, document_level
from .files import ScoreSummary, empty_output, passage_batches, plan_inputs
from .output import AtomicWriter, output_format
from .plan import DEFAULT_BATCH_SIZE, ScoringPlan, assemble, make_plan, predict_columns, with_target_column
from .tally import IdTally

TEXT_FILES_PER_PARTITION = 50
PIECES_PER_PARTITION = 8  # a table file is cut into pieces of 1/8 partition, grouped into balanced partitions

# Dask's defaults suit a long-lived, interactive cluster. For the cluster started for one run, these
# cost CPU that scoring needs (benchmarks/dask_split.py measures each; docs/benchmarks.md, issue 18):
# the sampling profiler takes a stack sample of every worker every 10 ms; the nanny's
# MALLOC_TRIM_THRESHOLD_ makes glibc hand freed memory back at once, and the featurizer's arrays are
# then faulted in again batch after batch; the event-loop tick (20 ms), the system monitor (500 ms) and
# the memory monitor (100 ms) wake every process. Nothing here changes what is computed.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


@dataclass(frozen=True)
class Partition:
    """What one worker reads: a group of document files, or one span of a table file."""

    paths: tuple[str, ...]
    span: Span | None = None

    @property
    def name(self) -> str:
        """The file(s), for messages."""
        return self.paths[0] if len(self.paths) == 1 else ", ".join(self.paths)


def partitions(files: list[Path], rows_per_partition: int, workers: int = 1) -> list[Partition]:
    """Partitions in input order: groups of text files; table files cut by their reader into spans of
    at most about `rows_per_partition` rows (byte ranges of CSV and JSON Lines, row groups of Parquet).

    A table file cut into more than one partition is cut into a multiple of `workers` nearly equal ones
    (from pieces of 1/8 partition), so that no worker is left scoring the last partition alone."""
    parts: list[Partition] = []
    texts: list[str] = []
    for path in files:
        if not is_table(path):
            texts.append(str(path))
            if len(texts) == TEXT_FILES_PER_PARTITION:
                parts.append(Partition(tuple(texts)))
                texts = []
            continue
        if texts:
            parts.append(Partition(tuple(texts)))
            texts = []
        reader = reader_for(path)
        piece = -(-rows_per_partition // PIECES_PER_PARTITION)
        try:  # a table reader without `spans` is read whole, by one worker
            spans = (balanced(reader.spans(path, piece), -(-rows_per_partition // piece), workers)
                     if hasattr(reader, "spans") else [None])
        except InputError:
            spans = [None]  # the worker reading it names the problem
        parts.extend(Partition((str(path),), span) for span in spans)
    if texts:
        parts.append(Partition(tuple(texts)))
    return parts


def balanced(pieces: list[Span], per_partition: int, workers: int) -> list[Span]:
    """Adjoining `pieces` of one file joined into partitions of at most `per_partition` pieces: as few as
    that allows, rounded up to a multiple of `workers` when there is more than one, sizes differing by
    at most one piece (the larger first)."""
    if not pieces:
        return pieces
    wanted = -(-len(pieces) // per_partition)
    if wanted > 1:
        wanted = min(len(pieces), -(-wanted // workers) * workers)
    size, extra = divmod(len(pieces), wanted)
    spans, at = [], 0
    for i in range(wanted):
        group = pieces[at:at + size + (i < extra)]
        at += len(group)
        first, last = group[0], group[-1]
        rows = (tuple(g for p in group for g in p.row_groups) if first.row_groups is not None else None)
        spans.append(Span(first.start, last.end, first.line, rows, first.row))
    return spans


def score_partition(part: Partition, plan: ScoringPlan, options: dict[str, Any]) -> pd.DataFrame:
    """Read, split and score one partition with the local engine's functions (runs on a worker)."""
    reading, batch_size = options["reading"], options["batch_size"]
    skip = options["skip_row"]
    docs = (doc for p in part.paths
            for doc in read_documents(Path(p), reading, skip, lambda where, why: None, span=part.span))
    parts = [_finish(frame, predict_columns(plan, frame["text"].tolist(), options["terms"], plan.targets(frame)),
                     options)
             for frame in passage_batches(docs, options["meta_columns"], batch_size, reading.table.id_col)]
    return pd.concat(parts, ignore_index=True) if parts else options["empty"]


def _finish(frame: pd.DataFrame, preds, options: dict[str, Any]) -> pd.DataFrame:
    level = options["level"]
    scored = assemble(frame, preds, options["with_text"] or level == "document")
    return document_level(scored, options["codebook"]) if level == "document" else scored


def score_dask(inputs: Iterable[str | Path], output: str | Path, model_or_models, *, scheduler: str | None = None,
               n_workers: int = 2, text_col: str = "text", meta_cols: list[str] | None = None,
               id_col: str | None = None, meta: dict[str, Any] | None = None,
               columns: dict[str, str] | None = None, unit: str = "paragraph",
               level: str = "passage",
               codebook: Codebook | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
               rows_per_partition: int = 20_000, with_text: bool = False, terms: int = 0, on_error: str = "stop",
               on_skip=None, progress=None, client=None, target_col: str | None = None) -> ScoreSummary:
    """Score files on a Dask cluster into `output`: a .parquet/.csv/.jsonl file (written by this process,
    partition by partition in input order, moved into place when complete) or a folder (name ending
    in "/": one Parquet file per partition, written by the workers into a temporary folder that is
    renamed when every partition is done). Same options and output as `stance.score.files.score_to_file`.

    `client`: an existing `distributed.Client` to use (then neither `scheduler` nor a local cluster).
    """
    if level not in ("passage", "document"):
        raise InputError(f"level must be 'passage' or 'document', got {level!r}")
    if rows_per_partition < 1:
        raise InputError(f"rows_per_partition must be at least 1, got {rows_per_partition}")
    to_folder = str(output).endswith(("/", os.sep)) or Path(output).is_dir()
    if to_folder and Path(output).is_dir() and any(Path(output).iterdir()):
        raise InputError(f"{output}: the folder exists and is not empty; remove it or choose another")
    if not to_folder:
        output_format(output)
    codebook = codebook or load_codebook()
    plan = with_target_column(make_plan(model_or_models, codebook=codebook), target_col)
    if level == "document":
        check_document_plan(plan.dimensions, codebook)  # a codebook that cannot carry these fails before reading
    table = TableOptions(text_col=text_col, meta_cols=meta_cols, id_col=id_col, columns=dict(columns or {}),
                         target_col=target_col)
    reading = InputOptions(table, dict(meta or {}), unit, max_text_bytes=None)
    in_plan = plan_inputs(inputs, reading, on_error)
    summary = ScoreSummary(output=Path(output))
    skip = on_skip or (lambda where, why: None)
    for where, why in in_plan.skipped:
        summary.skipped.append((where, why))
        skip(where, why)
    options = dict(reading=reading, batch_size=batch_size, meta_columns=in_plan.meta_columns,
                   level=level, codebook=codebook, with_text=with_text, terms=terms,
                   skip_row=None)
    options["empty"] = empty_output(plan, in_plan.meta_columns, level, codebook, with_text, terms)

    start = time.perf_counter()
    own = None
    if client is None:
        if scheduler:
            from distributed import Client

            client = own = Client(scheduler)
        else:
            client = own = local_cluster(n_workers)
    try:
        specs = partitions(in_plan.files, rows_per_partition, _worker_count(client))
        _run(client, plan, specs, options, output, to_folder, on_error, summary, skip, progress)
    finally:
        if own is not None:
            cluster = getattr(own, "cluster", None)
            own.close()
            if cluster is not None:
                cluster.close()
    summary.seconds = time.perf_counter() - start
    return summary


def local_cluster(n_workers: int = 2):
    """A `distributed.Client` on a new `LocalCluster` of `n_workers` single-threaded worker processes,
    started with `LOCAL_CLUSTER_CONFIG` (Dask's own configuration elsewhere is left alone). Close the
    client and then `client.cluster`.

    Its workers start without MALLOC_TRIM_THRESHOLD_: Dask's nanny sets it in this process's environment
    as well as the worker's, and never removes it, so it is taken out while the workers start."""
    import dask
    from distributed import Client, LocalCluster

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    inherited = os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    try:
        with dask.config.set({**LOCAL_CLUSTER_CONFIG, "distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            return Client(cluster)
    finally:
        if inherited is not None:
            os.environ["MALLOC_TRIM_THRESHOLD_"] = inherited


def _worker_count(client) -> int:
    """Tasks the cluster runs at once (its workers' threads)."""
    return max(1, sum(client.nthreads().values()))


def _run(client, plan, specs, options, output, to_folder, on_error, summary, skip, progress) -> None:
    import dask
    import dask.dataframe as dd

    plan_future = client.scatter(plan, broadcast=True)
    frame = dd.from_map(score_partition, specs, plan=plan_future, options=options, meta=options["empty"],
                        enforce_metadata=False, label="stance-score")
    parts = frame.to_delayed()
    window = 2 * _worker_count(client)

    tally = IdTally()

    def account(result: pd.DataFrame) -> None:
        summary.rows += len(result)
        tally.add(result)
        if progress:
            progress(int(result["n_passages"].sum()) if "n_passages" in result.columns else len(result))

    def results(tasks):
        """(spec, result or None when skipped) in input order, at most `window` partitions in flight."""
        pending: deque = deque()
        for spec, task in zip(specs, tasks, strict=True):
            pending.append((spec, client.compute(task)))
            if len(pending) >= window:
                yield _collect(*pending.popleft(), on_error, summary, skip)
        while pending:
            yield _collect(*pending.popleft(), on_error, summary, skip)

    if not to_folder:
        with AtomicWriter(output) as writer:
            for result in results(parts):
                if result is not None:
                    writer.write(result)
                    account(result)
            writer.commit(empty=options["empty"])
        summary.documents, summary.passages = tally.documents, tally.passages
        return
    dest = Path(output)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial"))
    try:
        writes = [dask.delayed(_write_part)(p, str(tmp / f"part-{i:05d}.parquet")) for i, p in enumerate(parts)]
        for result in results(writes):
            if result is not None:
                account(result)
        summary.documents, summary.passages = tally.documents, tally.passages
        if dest.exists():
            dest.rmdir()  # checked empty above
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()


def _write_part(frame: pd.DataFrame, path: str) -> pd.DataFrame:
    """Write one partition (on the worker) and return it without its rows' text, for the counts."""
    with AtomicWriter(path, "parquet") as writer:
        writer.write(frame)
        writer.commit()
    keep = [c for c in ("doc_id", "passage_id", "n_passages") if c in frame.columns]
    return frame[keep]


def _collect(part: Partition, future, on_error: str, summary: ScoreSummary, skip):
    try:
        return future.result()
    except InputError as exc:
        if on_error == "stop":
            raise
        where = part.name
        summary.skipped.append((where, str(exc)))
        skip(where, str(exc))
        return None
