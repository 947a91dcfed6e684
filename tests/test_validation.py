"""Validation core: samples drawn at random with their inclusion probabilities, figures on the target
corpus beside the majority baseline, prediction-powered shares that cover the truth where a biased
classifier's naive shares miss it, groups without enough labels said as such, and transfer checks of a
model trained on op-eds reading presidential speeches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stance.errors import InputError
from stance.validation import (
    draw_sample,
    multi_target_figures,
    ppi_index,
    ppi_mean,
    ppi_shares,
    target_figures,
    unvalidated_groups,
)
from stance.validation.simulation import TRUE_SHARES, VALUES, biased_corpus, coverage_run, true_shares


def passages(n_groups: int = 3, per_group: int = 50, boilerplate_every: int = 10) -> pd.DataFrame:
    rows = []
    for g in range(n_groups):
        for i in range((g + 1) * per_group):
            rows.append({"passage_id": f"g{g}-{i:04d}", "doc_id": f"g{g}-d{i // 5}", "outlet": f"outlet{g}",
                         "is_boilerplate": i % boilerplate_every == 0, "is_example": False})
    return pd.DataFrame(rows)


# -- samples ---------------------------------------------------------------------------------------

def test_uniform_sample_is_seeded_skips_boilerplate_and_records_inclusion_probability():
    frame = passages()
    a = draw_sample(frame, 40, seed=7)
    b = draw_sample(frame.sample(frac=1, random_state=1), 40, seed=7)  # storage order does not matter
    assert list(a["passage_id"]) == list(b["passage_id"])
    assert list(draw_sample(frame, 40, seed=8)["passage_id"]) != list(a["passage_id"])
    assert a["passage_id"].is_unique and len(a) == 40
    content = frame[~frame["is_boilerplate"]]
    assert set(a["passage_id"]) <= set(content["passage_id"])
    assert np.allclose(a["inclusion_prob"], 40 / len(content))
    assert sorted(a["draw_order"]) == list(range(40))


def test_stratified_sample_gives_every_group_labels_and_its_own_probability():
    frame = passages(per_group=100)  # groups of 90, 180, 270 non-boilerplate passages
    sample = draw_sample(frame, 30, by="outlet", seed=3, floor=10)
    counts = sample.groupby("stratum").size()
    assert counts.to_dict() == {"outlet0": 10, "outlet1": 10, "outlet2": 10}
    probs = sample.groupby("stratum")["inclusion_prob"].first()
    assert probs["outlet0"] == pytest.approx(10 / 90) and probs["outlet2"] == pytest.approx(10 / 270)
    bigger = draw_sample(frame, 120, by="outlet", seed=3, floor=10)
    counts = bigger.groupby("stratum").size()
    assert counts.sum() == 120 and counts["outlet0"] < counts["outlet1"] < counts["outlet2"]  # proportional rest


def test_a_sample_larger_than_the_corpus_is_refused_in_one_line():
    frame = passages(n_groups=1, per_group=20)  # 18 non-boilerplate passages
    with pytest.raises(InputError, match=r"larger than the corpus: it has 18 passages .*-n 18") as exc:
        draw_sample(frame, 19)
    assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match="no column 'author' to stratify by"):
        draw_sample(frame, 5, by="author")


# -- figures on the target corpus --------------------------------------------------------------------

def test_a_model_worse_than_always_neutral_is_called_so():
    classes = ["restraint", "escalation", "neutral"]
    rng = np.random.default_rng(0)
    true = rng.choice(classes, size=200, p=[0.2, 0.2, 0.6])
    pred = np.where(rng.random(200) < 0.7, "restraint", true)  # calls most of everything restraint
    proba = np.array([[0.8 if c == p else 0.1 for c in classes] for p in pred])
    fig = target_figures("posture", true, pred, proba, classes, n_boot=300)
    assert fig.majority == "neutral"
    assert fig.baseline["accuracy"]["value"] == pytest.approx(np.mean(true == "neutral"))
    assert fig.metrics["accuracy"]["value"] == pytest.approx(np.mean(true == pred))
    assert fig.metrics["accuracy"]["value"] < fig.baseline["accuracy"]["value"]
    assert "WORSE than always choosing 'neutral'" in fig.verdict and not fig.better_than_baseline
    acc = fig.metrics["accuracy"]
    assert acc["low"] < acc["value"] < acc["high"]
    recall = fig.per_class.set_index("value")["recall"]
    assert recall["restraint"] == pytest.approx(1.0)
    assert fig.confusion.loc["neutral", "restraint"] == ((true == "neutral") & (pred == "restraint")).sum()
    assert any("Brier" in w for w in fig.warnings)


def test_a_good_model_beats_the_baseline_and_weights_follow_the_design():
    classes = ["a", "b"]
    true = np.array(["a"] * 60 + ["b"] * 40)
    pred = true.copy()
    pred[:5] = "b"
    proba = np.array([[0.9, 0.1] if p == "a" else [0.1, 0.9] for p in pred])
    fig = target_figures("d", true, pred, proba, classes, n_boot=300)
    assert fig.better_than_baseline and "beats always choosing 'a'" in fig.verdict
    # the 'b' passages stand for 4 times as many corpus passages: the corpus is mostly 'b'
    w = np.where(true == "b", 4.0, 1.0)
    weighted = target_figures("d", true, pred, proba, classes, weights=w, strata=true, n_boot=300)
    assert weighted.majority == "b"
    assert weighted.metrics["accuracy"]["value"] == pytest.approx(1 - 5 / (60 + 160))


def test_a_multi_valued_dimension_gets_exact_match_accuracy_beside_the_most_common_set():
    classes = ["iran", "china", "other"]
    rng = np.random.default_rng(1)
    true = [["other"]] * 60 + [["iran"]] * 25 + [["iran", "china"]] * 15
    predicted = [list(t) for t in true]
    for i in range(0, 100, 3):  # every third passage: the model adds "china"
        predicted[i] = sorted(set(predicted[i]) | {"china"})
    proba = np.array([[0.9 if c in p else 0.1 for c in classes] for p in predicted])
    order = rng.permutation(100)
    true, predicted, proba = [true[i] for i in order], [";".join(predicted[i]) for i in order], proba[order]
    fig = multi_target_figures("topic", true, predicted, proba, classes, n_boot=300)
    exact = np.mean([set(t) == set(p.split(";")) for t, p in zip(true, predicted, strict=True)])
    assert fig.multi and fig.majority == "other"
    assert fig.metrics["accuracy"]["value"] == pytest.approx(exact)
    assert fig.baseline["accuracy"]["value"] == pytest.approx(0.60)
    assert "exact-match accuracy" in fig.verdict and "always choosing the set 'other'" in fig.verdict
    per_value = fig.per_class.set_index("value")
    assert per_value.loc["iran", "recall"] == pytest.approx(1.0) and per_value.loc["china", "precision"] < 0.5
    assert fig.confusion.loc["china", "model only"] == sum("china" in p and "china" not in t
                                                           for t, p in zip(true, predicted, strict=True))
    assert fig.metrics["accuracy"]["low"] < fig.metrics["accuracy"]["value"] < fig.metrics["accuracy"]["high"]


def test_labels_outside_the_codebook_are_named():
    with pytest.raises(InputError, match="'hawk' are not values of the dimension"):
        target_figures("posture", ["hawk"], ["neutral"], np.array([[1.0, 0.0]]), ["neutral", "restraint"])


# -- prediction-powered shares ------------------------------------------------------------------------

def test_biased_classifier_naive_shares_miss_and_prediction_powered_intervals_cover():
    corpus = biased_corpus(passages_per_group=1500, seed=11)
    truth = true_shares(corpus).set_index(["group", "value"])["truth_share"]
    runs = pd.concat([coverage_run(corpus, 240, seed=s) for s in range(25)], ignore_index=True)
    # the naive share of restraint is far too high in every group
    first = runs.drop_duplicates(["group", "value"]).set_index(["group", "value"])
    for g in TRUE_SHARES:
        assert first.loc[(g, "restraint"), "naive"] - truth[(g, "restraint")] > 0.12
    assert runs["validated"].all() and (runs["estimator"] == "PPI").all()
    coverage = runs["covered"].mean()
    assert coverage >= 0.88, f"prediction-powered intervals covered the truth in only {coverage:.0%}"
    naive_hits = (runs["naive_error"].abs() < 0.02).mean()
    assert naive_hits < 0.5


def test_a_useless_model_gives_wide_honest_intervals_not_findings():
    rng = np.random.default_rng(2)
    y = rng.random(12) < 0.5
    est = ppi_mean(y, rng.random(12), rng.random(3000))
    assert est.low <= y.mean() <= est.high
    assert est.high - est.low > 0.5  # twelve labels and no help from the model: cannot be pinned down
    corpus = biased_corpus(passages_per_group=300, seed=1)
    labels = corpus[["passage_id", "truth"]].rename(columns={"truth": "posture"}).sample(12, random_state=0)
    labels["inclusion_prob"] = 12 / len(corpus)
    table = ppi_shares(corpus, labels, "posture", min_labels=10)
    assert not table["identifiable"].all()


def test_groups_with_too_few_labels_are_naive_and_unvalidated():
    corpus = biased_corpus(passages_per_group=400, seed=4)
    sample = draw_sample(corpus, 60, by="group", seed=1, floor=10)
    sample = sample[~((sample["stratum"] == "C") & (sample["draw_order"] > 5))]  # C: few labels
    labels = sample.merge(corpus[["passage_id", "truth"]], on="passage_id").rename(columns={"truth": "posture"})
    table = ppi_shares(corpus, labels, "posture", by="group", min_labels=10)
    c = table[table["group"] == "C"]
    assert (~c["validated"]).all() and (c["estimator"] == "naive").all() and c["low"].isna().all()
    assert (c["share"] == c["naive"]).all()
    assert unvalidated_groups(table, "group") == ["C"]
    assert table.loc[table["group"] != "C", "validated"].all()


def test_index_per_group_and_period_covers_the_true_index():
    corpus = biased_corpus(passages_per_group=1500, seed=5)
    corpus["date"] = np.where(np.arange(len(corpus)) % 2 == 0, "2021-03-01", "2022-06-01")
    from stance.analysis import IndexSpec

    spec = IndexSpec("posture", "restraint", "escalation")
    truth = corpus.assign(h=(corpus["truth"] == "restraint").astype(int) - (corpus["truth"] == "escalation"))
    true_index = truth.groupby("group")["h"].mean()
    hits = []
    for seed in range(10):
        sample = draw_sample(corpus, 240, by="group", seed=seed)
        labels = sample.merge(corpus[["passage_id", "truth"]], on="passage_id").rename(
            columns={"truth": "posture"})
        table = ppi_index(corpus, labels, spec, by="group").set_index("group")
        hits += [(table.loc[g, "low"] <= true_index[g] <= table.loc[g, "high"]) for g in TRUE_SHARES]
        trend = ppi_index(corpus, labels, spec, by="group", time="year", min_labels=20)
        assert set(trend["period"]) == {"2021", "2022"} and trend["validated"].all()
    assert np.mean(hits) >= 0.85
    assert (table["naive"] - true_index).abs()[["A", "C"]].min() > 0.2  # the naive index is far off


def test_values_of_the_simulation_are_the_codebook_posture_values():
    from stance.codebook import load_codebook

    assert set(VALUES) <= set(load_codebook().dimension("posture").value_names)
