"""The document bootstrap's resampling weights: drawn as tallies of uniform indices, they must follow
the same Multinomial(D, 1/D) distribution as numpy's `multinomial`, so that intervals keep their
meaning, and point estimates must not depend on them at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from stance.analysis import prevalence
from stance.bootstrap import DocumentBootstrap, percentile_interval, ratio_replicates, resample_counts
from stance.codebook import load_codebook

CODEBOOK = load_codebook()
POSTURE = CODEBOOK.dimension("posture").value_names


def test_every_replicate_draws_as_many_documents_as_there_are():
    W = resample_counts(37, 500, np.random.default_rng(0))
    assert W.shape == (500, 37)
    assert (W.sum(axis=1) == 37).all()
    assert (W >= 0).all() and np.array_equal(W, np.round(W))


def test_weights_follow_the_multinomial_mean_variance_and_covariance():
    D, B = 20, 40_000
    W = resample_counts(D, B, np.random.default_rng(1))
    # Multinomial(D, 1/D): mean 1, variance 1 - 1/D, covariance -1/D between two documents.
    # Poisson(1) weights (a common shortcut) would give variance 1.0 and covariance 0: told apart here.
    assert abs(W.mean() - 1.0) < 0.01
    var = W.var(axis=0, ddof=1)
    assert abs(var.mean() - (1 - 1 / D)) < 0.01, var.mean()
    cov = np.cov(W[:, :4], rowvar=False)[np.triu_indices(4, 1)]
    assert abs(cov.mean() + 1 / D) < 0.01, cov.mean()
    # one document's count is Binomial(D, 1/D): a chi-square test of the whole distribution
    observed = np.bincount(W[:, 0].astype(int), minlength=D + 1)
    expected = stats.binom.pmf(np.arange(D + 1), D, 1 / D) * B
    keep = expected >= 5
    rest = np.array([observed[~keep].sum()]), np.array([expected[~keep].sum()])
    chi2 = stats.chisquare(np.concatenate([observed[keep], rest[0]]),
                           np.concatenate([expected[keep], rest[1]]) * B / expected.sum())
    assert chi2.pvalue > 0.001, chi2


def test_intervals_match_those_from_numpy_multinomial_weights():
    rng = np.random.default_rng(2)
    D = 300
    counts = rng.integers(1, 12, D).astype(float)
    sums = np.column_stack([rng.binomial(counts.astype(int), 0.3), rng.binomial(counts.astype(int), 0.6)])
    ours = ratio_replicates(sums.astype(float), counts, 4000, np.random.default_rng(3))
    Wm = np.random.default_rng(4).multinomial(D, np.full(D, 1 / D), size=4000).astype(float)
    theirs = (Wm @ sums) / (Wm @ counts)[:, None]
    for a, b in zip(percentile_interval(ours), percentile_interval(theirs), strict=True):
        assert np.allclose(a, b, atol=0.004), (a, b)


def test_point_estimates_do_not_depend_on_the_bootstrap():
    rng = np.random.default_rng(5)
    rows = [{"doc_id": f"d{d}", "passage_id": f"d{d}-{k}", "outlet": "AB"[d % 2], "is_boilerplate": False,
             "posture": POSTURE[int(rng.integers(0, len(POSTURE)))]}
            for d in range(60) for k in range(int(rng.integers(1, 8)))]
    frame = pd.DataFrame(rows)
    with_boot = prevalence(frame, "posture", by="outlet", codebook=CODEBOOK, n_boot=300, random_state=1)
    direct = frame.groupby("outlet")["posture"].value_counts(normalize=True)
    for _, row in with_boot.iterrows():
        assert np.isclose(row["share"], direct.get((row["outlet"], row["value"]), 0.0))
        assert row["low"] <= row["share"] <= row["high"]


def test_one_draw_per_set_of_documents_serves_every_table_whatever_their_order():
    rng = np.random.default_rng(6)
    rows = [{"doc_id": f"d{d}", "passage_id": f"d{d}-{k}", "outlet": "AB"[d % 2], "is_boilerplate": False,
             "posture": POSTURE[int(rng.integers(0, len(POSTURE)))], "posture:restraint": rng.random()}
            for d in range(80) for k in range(int(rng.integers(1, 6)))]
    frame = pd.DataFrame(rows)
    alone = prevalence(frame, "posture", by="outlet", codebook=CODEBOOK, estimator="PCC", n_boot=200)
    shared = DocumentBootstrap(200)
    prevalence(frame, "posture", codebook=CODEBOOK, n_boot=200, replicates=shared)  # another table first
    prevalence(frame, "posture", by="outlet", codebook=CODEBOOK, n_boot=200, replicates=shared)
    again = prevalence(frame, "posture", by="outlet", codebook=CODEBOOK, estimator="PCC", n_boot=200,
                       replicates=shared)
    pd.testing.assert_frame_equal(again, alone)
    documents = [f"d{d}" for d in range(0, 80, 2)]
    W = shared.weights(documents)
    assert W is shared.weights(documents) and W.shape == (200, 40) and (W.sum(axis=1) == 40).all()
    assert not np.array_equal(W, DocumentBootstrap(200, random_state=1).weights(documents))
    assert not np.array_equal(W, shared.weights([f"d{d}" for d in range(1, 80, 2)]))


def test_shared_weights_follow_the_multinomial_too():
    D = 20
    W = DocumentBootstrap(40_000).weights([f"doc {i}" for i in range(D)]).astype(float)
    assert (W.sum(axis=1) == D).all()
    assert abs(W.mean() - 1.0) < 0.01
    assert abs(W.var(axis=0, ddof=1).mean() - (1 - 1 / D)) < 0.01
    assert abs(np.cov(W[:, :4], rowvar=False)[np.triu_indices(4, 1)].mean() + 1 / D) < 0.01
