"""Group comparisons: interval coverage in simulation, correction for classifier error, the
restraint index, composition and distinctive terms on a hand-checked example."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stance.analysis import (
    ClassifierErrors,
    IndexSpec,
    adjust,
    composition,
    default_index,
    distinctive_terms,
    index_table,
    log_odds,
    period,
    prevalence,
    prevalence_table,
)
from stance.codebook import load_codebook
from stance.errors import InputError

CODEBOOK = load_codebook()
POSTURE = CODEBOOK.dimension("posture").value_names  # values come from the codebook, never typed here


def simulate(rng, groups: dict[str, np.ndarray], docs: int = 40, mean_passages: float = 6.0,
             concentration: float = 5.0, dim: str = "posture", values=POSTURE) -> pd.DataFrame:
    """Passage-level frame in the scoring contract's shape. Each document draws its own shares from
    a Dirichlet around the group's true shares (passages of one article are alike), then labels."""
    rows = []
    for g, shares in groups.items():
        for d in range(docs):
            p = rng.dirichlet(concentration * shares)
            for k in range(rng.poisson(mean_passages) + 1):
                rows.append({"doc_id": f"{g}-{d}", "passage_id": f"{g}-{d}-{k}", "outlet": g,
                             "is_boilerplate": False, dim: values[rng.choice(len(values), p=p)]})
    return pd.DataFrame(rows)


def test_bootstrap_intervals_cover_the_true_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    truth = np.array([0.3, 0.2, 0.4, 0.1])
    reps = 200
    frame = simulate(rng, {f"rep{r:03d}": truth for r in range(reps)}, docs=40)
    table = prevalence(frame, "posture", by="outlet", codebook=CODEBOOK, n_boot=400, random_state=1)
    first = table[table["value"] == POSTURE[0]]
    assert len(first) == reps
    covered = ((first["low"] <= truth[0]) & (truth[0] <= first["high"])).mean()
    assert 0.88 <= covered <= 0.99, covered
    # every value, pooled: same property
    t = table["value"].map(dict(zip(POSTURE, truth, strict=True)))
    pooled = ((table["low"] <= t) & (t <= table["high"])).mean()
    assert 0.88 <= pooled <= 0.99, pooled


