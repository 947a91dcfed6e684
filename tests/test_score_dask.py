"""The Dask engine gives exactly the local engine's output on the embedded corpus (2-worker local cluster)."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

from distributed import Client, LocalCluster
from test_score import CODEBOOK, scoring_env, write_table

from stance.score import score_to_file
from stance.score.dask import partitions, score_dask


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("scoring"))  # trained once per session, shared with test_score


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture
def inputs(env, tmp_path):
    """The embedded corpus as a Parquet shard (several row groups), a CSV shard and a folder of text files."""
    passages = env.passages[["text", "outlet", "author", "date", "title", "is_example"]]
    half = len(passages) // 2
    parquet = write_table(passages.iloc[:half], tmp_path / "shard-0.parquet")  # row groups of 7 rows
    csv = write_table(passages.iloc[half:], tmp_path / "shard-1.csv")
    folder = tmp_path / "seed"
    folder.mkdir()
    docs = env.passages[~env.passages["is_example"]].groupby("doc_id", sort=False)["text"].apply("\n\n".join)
    for i, text in enumerate(docs):
        (folder / f"doc{i}.txt").write_text(text, encoding="utf-8")
    return [parquet, csv, folder]


def test_partitions_follow_row_groups_and_records(inputs):
    parts = partitions([inputs[0], inputs[1]], rows_per_partition=50)
    parquet = [p.span for p in parts if p.paths[0].endswith(".parquet")]
    sizes = [len(s.row_groups) for s in parquet]  # whole row groups of 7 rows, at most 8 (56 rows) a partition
    assert len(parquet) > 1 and max(sizes) <= 8 and max(sizes) - min(sizes) <= 1
    assert [g for s in parquet for g in s.row_groups] == list(range(sum(sizes)))  # each once, in order
    assert [s.row for s in parquet] == [1 + 7 * sum(sizes[:i]) for i in range(len(sizes))]
    csv = [p.span for p in parts if p.paths[0].endswith(".csv")]
    data = inputs[1].read_bytes()
    assert len(csv) > 1 and csv[-1].end is None
    for span, after in pairwise(csv):
        assert span.end == after.start and data[span.end - 1:span.end] == b"\n"  # adjoining, at record ends


def test_a_file_is_cut_into_balanced_partitions_for_the_workers(tmp_path):
    """100 records at 30 a partition would be 4 partitions, 3 of 30 and one of 10: one worker of two would
    score the last alone. Cut for 2 workers, they are 4 of about 25; for 3 workers, 6 of about 17."""
    src = write_table(pd.DataFrame({"text": [f"Passage {i} on the talks." for i in range(100)]}),
                      tmp_path / "big.csv")
    data = src.read_bytes()
    for workers, expected in ((1, 4), (2, 4), (3, 6)):
        spans = [p.span for p in partitions([src], rows_per_partition=30, workers=workers)]
        counts = [data[s.start:s.end].count(b"\n") for s in spans]  # one line a record
        assert len(spans) == expected and sum(counts) == 100 and max(counts) <= 30
        assert max(counts) - min(counts) <= 4  # pieces of 4 records (30 / 8)
        assert [s.line for s in spans] == [2 + sum(counts[:i]) for i in range(len(counts))]
    assert len(partitions([src], rows_per_partition=200, workers=2)) == 1  # a file that fits one partition


def test_rows_per_partition_below_one_is_refused_before_any_work(env, tmp_path):
    from stance.errors import InputError

    with pytest.raises(InputError, match="rows_per_partition must be at least 1, got 0"):
        score_dask([tmp_path / "big.csv"], tmp_path / "out.parquet", env.model, rows_per_partition=0)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("level", ["passage", "document"])
def test_dask_gives_exactly_the_local_engines_output(env, client, inputs, tmp_path, level):
    local = tmp_path / "local.parquet"
    score_to_file(inputs, local, env.model, codebook=CODEBOOK, level=level, batch_size=40)
    out = tmp_path / "dask.parquet"
    summary = score_dask(inputs, out, env.model, codebook=CODEBOOK, level=level, batch_size=40,
                         rows_per_partition=50, client=client)
    a, b = pd.read_parquet(local), pd.read_parquet(out)
    assert len(a) == summary.rows > 300
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_dask_writes_a_folder_of_parts_atomically(env, client, inputs, tmp_path):
    out = tmp_path / "scored"
    summary = score_dask(inputs[:2], f"{out}/", env.model, codebook=CODEBOOK, rows_per_partition=100,
                         client=client)
    parts = sorted(out.iterdir())
    assert [p.name for p in parts][:2] == ["part-00000.parquet", "part-00001.parquet"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    local = tmp_path / "local.parquet"
    score_to_file(inputs[:2], local, env.model, codebook=CODEBOOK)
    whole = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert len(whole) == summary.rows and whole["passage_id"].nunique() == summary.passages
    pd.testing.assert_frame_equal(whole, pd.read_parquet(local))


def test_dask_at_a_scheduler_address_and_unreadable_partitions_skipped(env, client, inputs, tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01 not text \x00")
    skipped = []
    out = tmp_path / "docs.csv"
    summary = score_dask([inputs[1], bad], out, env.model, codebook=CODEBOOK, level="document",
                         scheduler=client.scheduler.address, on_error="skip",
                         on_skip=lambda where, why: skipped.append(where))
    assert skipped == [str(bad)] and summary.skipped[0][0] == str(bad)
    got = pd.read_csv(out)
    assert len(got) == summary.rows > 0 and "restraint_index" in got.columns


def quoted_newline_rows(env, n: int = 30) -> pd.DataFrame:
    """Multi-paragraph texts (newlines inside quoted CSV fields), one of them holding a line that looks
    like a whole CSV record, and every fifth row a repeat of an earlier one (the same document again)."""
    docs = env.passages[~env.passages["is_boilerplate"]]["text"].tolist()
    texts = ["\n\n".join(docs[i:i + 3]) for i in range(n)]
    texts[4] += '\n\n"a fake",record,"with quotes"\n\nand more after it.'
    frame = pd.DataFrame({"text": texts, "outlet": [f"o{i % 3}" for i in range(n)]})
    return pd.concat([frame, frame.iloc[::5]], ignore_index=True)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_one_big_file_is_split_at_record_ends_and_scores_as_locally(env, client, tmp_path, suffix):
    src = write_table(quoted_newline_rows(env), tmp_path / f"big{suffix}")
    parts = partitions([src], rows_per_partition=4)
    assert len(parts) == 9  # 36 records in ranges of 4
    if suffix == ".csv":
        data = src.read_bytes()
        assert all(data[p.span.start - 1:p.span.start] == b"\n" for p in parts)
        assert data.count(b"\n") > 3 * 36  # the quoted newlines that a split at any newline would break
    local = tmp_path / "local.parquet"
    summary_local = score_to_file([src], local, env.model, codebook=CODEBOOK, batch_size=7)
    out = tmp_path / "dask.parquet"
    summary = score_dask([src], out, env.model, codebook=CODEBOOK, batch_size=7, rows_per_partition=4,
                         client=client)
    a, b = pd.read_parquet(local), pd.read_parquet(out)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["source"].nunique() == 36  # every record read exactly once
    for s in (summary_local, summary):  # counts are the output's distinct ids, not per batch or partition
        assert (s.documents, s.passages) == (a["doc_id"].nunique(), a["passage_id"].nunique())
        assert s.documents == 30 and s.rows == len(a) > s.passages


def test_document_level_summary_counts_each_document_once(env, client, tmp_path):
    src = write_table(quoted_newline_rows(env), tmp_path / "big.csv")
    passages = tmp_path / "passages.parquet"
    score_to_file([src], passages, env.model, codebook=CODEBOOK)
    scored = pd.read_parquet(passages)
    for run in (lambda out: score_to_file([src], out, env.model, codebook=CODEBOOK, level="document", batch_size=7),
                lambda out: score_dask([src], out, env.model, codebook=CODEBOOK, level="document", batch_size=7,
                                       rows_per_partition=4, client=client)):
        summary = run(tmp_path / "docs.parquet")
        got = pd.read_parquet(tmp_path / "docs.parquet")
        assert len(got) == 36 and got["doc_id"].nunique() == summary.documents == 30
        assert summary.passages == scored["passage_id"].nunique()


def test_the_engines_own_cluster_is_lean_and_leaves_the_users_dask_config_alone():
    """The cluster started for a run has no sampling profiler and no malloc trimming in its workers
    (CPU that scoring needs, docs/benchmarks.md); Dask's configuration in this process is unchanged."""
    import os

    import dask

    from stance.score.dask import local_cluster

    before = dask.config.get("distributed")
    client = local_cluster(1)
    try:
        (got,) = client.run(lambda: (dask.config.get("distributed.worker.profile.enabled"),
                                     os.environ.get("MALLOC_TRIM_THRESHOLD_"))).values()
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert got == (False, None)
    assert dask.config.get("distributed") == before and dask.config.get("distributed.worker.profile.enabled")
