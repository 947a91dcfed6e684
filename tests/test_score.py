"""Scoring: the output contract, every input kind, document-level aggregation by hand, atomic output,
clear errors before any work, unreadable files skipped or stopping the run, and project predictions.

One model is trained once per test session on the embedded corpus (gold + written examples).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stance.cli import main
from stance.codebook import load_codebook
from stance.corpus import load_into
from stance.errors import CodebookError, InputError
from stance.ingest import read_path
from stance.models import save_model, train
from stance.score import (
    document_level,
    project_predictions,
    score_files,
    score_frame,
    score_project,
    score_to_file,
)
from stance.store import Project

CODEBOOK = load_codebook()
_ENV: dict[str, SimpleNamespace] = {}


def scoring_env(root: Path) -> SimpleNamespace:
    """The embedded corpus in a project, a model trained on it and saved; built once per session."""
    if "env" not in _ENV:
        project = Project.init(root / "proj")
        load_into(project)
        model = train(project, include_examples=True, C=0.3)
        path = root / "model.skops"
        save_model(model, path)
        passages = project.passages_frame()
        _ENV["env"] = SimpleNamespace(project=project, model=model, path=path, passages=passages,
                                      root=root)
    return _ENV["env"]


@pytest.fixture(scope="session")
def env(tmp_path_factory) -> SimpleNamespace:
    return scoring_env(tmp_path_factory.mktemp("scoring"))


def documents_frame(env, n: int = 40) -> pd.DataFrame:
    """`n` one-paragraph documents with metadata, from the corpus passages."""
    p = env.passages[~env.passages["is_boilerplate"]].head(n)
    return pd.DataFrame({"text": p["text"].to_numpy(), "outlet": p["outlet"].fillna("").to_numpy(),
                         "date": p["date"].fillna("").to_numpy(), "section": "opinion"})


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(path, index=False, row_group_size=7)
    return path


def read_output(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    return pd.read_json(path, lines=True, dtype=False)


# -- the output contract -------------------------------------------------------------------------------

def test_score_frame_follows_the_output_contract(env):
    frame = env.passages.head(60)
    out = score_frame(env.model, frame, codebook=CODEBOOK, with_text=True)
    assert len(out) == len(frame)
    cols = list(out.columns)
    assert cols[:7] == ["doc_id", "passage_id", "outlet", "author", "date", "title", "url"]
    first_pred = cols.index("posture")
    assert cols[first_pred - 2:first_pred] == ["is_boilerplate", "text"]
    expected = []
    for d in CODEBOOK.dimensions:
        expected += [d.name] + [f"{d.name}:{v}" for v in d.value_names if v in env.model.classes_[d.name]]
    assert cols[first_pred:] == expected
    labels = env.model.predict(frame["text"].tolist())
    for d in CODEBOOK.dimensions:
        probs = out[[c for c in cols if c.startswith(d.name + ":")]].to_numpy()
        assert ((probs >= 0) & (probs <= 1)).all()
        if d.multi:
            assert out[d.name].tolist() == [";".join(v) for v in labels[d.name]]
        else:
            assert np.allclose(probs.sum(axis=1), 1.0)
            assert out[d.name].tolist() == labels[d.name].tolist()
    assert out["passage_id"].tolist() == frame["passage_id"].tolist()


def test_one_vectorisation_per_batch_serves_every_dimension(env, tmp_path, monkeypatch):
    calls = []
    original = env.model.transform
    monkeypatch.setattr(env.model, "transform", lambda texts, *a: calls.append(len(texts)) or original(texts))
    src = write_table(documents_frame(env, 45), tmp_path / "in.csv")
    batches = list(score_files([src], env.model, batch_size=20))
    assert [len(b) for b in batches] == [20, 20, 5]
    assert calls == [20, 20, 5]  # one transform per batch, for all five dimensions


def test_terms_column_names_contributing_terms(env):
    out = score_frame(env.model, env.passages.head(5), terms=3, codebook=CODEBOOK)
    assert "posture:terms" in out.columns
    assert all(0 < len(t.split("; ")) <= 3 for t in out["posture:terms"] if t)


# -- every input kind -----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tables_score_like_the_same_rows_in_memory(env, tmp_path, suffix):
    docs = documents_frame(env)
    src = write_table(docs, tmp_path / f"in{suffix}")
    out = tmp_path / "out.parquet"
    summary = score_to_file([src], out, env.model, codebook=CODEBOOK, batch_size=16)
    got = read_output(out)
    assert summary.passages == len(got) == len(docs)
    assert got["section"].tolist() == ["opinion"] * len(docs)
    assert got["source"].iloc[2] == f"{src}:{4 if suffix == '.csv' else 3}"  # a CSV's line, after the header
    ref = score_frame(env.model, docs, codebook=CODEBOOK)
    pred_cols = [c for c in ref.columns if c.split(":")[0] in CODEBOOK.dimension_names]
    pd.testing.assert_frame_equal(got[pred_cols], ref[pred_cols])


def test_a_folder_of_text_files_gives_the_passages_ingest_gives(env, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i, text in enumerate(env.passages.groupby("doc_id", sort=False)["text"].apply("\n\n".join).head(3)):
        (folder / f"a{i}.txt").write_text(text, encoding="utf-8")
    (folder / "b.md").write_text("---\nauthor: Jane Roe\n---\n# Title\n\nWe should talk to Tehran.\n",
                                 encoding="utf-8")
    out = tmp_path / "out.csv"
    score_to_file([folder], out, env.model, codebook=CODEBOOK, with_text=True)
    got = read_output(out)
    expected = [p.id for f in sorted(folder.iterdir()) for doc in read_path(f) for p in doc.passages]
    assert got["passage_id"].tolist() == expected
    assert got.loc[got["source"].str.endswith("b.md"), "author"].unique().tolist() == ["Jane Roe"]


def test_stdin_text_lines_and_jsonl(env, tmp_path):
    runner = CliRunner()
    lines = "We must pull our troops out of Syria.\n\nThe strikes should expand to Iran.\n"
    out = tmp_path / "lines.jsonl"
    result = runner.invoke(main, ["score", "-", "--model", str(env.path), "-o", str(out), "-q"], input=lines)
    assert result.exit_code == 0, result.output
    got = read_output(out)
    assert got["source"].tolist() == ["<stdin>:1", "<stdin>:3"]
    ref = score_frame(env.model, pd.DataFrame({"text": [line for line in lines.splitlines() if line]}))
    assert got["posture:restraint"].tolist() == pytest.approx(ref["posture:restraint"].tolist())

    rows = "".join(json.dumps({"body": t, "outlet": "X"}) + "\n" for t in ["Talks now.", "Send more tanks."])
    out = tmp_path / "rows.csv"
    result = runner.invoke(main, ["score", "-", "--model", str(env.path), "--text-col", "body", "-o", str(out),
                                  "-q"], input=rows)
    assert result.exit_code == 0, result.output
    assert read_output(out)["outlet"].tolist() == ["X", "X"]


# -- document level ------------------------------------------------------------------------------------

def test_document_level_matches_a_hand_computation():
    f = pd.DataFrame([
        # doc A: a claim, a background passage (left out of the index) and a boilerplate line
        ("A", "a1", False, "restraint", 0.7, 0.1, "claim", "iran;iraq-syria"),
        ("A", "a2", False, "escalation", 0.2, 0.6, "background", "iran"),
        ("A", "a3", True, "neutral", 0.1, 0.1, "other", ""),
        # doc B: one recommendation
        ("B", "b1", False, "neutral", 0.3, 0.5, "recommendation", "other"),
        # doc C: background only: no argumentative passage, so no index
        ("C", "c1", False, "neutral", 0.2, 0.2, "background", "other"),
    ], columns=["doc_id", "passage_id", "is_boilerplate", "posture", "posture:restraint",
                "posture:escalation", "role", "topic"])
    f.insert(1, "outlet", ["o1", "o1", "o1", "o2", "o3"])
    out = document_level(f, CODEBOOK).set_index("doc_id")
    assert out.loc["A", "outlet"] == "o1"
    assert out["n_passages"].tolist() == [3, 1, 1]
    assert out["n_boilerplate"].tolist() == [1, 0, 0]
    # shares are over the non-boilerplate passages: A has two
    assert out.loc["A", "posture:share:restraint"] == 0.5
    assert out.loc["A", "posture:share:escalation"] == 0.5
    assert out.loc["A", "posture:share:neutral"] == 0.0
    assert out.loc["A", "role:share:background"] == 0.5
    assert out.loc["A", "topic:share:iran"] == 1.0  # multi-valued: both passages include iran
    assert out.loc["A", "topic:share:iraq-syria"] == 0.5
    assert out.loc["B", "topic:share:other"] == 1.0
    # restraint index: mean P(restraint) - P(escalation) over argumentative passages
    assert out.loc["A", "restraint_index"] == pytest.approx(0.7 - 0.1)
    assert out.loc["B", "restraint_index"] == pytest.approx(0.3 - 0.5)
    assert out["restraint_index_n"].tolist() == [1, 1, 0]
    assert np.isnan(out.loc["C", "restraint_index"])
    assert [c for c in out.columns if c.startswith("voice")] == []  # not scored, not reported


def test_document_level_carries_the_codebook_s_own_index():
    from stance.codebook import parse_codebook

    tone = """
