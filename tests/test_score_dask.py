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
    parquet = [p for p in parts if p.paths[0].endswith(".parquet")]
    assert [p.span.row for p in parquet] == list(range(1, 1 + 56 * len(parquet), 56))  # 8 row groups of 7 rows
    csv = [p.span for p in parts if p.paths[0].endswith(".csv")]
    data = inputs[1].read_bytes()
    assert len(csv) > 1 and csv[-1].end is None
    for span, after in pairwise(csv):
        assert span.end == after.start and data[span.end - 1:span.end] == b"\n"  # adjoining, at record ends


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
    assert len(whole) == summary.passages
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
