"""The input contract: every format gives the same document and passage ids through `stance ingest`,
`stance score` on files and the Dask engine, with and without metadata (--meta, --meta-cols, --id-col,
and columns mapped to the document's fields: --title-col, --date-col, --author-col, --map).

Ids are what ties a scored passage to its labels and its ingested copy, so the three paths must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_score import CODEBOOK, scoring_env

from stance.ingest import TableOptions, ingest
from stance.score import score_to_file
from stance.score.dask import score_dask
from stance.store import Project

ARTICLE = ("We should pull our remaining troops out of Syria before the next escalation.\n\n"
           "Critics say a withdrawal would embolden Tehran, but the evidence points the other way.\n\n"
           "Subscribe to our newsletter.")
ROWS = pd.DataFrame({
    "text": [ARTICLE, "Washington must send longer-range missiles now.\n\nTalks have failed.",
             "Diplomacy is the only path.\n\nSanctions relief should be on the table."],
    "outlet": ["Outlet A", "Outlet B", ""],
    "author": ["Ann Author", "Bo Writer", "Cy Critic"],
    "section": ["opinion", "news", "opinion"],
    "ref": ["r1", "r2", "r3"],
    "Headline": ["Out of Syria", "Send the missiles", "Talk instead"],
    "Published": ["2024-05-01", "2024-06-02", "2024-07-03"],
})

# (--meta, --meta-cols, --id-col, mapped columns): no metadata; --meta on everything; --meta-cols without
# the outlet column that the tables also hold; both together; the tables' own ids; columns that become the
# title, date and (deciding ids) the outlet; the same with --meta-cols
MAPPED = {"title": "Headline", "date": "Published", "outlet": "section"}
CASES = {
    "plain": ({}, None, None, {}),
    "meta": ({"outlet": "Fixed Outlet"}, None, None, {}),
    "meta-cols": ({}, ["author"], None, {}),
    "meta-and-cols": ({"campaign": "2024"}, ["author", "section"], None, {}),
    "id-col": ({}, None, "ref", {}),
    "mapped": ({}, None, None, MAPPED),
    "mapped-and-cols": ({}, ["author"], "ref", MAPPED),
}


def write_inputs(folder: Path) -> list[Path]:
    """One small file of every supported format, with metadata in the file where the format has it."""
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b.md").write_text("---\nauthor: Jane Roe\noutlet: Front Matter Weekly\n---\n# A title\n\n"
                                 + ROWS.text[1], encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in ROWS.text[2].split("\n\n"))
    (folder / "c.html").write_text(
        "<html><head><title>Restraint now</title><meta name='author' content='Dee Html'></head><body>"
        f"<article><h1>Restraint now</h1>{paragraphs}<p>{ROWS.text[0].split(chr(10))[0]}</p></article>"
        "</body></html>", encoding="utf-8")
    tables = {name: ROWS.assign(text=ROWS.text + f" ({name})", ref=ROWS.ref + name)  # distinct documents
              for name in ("d.csv", "e.tsv", "f.jsonl", "g.parquet")}
    tables["d.csv"].to_csv(folder / "d.csv", index=False)
    tables["e.tsv"].to_csv(folder / "e.tsv", index=False, sep="\t")
    (folder / "f.jsonl").write_text("".join(json.dumps(r) + "\n" for r in tables["f.jsonl"].to_dict("records")),
                                    encoding="utf-8")
    tables["g.parquet"].to_parquet(folder / "g.parquet", index=False)
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("scoring"))


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    return write_inputs(tmp_path_factory.mktemp("contract") / "in")


def ingested(root: Path, files: list[Path], meta, meta_cols, id_col, columns) -> pd.DataFrame:
    project = Project.init(root)
    ingest(project, files, meta=meta, table=TableOptions(meta_cols=meta_cols, id_col=id_col, columns=columns))
    return project.passages_frame()[["doc_id", "passage_id", "source", "title", "date", "outlet", "meta_json"]]


def file_of(source: pd.Series) -> pd.Series:
    return source.map(lambda s: Path(s.split(":")[0]).name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_ingest_scoring_and_dask_give_every_format_the_same_ids(env, client, inputs, tmp_path, case):
    meta, meta_cols, id_col, columns = CASES[case]
    stored = ingested(tmp_path / "proj", inputs, meta, meta_cols, id_col, columns)
    options = dict(codebook=CODEBOOK, meta=meta, meta_cols=meta_cols, id_col=id_col, columns=columns)
    score_to_file(inputs, tmp_path / "local.parquet", env.model, **options)
    score_dask(inputs, tmp_path / "dask.parquet", env.model, client=client, rows_per_partition=2, **options)
    scored = pd.read_parquet(tmp_path / "local.parquet")
    assert sorted(set(file_of(stored["source"]))) == [p.name for p in inputs]  # every format took part
    for name in (p.name for p in inputs):
        want = stored[file_of(stored["source"]) == name]
        got = scored[file_of(scored["source"]) == name]
        assert got["doc_id"].tolist() == want["doc_id"].tolist(), name
        assert got["passage_id"].tolist() == want["passage_id"].tolist(), name
        assert got["source"].tolist() == want["source"].tolist(), name
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask.parquet"), scored)
    if meta:
        assert set(scored[next(iter(meta))]) == set(meta.values())  # --meta reaches the scored output
    if meta_cols == ["author"] and not columns:
        assert scored.loc[file_of(scored["source"]) == "d.csv", "outlet"].isna().all()
    if columns:  # the mapped columns are the documents' title, date and outlet, in the store and the scores
        for name in ("d.csv", "e.tsv", "f.jsonl", "g.parquet"):
            for frame in (stored[file_of(stored["source"]) == name], scored[file_of(scored["source"]) == name]):
                by_doc = frame.drop_duplicates("doc_id")
                assert by_doc["title"].tolist() == ROWS["Headline"].tolist(), name
                assert by_doc["date"].tolist() == ROWS["Published"].tolist(), name
                assert by_doc["outlet"].tolist() == ROWS["section"].tolist(), name
        assert not {"Headline", "Published", "section"} & set(scored.columns)  # not kept twice
        assert not any("Headline" in m for m in stored["meta_json"])
        plain = ingested(tmp_path / "plain", inputs, meta, meta_cols, id_col, {})
        changed = file_of(plain["source"]).isin(["d.csv", "e.tsv", "f.jsonl", "g.parquet"])
        # the outlet is part of a document's id (with or without an id column), so mapping it changes them
        assert (plain.loc[changed, "doc_id"] != stored.loc[changed, "doc_id"]).all()
        assert (plain.loc[~changed, "doc_id"] == stored.loc[~changed, "doc_id"]).all()


def test_every_registered_reader_has_the_interface_of_its_kind():
    from stance.readers import READERS, is_table

    for suffix, reader in READERS.items():
        path = Path(f"x{suffix}")
        if is_table(path):
            assert callable(reader.header) and callable(reader.rows), suffix
        else:
            assert callable(reader.records), suffix
    assert {s for s in READERS if is_table(Path(f"x{s}"))} == {".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"}
