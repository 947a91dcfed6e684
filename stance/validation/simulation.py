"""A corpus with known true shares per group and a deliberately biased classifier, for checking that
prediction-powered intervals cover the truth where naive shares miss it (tests, benchmarks and the
labels-needed table in docs/validation.md).

The classifier errs the way the demo model erred on presidential speeches: it calls a large part of the
neutral passages `restraint` and some `escalation` passages neutral, so its shares are off in every
group, by amounts that differ between groups (their true mixes differ).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUES = ["restraint", "escalation", "neutral"]
TRUE_SHARES = {"A": [0.15, 0.25, 0.60], "B": [0.35, 0.15, 0.50], "C": [0.10, 0.50, 0.40]}
# P(predicted | true): rows true restraint, escalation, neutral
CONFUSION = np.array([[0.80, 0.05, 0.15],
                      [0.10, 0.60, 0.30],
                      [0.45, 0.05, 0.50]])


def biased_corpus(passages_per_group: int = 2000, passages_per_document: int = 5, seed: int = 0,
                  shares: dict[str, list[float]] | None = None, confusion: np.ndarray = CONFUSION) -> pd.DataFrame:
    """A scored corpus: one row per passage with doc_id, passage_id, group, the true value (`truth`),
    the biased classifier's label (`posture`) and its probabilities (`posture:<value>`)."""
    rng = np.random.default_rng(seed)
    shares = shares or TRUE_SHARES
    parts = []
    for g, p in shares.items():
        n = passages_per_group
        truth = rng.choice(len(VALUES), size=n, p=p)
        cum = confusion[truth].cumsum(axis=1)
        pred = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(VALUES) - 1)
        # overconfident probabilities: most mass on the predicted value, the rest spread at random
        conf = rng.uniform(0.5, 0.9, size=n)
        rest = rng.dirichlet(np.ones(len(VALUES)), size=n)
        rest[np.arange(n), pred] = 0.0
        proba = rest / rest.sum(axis=1, keepdims=True) * (1 - conf)[:, None]
        proba[np.arange(n), pred] = conf
        frame = pd.DataFrame({
            "doc_id": [f"{g}-d{i // passages_per_document}" for i in range(n)],
            "passage_id": [f"{g}-p{i}" for i in range(n)],
            "group": g, "is_boilerplate": False,
            "truth": [VALUES[t] for t in truth], "posture": [VALUES[k] for k in pred],
        })
        for k, v in enumerate(VALUES):
            frame[f"posture:{v}"] = proba[:, k]
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def true_shares(corpus: pd.DataFrame, by: str = "group") -> pd.DataFrame:
    """The realised share of each true value per group (what an estimate should cover)."""
    counts = corpus.groupby(by)["truth"].value_counts(normalize=True).rename("truth_share").reset_index()
    full = pd.MultiIndex.from_product([sorted(corpus[by].unique()), VALUES], names=[by, "value"])
    return (counts.rename(columns={"truth": "value"}).set_index([by, "value"]).reindex(full, fill_value=0.0)
            .reset_index())


def coverage_run(corpus: pd.DataFrame, n: int, seed: int, by: str = "group", stratify: bool = True,
                 min_labels: int = 10) -> pd.DataFrame:
    """Draw one validation sample of `n` passages, label it with the truth, estimate the shares per
    group, and join the true shares: one row per group and value with `covered` and the naive error."""
    from .estimates import ppi_shares
    from .sample import draw_sample

    sample = draw_sample(corpus, n, by=by if stratify else None, seed=seed)
    labels = sample.merge(corpus[["passage_id", "truth"]], on="passage_id").rename(columns={"truth": "posture"})
    table = ppi_shares(corpus, labels, "posture", by=by, min_labels=min_labels)
    table = table.merge(true_shares(corpus, by), on=[by, "value"])
    table["covered"] = (table["low"] <= table["truth_share"]) & (table["truth_share"] <= table["high"])
    table["naive_error"] = table["naive"] - table["truth_share"]
    table["width"] = table["high"] - table["low"]
    return table
