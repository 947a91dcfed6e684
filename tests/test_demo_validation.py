"""The demo's validation stage: a validation sample of the real US speeches, labelled with the readers'
gold labels, held out of training and weighted to stand for every speech passage; the demo's report
then gives prediction-powered shares for the speeches and says so."""

from __future__ import annotations

import pytest

from stance.demo import run_demo
from stance.models.data import gold_data
from stance.store.validation import current_sample
from stance.validation.project import validation_labels

SPEECHES = "US presidential speeches (Miller Center)"


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    """The demo's first two stages (the US speeches ship with their text; the UN part is left out here)."""
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("STANCE_SHARED", "/nonexistent")
        project = run_demo(tmp_path_factory.mktemp("demo") / "p", stages=("load", "validate"), echo=lines.append)
    assert any("validation sample of 300 US speech passages" in line for line in lines)
    meta, sample = current_sample(project.conn)
    assert meta is not None and meta["by_column"] == "president"
    return project, sample


def test_the_sample_is_read_speech_passages_labelled_with_the_readers_gold(speeches):
    project, sample = speeches
    labels = validation_labels(project)
    assert len(labels.frame) == 300
    for dim in ("posture", "intervention", "role", "voice", "topic"):
        assert labels.labelled(dim) == 300  # every sampled passage carries its gold label
    counts = sample["stratum"].value_counts()
    assert set(counts.index) == {"Donald Trump", "Joe Biden"} and counts.min() >= 30
    gold = {r["passage_id"]: r for r in project.conn.execute(
        "SELECT passage_id, method, decided_by FROM gold_labels WHERE dimension = 'posture'")}
    methods = {gold[p]["method"] for p in sample["passage_id"]}
    assert methods <= {"unanimous", "adjudicated", "single"}  # the readers' recorded provenance, kept
    deciders = {who for p in sample["passage_id"] for who in gold[p]["decided_by"].split(",")}
    assert deciders <= {"reader-a", "reader-b", "adjudicator-c"}  # people, never a script or a model


def test_the_weights_make_the_sample_stand_for_every_speech_passage(speeches):
    project, sample = speeches
    passages = project.passages_frame(include_examples=False)
    us = passages[passages["outlet"].eq(SPEECHES) & ~passages["is_boilerplate"]]
    represented = (1.0 / sample["inclusion_prob"]).sum()  # Horvitz-Thompson count of the population
    assert abs(represented - len(us)) / len(us) < 0.15
    assert (1.0 / sample["inclusion_prob"]).sum() > 5 * len(sample)  # not just the 858 passages read


def test_the_sample_is_held_out_of_training(speeches):
    project, sample = speeches
    data = gold_data(project, include_examples=True)
    assert data.validation_held_out == 300
    assert not data.frame["passage_id"].isin(sample["passage_id"]).any()


def test_top_up_passages_are_never_drawn(speeches):
    """The top-up passages were chosen by a filter for rare values, not at random: never in the sample."""
    from stance.corpus import read_jsonl
    from stance.real_corpus import real_dir

    _project, sample = speeches
    rows = read_jsonl(real_dir() / "us_passages.jsonl")
    topup = {r["passage_id"] for r in rows if r.get("sample") == "topup"}
    assert len(topup) == 88 and not sample["passage_id"].isin(topup).any()
