"""Figures per genre and across genres on the embedded corpus (US speeches and the seed; UN needs ../shared)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from stance.corpus import load_into, read_jsonl
from stance.corpus_genres import (
    EXAMPLES_GENRE,
    cross_genre,
    cv_by_genre,
    figures_table,
    genre_of,
    markdown_table,
    trained_on,
)
from stance.models import evaluate, save_model, train
from stance.models.card import add_card_section, card_paths
from stance.real_corpus import load_real_into, real_dir
from stance.store import Project


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    """The seed, the written examples and the US speeches (no UN: that part needs ../shared)."""
    path = tmp_path_factory.mktemp("genres") / "p"
    project = Project.init(path)
    load_into(project)
    load_real_into(project, shared=path / "no-shared")
    out = project.gold_frame(include_examples=True)
    project.close()
    return out


def test_genres_and_counts_of_the_embedded_corpus(frame):
    counts = trained_on(frame)
    assert counts["speeches"] == {"passages": 946, "documents": 66}
    assert counts["seed op-eds"] == {"passages": 54, "documents": 4}
    assert counts[EXAMPLES_GENRE]["passages"] == 330
    assert list(counts)[-1] == EXAMPLES_GENRE and "UN statements" not in counts


def test_cross_genre_scores_the_model_and_both_constant_answers_on_the_test_genre(frame):
    figures = cross_genre(frame, frame_codebook(), ["seed op-eds"], ["speeches"], n_boot=50)
    by_dim = {f.dimension: f for f in figures}
    assert set(by_dim) == {"posture", "intervention", "role", "voice", "topic"}
    rows = read_jsonl(real_dir() / "us_passages.jsonl")
    for dim in ("posture", "intervention", "role", "voice"):
        f = by_dim[dim]
        assert (f.passages, f.documents, f.tested_on) == (946, 66, "speeches")
        share = Counter(r[dim] for r in rows).most_common(1)[0][1] / len(rows)
        assert f.test_majority["accuracy"]["value"] == pytest.approx(share)  # the genre's own most common value
        seed = Counter(g for g in frame.loc[genre_of(frame).eq("seed op-eds"), dim])
        top = seed.most_common(1)[0][0]
        assert f.train_majority["accuracy"]["value"] == pytest.approx(sum(r[dim] == top for r in rows) / len(rows))
        assert f.model["accuracy"]["low"] <= f.model["accuracy"]["value"] <= f.model["accuracy"]["high"]
    # 54 passages of news and op-eds say little about speeches: the table says where it loses
    table = figures_table(figures)
    posture = table[table["dimension"] == "posture"].iloc[0]
    lost = by_dim["posture"].loses("accuracy")
    assert ("test" in posture["model below a constant answer on"]) == ("test majority" in lost)
    assert "micro-F1" in table[table["dimension"] == "topic"].iloc[0]["accuracy"]
    assert markdown_table(table).count("\n") == len(table) + 1


def test_cv_by_genre_splits_the_out_of_fold_predictions(frame):
    codebook = frame_codebook()
    part = frame[genre_of(frame).isin(["seed op-eds", "speeches"])]
    evaluation = evaluate(part, codebook=codebook, dimensions=["voice"], n_boot=50, learning_curve=False)
    ev = evaluation.dimensions["voice"]
    figures = cv_by_genre(evaluation, frame, codebook, n_boot=50)
    assert sorted(f.tested_on for f in figures) == ["seed op-eds", "speeches"]
    assert sum(f.passages for f in figures) == ev.passages
    genre = dict(zip(frame["passage_id"], genre_of(frame), strict=True))
    preds = ev.predictions
    for f in figures:
        mine = preds[preds["passage_id"].map(genre).eq(f.tested_on)]
        assert f.model["accuracy"]["value"] == pytest.approx((mine["true"] == mine["predicted"]).mean())


def test_card_section_is_kept_in_both_cards(frame, tmp_path):
    part = frame[genre_of(frame).eq("seed op-eds")]
    model = train(part, codebook=frame_codebook(), dimensions=["voice"])
    path = tmp_path / "m.skops"
    save_model(model, path)
    add_card_section(path, "Genres", "| a | b |\n|---|---|\n| 1 | 2 |", {"trained_on": {"seed op-eds": 54}})
    add_card_section(path, "Genres", "replaced", {"x": 1})
    jpath, mpath = card_paths(path)
    card = json.loads(jpath.read_text(encoding="utf-8"))
    assert [s["title"] for s in card["sections"]] == ["Genres"] and card["sections"][0]["data"] == {"x": 1}
    assert mpath.read_text(encoding="utf-8").rstrip().endswith("## Genres\n\nreplaced")


def frame_codebook():
    from stance.codebook import load_codebook

    return load_codebook()


def test_the_benchmarks_page_states_the_genres_the_figures_were_measured_on(frame):
    """docs/benchmarks.md's stock-model section names the sizes of the corpus it measured: kept in step."""
    from conftest import REPO

    text = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    section = " ".join(text.split("## The stock model per genre")[1].split("\n## ")[0].split())
    speeches = trained_on(frame)["speeches"]
    un = read_jsonl(real_dir() / "un_standoff.jsonl")
    assert f"**US presidential speeches** ({speeches['passages']} passages, {speeches['documents']} speeches)" in section
    assert f"({len(un)} passages, {len({r['statement_id'] for r in un})} statements;" in section
    assert f"| posture | {speeches['passages']} (" in section  # the tables too