def _biased_classifier(rng, true_idx: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted index drawn from column `true` of M; probabilities that lean on the prediction."""
    K = M.shape[0]
    pred = np.array([rng.choice(K, p=M[:, t]) for t in true_idx])
    proba = rng.dirichlet(np.ones(K), size=len(pred)) * 0.4
    proba[np.arange(len(pred)), pred] += 0.6
    return pred, proba


def test_corrected_prevalence_is_closer_to_the_truth_when_the_classifier_is_biased():
    rng = np.random.default_rng(3)
    K = len(POSTURE)
    # A classifier that under-predicts the first value and over-predicts the third
    # (M[i, j] = P(predicted i | true j); columns sum to one).
    M = np.array([[0.55, 0.05, 0.05, 0.05],
                  [0.05, 0.75, 0.10, 0.05],
                  [0.35, 0.15, 0.80, 0.20],
                  [0.05, 0.05, 0.05, 0.70]])
    # calibration: cross-validated predictions on a labelled set with a different prior
    cal_true = rng.choice(K, size=3000, p=[0.25, 0.25, 0.25, 0.25])
    cal_pred, cal_proba = _biased_classifier(rng, cal_true, M)
    errors = ClassifierErrors.from_predictions("posture", [POSTURE[i] for i in cal_true],
                                               [POSTURE[i] for i in cal_pred], POSTURE, cal_proba,
                                               docs=[f"c{i // 10}" for i in range(len(cal_true))])
    # the scored corpus: true shares differ from the calibration set's
    truth = np.array([0.5, 0.1, 0.3, 0.1])
    true_idx = rng.choice(K, size=4000, p=truth)
    pred, proba = _biased_classifier(rng, true_idx, M)
    scores = pd.DataFrame({"doc_id": [f"d{i // 8}" for i in range(len(pred))], "is_boilerplate": False,
                           "outlet": "A", "posture": [POSTURE[i] for i in pred]})
    for j, v in enumerate(POSTURE):
        scores[f"posture:{v}"] = proba[:, j]
    table = prevalence_table(scores, "posture", codebook=CODEBOOK, errors=errors, n_boot=200)
    est = {e: part.set_index("value").loc[POSTURE, "share"].to_numpy() for e, part in table.groupby("estimator")}
    err = {e: np.abs(v - truth).sum() for e, v in est.items()}
    assert err["ACC"] < err["CC"] / 2, err
    assert err["PACC"] < err["PCC"] / 2, err
    assert np.isclose(est["ACC"].sum(), 1.0) and (est["ACC"] >= 0).all()
    acc = table[table["estimator"] == "ACC"].set_index("value")
    assert (acc["low"] <= acc["share"]).all() and (acc["share"] <= acc["high"]).all()
    # the true share lies inside the corrected interval for the distorted value
    assert acc.loc[POSTURE[0], "low"] <= truth[0] <= acc.loc[POSTURE[0], "high"]


def test_adjust_inverts_the_confusion_exactly_and_clips_to_the_simplex():
    M = np.array([[0.8, 0.3], [0.2, 0.7]])
    p = np.array([0.25, 0.75])
    assert np.allclose(adjust(M @ p, M), p)
    # an observed share below the false-positive rate would give a negative share: clipped to 0
    assert np.allclose(adjust(np.array([0.2, 0.8]), M), [0.0, 1.0])
    # stacks of replicates with stacks of matrices
    out = adjust(np.vstack([M @ p, M @ p]), np.stack([M, M]))
    assert np.allclose(out, [p, p])


def test_from_confusion_matches_from_predictions():
    true = ["a", "a", "b", "b", "b"]
    pred = ["a", "b", "b", "b", "a"]
    e1 = ClassifierErrors.from_predictions("d", true, pred, ["a", "b"])
    conf = pd.DataFrame([[1, 1], [1, 2]], index=["a", "b"], columns=["a", "b"])
    e2 = ClassifierErrors.from_confusion("d", conf)
    assert np.allclose(e1.rates(), e2.rates())
    assert np.allclose(e1.rates(), [[0.5, 1 / 3], [0.5, 2 / 3]])


def _tiny() -> pd.DataFrame:
    pos, neg, neu = POSTURE[0], POSTURE[1], POSTURE[2]
    return pd.DataFrame({
        "doc_id": ["d1", "d1", "d2", "d2", "d3", "d3"],
        "passage_id": list("abcdef"),
        "outlet": ["X", "X", "X", "X", "Y", "Y"],
        "date": ["2022-03-01", "2022-03-05", "2023-01-10", "2023-01-10", "2022-07-01", None],
        "is_boilerplate": [False, False, False, True, False, False],
        "posture": [pos, neg, pos, pos, neu, pos],
    })


def test_shares_by_group_with_counts_and_small_flag():
    table = prevalence(_tiny(), "posture", by="outlet", codebook=CODEBOOK, n_boot=200, min_passages=3)
    x = table[table["outlet"] == "X"].set_index("value")
    # boilerplate passage left out: X has 3 passages in 2 documents
    assert x["passages"].iloc[0] == 3 and x["documents"].iloc[0] == 2
    assert math.isclose(x.loc[POSTURE[0], "share"], 2 / 3)
    assert not x["small"].iloc[0]
    y = table[table["outlet"] == "Y"].set_index("value")
    assert y["small"].iloc[0]  # 2 passages < 3: flagged, not dropped
    assert y["low"].isna().all()  # one document: no interval, said as NaN
    assert list(x.index) == POSTURE  # every codebook value, in codebook order, zeros included


def test_restraint_index_from_labels_and_probabilities_per_period():
    spec = default_index(CODEBOOK)
    assert (spec.dimension, spec.positive, spec.negative) == ("posture", POSTURE[0], POSTURE[1])
    frame = _tiny()
    t = index_table(frame, spec, by="outlet", n_boot=100)
    assert math.isclose(t.set_index("outlet").loc["X", "index"], (1 - 1 + 1) / 3)
    frame[f"posture:{POSTURE[0]}"] = [0.6, 0.1, 0.9, 0.0, 0.2, 0.7]
    frame[f"posture:{POSTURE[1]}"] = [0.2, 0.8, 0.0, 0.0, 0.1, 0.1]
    t = index_table(frame, spec, by="outlet", time="year", n_boot=100)
    row = t[(t["outlet"] == "X") & (t["period"] == "2022")].iloc[0]
    assert math.isclose(row["index"], ((0.6 - 0.2) + (0.1 - 0.8)) / 2)
    assert row["passages"] == 2
    assert len(t[t["outlet"] == "Y"]) == 1  # the undated passage is left out of the time table
    # passages predicted as background or boilerplate-like roles are not argumentative: left out
    roles = CODEBOOK.dimension("role").value_names
    assert spec.exclude[0][0] == "role"
    skip = spec.exclude[0][1][0]
    frame["role"] = [roles[0], skip, roles[0], roles[0], roles[0], roles[0]]
    t = index_table(frame, spec, by="outlet", n_boot=100).set_index("outlet")
    assert t.loc["X", "passages"] == 2 and math.isclose(t.loc["X", "index"], ((0.6 - 0.2) + 0.9) / 2)
    with pytest.raises(InputError, match="valid: year"):
        period(frame, "week")


def test_composition_by_voice_and_multi_valued_dimension():
    role = CODEBOOK.dimension("role").value_names
    voice = CODEBOOK.dimension("voice").value_names
    topic = CODEBOOK.dimension("topic").value_names
    frame = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "outlet": "X", "is_boilerplate": False,
                          "role": [role[0], role[1], role[0], role[0]],
                          "voice": [voice[0], voice[1], voice[0], voice[0]],
                          "topic": [f"{topic[0]};{topic[1]}", topic[0], topic[1], topic[0]]})
    t = composition(frame, "role", by="outlet", split="voice", codebook=CODEBOOK, n_boot=50)
    own = t[t["voice"] == voice[0]].set_index("value")
    assert own.loc[role[0], "share"] == 1.0 and own.loc[role[0], "passages"] == 3
    multi = prevalence(frame, "topic", codebook=CODEBOOK, n_boot=50).set_index("value")
    assert multi.loc[topic[0], "share"] == 0.75 and multi.loc[topic[1], "share"] == 0.5


def test_log_odds_with_informative_dirichlet_prior_hand_checked():
    # A: "war war peace"; B: "peace peace talks". Pooled prior scaled to alpha0 = 6 words gives
    # alpha = (war 2, peace 3, talks 1). By hand (Monroe et al. 2008, eq. 16 and 18):
    #   war:   log(4/5) - log(2/7) = log 2.8 = 1.0296;  var = 1/4 + 1/2 = 0.75; z = 1.1889
    #   peace: log(4/5) - log(5/4) = -0.4463;           var = 1/4 + 1/5 = 0.45; z = -0.6653
    #   talks: log(1/8) - log(2/7) = log(7/16) = -0.8267; var = 1 + 1/2 = 1.5;  z = -0.6750
    frame = pd.DataFrame({"doc_id": ["1", "2"], "outlet": ["A", "B"],
                          "text": ["war war peace", "peace peace talks"]})
    t = distinctive_terms(frame, "outlet", "A", "B", alpha0=6, stop_words=None, min_count=1)
    got = t.set_index("term")
    assert list(t[t["side"] == "a"]["term"]) == ["war"]
    assert list(t[t["side"] == "b"]["term"]) == ["talks", "peace"]  # most distinctive first
    assert got.loc["war", "delta"] == pytest.approx(1.0296, abs=1e-4)
    assert got.loc["war", "z"] == pytest.approx(1.1889, abs=1e-4)
    assert got.loc["peace", "z"] == pytest.approx(-0.6653, abs=1e-4)
    assert got.loc["talks", "z"] == pytest.approx(-0.6750, abs=1e-4)
    assert got.loc["war", "count_a"] == 2 and got.loc["peace", "count_b"] == 2
    delta, _z = log_odds([2, 1, 0], [0, 2, 1], alpha0=6)
    assert np.allclose(delta, got.loc[["war", "peace", "talks"], "delta"])


def test_distinctive_terms_between_two_stances_and_empty_input():
    pos, neg = POSTURE[0], POSTURE[1]
    frame = pd.DataFrame({"doc_id": list("abcd"), "posture": [pos, pos, neg, neg],
                          "text": ["negotiate a ceasefire now", "diplomacy and a ceasefire",
                                   "send more missiles", "strike back with missiles"]})
    t = distinctive_terms(frame, "posture", pos, neg, min_count=1)
    assert t[t["side"] == "a"]["term"].iloc[0] == "ceasefire"
    assert t[t["side"] == "b"]["term"].iloc[0] == "missiles"
    empty = distinctive_terms(frame.iloc[0:0], "posture", pos, neg)
    assert empty.empty and "z" in empty.columns


def test_clear_errors():
    frame = _tiny()
    with pytest.raises(InputError, match="valid: CC, PCC, ACC, PACC"):
        prevalence(frame, "posture", estimator="magic")
    with pytest.raises(InputError, match="no column 'country'"):
        prevalence(frame, "posture", by="country")
    with pytest.raises(InputError, match="needs the classifier"):
        prevalence(frame, "posture", estimator="ACC")
    with pytest.raises(InputError, match="probability columns"):
        prevalence(frame, "posture", estimator="PCC")
    assert isinstance(IndexSpec("posture", POSTURE[0], POSTURE[1]).definition, str)