name: tone
version: "1"
dimensions:
  - name: tone
    question: Force or talks?
    values: [{name: hawk, key: h, definition: Force.}, {name: dove, key: d, definition: Talks.}]
"""
    frame = pd.DataFrame({"doc_id": ["A", "A", "B"], "is_boilerplate": [False, False, False],
                          "tone": ["hawk", "dove", "hawk"], "tone:hawk": [0.9, 0.3, 0.6], "tone:dove": [0.1, 0.7, 0.4]})
    own = parse_codebook(tone + "analysis:\n  index: {name: hawk_score, dimension: tone, positive: hawk, "
                                "negative: dove}\n")
    out = document_level(frame, own).set_index("doc_id")
    assert out.loc["A", "hawk_score"] == pytest.approx(((0.9 - 0.1) + (0.3 - 0.7)) / 2)
    assert out["hawk_score_n"].tolist() == [2, 1] and "restraint_index" not in out.columns
    plain = document_level(frame, parse_codebook(tone)).set_index("doc_id")  # no index defined: no index columns
    assert plain.loc["A", "tone:share:hawk"] == 0.5 and not [c for c in plain.columns if "index" in c]


def test_document_level_names_what_a_custom_codebook_lacks():
    custom = dataclasses.replace(CODEBOOK, dimensions=tuple(d for d in CODEBOOK.dimensions if d.name != "posture"))
    frame = pd.DataFrame({"doc_id": ["A"], "is_boilerplate": [False]})
    with pytest.raises(CodebookError, match=r"no dimension 'posture'.*restraint index"):
        document_level(frame, custom)


def test_document_level_output_from_the_command(env, tmp_path):
    src = write_table(documents_frame(env, 30), tmp_path / "in.parquet")
    out = tmp_path / "docs.csv"
    result = CliRunner().invoke(main, ["score", str(src), "--model", str(env.path), "--level", "document",
                                       "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    got = read_output(out)
    assert len(got) == 30 and got["n_passages"].sum() == 30
    assert {"restraint_index", "restraint_index_n", "posture:share:restraint"} <= set(got.columns)


# -- atomic output and errors ------------------------------------------------------------------------------

def test_an_interrupted_run_leaves_no_file_at_the_destination(env, tmp_path):
    src = write_table(documents_frame(env, 40), tmp_path / "in.csv")
    out = tmp_path / "out" / "scores.parquet"
    seen = []

    def interrupt(n):
        partial = [p for p in out.parent.iterdir() if p.name.endswith(".partial")]
        seen.append(sum(p.stat().st_size for p in partial))
        if len(seen) == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run

    with pytest.raises(KeyboardInterrupt):
        score_to_file([src], out, env.model, batch_size=10, progress=interrupt)
    assert seen[-1] > 0  # rows had been written to the temporary file...
    assert list(out.parent.iterdir()) == []  # ...which is gone, and nothing is at the destination

    out.write_bytes(b"an earlier complete file")
    with pytest.raises(KeyboardInterrupt):
        seen.clear()
        score_to_file([src], out, env.model, batch_size=10, progress=interrupt)
    assert out.read_bytes() == b"an earlier complete file"
    assert [p.name for p in out.parent.iterdir()] == ["scores.parquet"]


def test_a_missing_text_column_stops_before_any_work(env, tmp_path):
    good = write_table(documents_frame(env, 5), tmp_path / "a.csv")
    bad = write_table(documents_frame(env, 5).rename(columns={"text": "body"}), tmp_path / "b.jsonl")
    calls = []
    with pytest.raises(InputError, match=r"b.jsonl: no column 'text'; columns are: body, outlet, date, "
                                         r"section. Use --text-col body"):
        score_to_file([good, bad], tmp_path / "out.csv", env.model, progress=calls.append)
    assert calls == [] and not (tmp_path / "out.csv").exists()
    result = CliRunner().invoke(main, ["score", str(good), "--model", str(env.path), "--text-col", "body",
                                       "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 1
    assert "a.csv: no column 'body'; columns are: text, outlet, date, section. Use --text-col text" in result.output


def test_unreadable_files_stop_the_run_or_are_named_and_skipped(env, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_table(documents_frame(env, 12), folder / "a.csv")
    (folder / "b.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "c.txt").write_bytes(b"\x00\x01binary\x00")
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError, match=r"b.parquet: not a readable Parquet file"):
        score_to_file([folder], out, env.model)
    write_table(documents_frame(env, 12), folder / "b.parquet")
    with pytest.raises(InputError, match=r"c.txt: looks like a binary file"):  # found mid-run
        score_to_file([folder], out, env.model, batch_size=5)
    assert not out.exists()

    (folder / "b.parquet").write_bytes(b"PAR1 this is not parquet")
    result = CliRunner().invoke(main, ["score", str(folder), "--model", str(env.path), "--on-error", "skip",
                                       "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert f"skipped {folder / 'b.parquet'}: not a readable Parquet file" in result.output
    assert f"skipped {folder / 'c.txt'}: looks like a binary file" in result.output
    assert len(pd.read_parquet(out)) == 12


def test_input_without_any_text_gives_an_empty_output_with_the_columns(env, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("text,outlet\n,X\n  ,Y\n", encoding="utf-8")
    skipped = []
    summary = score_to_file([src], tmp_path / "out.parquet", env.model, on_skip=lambda w, why: skipped.append(w))
    got = pd.read_parquet(tmp_path / "out.parquet")
    assert summary.passages == 0 and len(got) == 0 and skipped == [f"{src}: line 2", f"{src}: line 3"]
    assert {"doc_id", "passage_id", "outlet", "posture", "posture:restraint"} <= set(got.columns)


# -- the project's own passages --------------------------------------------------------------------------------

def test_score_project_stores_predictions_and_reads_them_back(env, tmp_path):
    project = Project.init(tmp_path / "p")
    load_into(project)
    for d in env.model.dimensions_:
        project.add_model(d, env.path, str(env.model.codebook_version_))
    result = CliRunner().invoke(main, ["score", "--project", str(project.path), "-q"])
    assert result.exit_code == 0, result.output
    n = len(project.passages_frame())
    assert f"Stored predictions for {n} passages" in result.output
    assert project.status().predictions == n * len(env.model.dimensions_)
    score_project(project)  # the same models again: replaced, not added
    assert project.status().predictions == n * len(env.model.dimensions_)

    stored = project_predictions(project, include_examples=True)
    direct = score_frame(env.model, project.passages_frame(), codebook=project.codebook)
    assert stored["passage_id"].tolist() == direct["passage_id"].tolist()
    assert list(stored.columns[:7]) == list(direct.columns[:7])
    pred_cols = [c for c in direct.columns if c.split(":")[0] in CODEBOOK.dimension_names]
    assert [c for c in stored.columns if c in pred_cols] == pred_cols
    pd.testing.assert_frame_equal(stored[pred_cols], direct[pred_cols], check_exact=False, rtol=1e-12)
    real = project_predictions(project)
    assert len(real) == (~project.passages_frame()["is_example"]).sum()


def test_jobs_give_the_same_scores_as_one_process(env, tmp_path):
    src = write_table(documents_frame(env, 60), tmp_path / "in.jsonl")
    one = score_to_file([src], tmp_path / "one.parquet", env.model, batch_size=15)
    two = score_to_file([src], tmp_path / "two.parquet", env.model, batch_size=15, jobs=2)
    assert one.passages == two.passages == 60
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "two.parquet"))


def test_command_help_has_examples_and_usage_errors_are_clear(env, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["score", "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output and "--engine dask" in result.output
    result = runner.invoke(main, ["score", str(tmp_path), "--model", str(env.path)])
    assert result.exit_code == 2 and "give an output file with -o" in result.output
    result = runner.invoke(main, ["score", str(tmp_path / "nope.csv"), "--model", str(env.path), "-o", "x.csv"])
    assert result.exit_code == 1 and "nope.csv: no such file or directory" in result.output


def test_a_model_file_scores_a_project_that_has_no_models_yet(env, tmp_path):
    project = Project.init(tmp_path / "fresh")
    csv = tmp_path / "two.csv"
    csv.write_text("text,outlet\nWithdraw the troops from Syria now.,A\nStrike the depots hard.,B\n", encoding="utf-8")
    CliRunner().invoke(main, ["ingest", str(csv), "--project", str(project.path)])
    result = CliRunner().invoke(main, ["score", "--project", str(project.path), "--model", str(env.path), "-q"])
    assert result.exit_code == 0, result.output
    assert "Stored predictions for 2 passages" in result.output
    assert sorted(project.list_models()["dimension"]) == sorted(env.model.dimensions_)  # registered on use
