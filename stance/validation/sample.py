"""Drawing a validation sample: passages picked at random from the corpus being measured, so that labels
on them tell how the model does on *this* corpus and let the report correct its shares.

The sample is drawn uniformly without replacement from the non-boilerplate passages (written codebook
examples are never drawn), or, with `by`, stratified by a grouping column so that every group gets
labelled passages: each group gets at least `min(floor, its size)` passages (30 by default, the labels a
group needs for a prediction-powered estimate; n // groups when n is too small for that) and the rest
of `n` is shared in proportion to group size (largest remainders). Every sampled passage carries its inclusion
probability (passages drawn / passages in its stratum), which every estimate on the sample uses as a
weight, so a stratified sample gives corpus-level figures as unbiased as a uniform one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

SAMPLE_COLUMNS = ["passage_id", "stratum", "inclusion_prob", "stratum_passages", "draw_order"]
MISSING_GROUP = "(missing)"
FLOOR = 30  # passages per group in a stratified sample, when n allows: enough for a validated estimate


def eligible(passages: pd.DataFrame) -> pd.DataFrame:
    """The passages a validation sample is drawn from: not boilerplate, not a written codebook example."""
    keep = pd.Series(True, index=passages.index)
    if "is_boilerplate" in passages.columns:
        keep &= ~passages["is_boilerplate"].fillna(False).astype(bool)
    if "is_example" in passages.columns:
        keep &= ~passages["is_example"].fillna(False).astype(bool)
    return passages[keep]


def allocate(sizes: pd.Series, n: int, floor: int) -> pd.Series:
    """How many passages to draw from each stratum: `min(floor, size)` each (the floor lowered to
    n // strata when it does not fit), the rest of `n` in proportion to size by largest remainders,
    never more than a stratum holds."""
    if np.minimum(sizes.to_numpy(), floor).sum() > n:  # the floor does not fit: share n equally instead
        floor = n // len(sizes)
        if floor == 0:  # more groups than passages to draw: one each for the largest groups
            take = np.zeros(len(sizes), dtype=int)
            take[np.argsort(-sizes.to_numpy(), kind="stable")[:n]] = 1
            return pd.Series(take, index=sizes.index)
    take = np.minimum(sizes.to_numpy(), floor).astype(int)
    cap = sizes.to_numpy() - take
    left = n - take.sum()
    while left > 0 and cap.sum() > 0:
        share = cap / cap.sum() * left
        extra = np.minimum(np.floor(share).astype(int), cap)
        if extra.sum() == 0:  # hand out the remainder one at a time, largest remainder first
            order = np.argsort(-(share - np.floor(share)), kind="stable")
            extra = np.zeros_like(cap)
            for i in order[:left]:
                if cap[i] > 0:
                    extra[i] = 1
        take += extra
        cap -= extra
        left = n - take.sum()
    return pd.Series(take, index=sizes.index)


def draw_sample(passages: pd.DataFrame, n: int, by: str | None = None, seed: int = 7,
                floor: int = FLOOR) -> pd.DataFrame:
    """A validation sample of `n` passages from `passages` (one row per passage with `passage_id`,
    `is_boilerplate` and, with `by`, that column).

    Returns columns passage_id, stratum, inclusion_prob, stratum_passages, draw_order (the order to
    label them in: random, so a half-labelled sample is still a random sample). The same passages,
    seed and arguments always give the same sample.
    """
    if n < 1:
        raise InputError(f"a validation sample needs at least 1 passage; got -n {n}")
    pool = eligible(passages)
    if pool.empty:
        raise InputError("the project has no passages to sample (every passage is boilerplate or a written "
                         "example); ingest the corpus first")
    if n > len(pool):
        raise InputError(f"a sample of {n} passages is larger than the corpus: it has {len(pool):,} passages "
                         f"that are not boilerplate; use -n {len(pool)} or fewer")
    if by is not None and by not in pool.columns:
        cols = [c for c in pool.columns if c not in {"text", "meta_json"}]
        raise InputError(f"no column {by!r} to stratify by; columns are: {', '.join(map(str, cols))}")
    rng = np.random.default_rng(seed)
    pool = pool.sort_values("passage_id", kind="stable")  # independent of storage order
    strata = (pool[by].astype("string").fillna(MISSING_GROUP) if by else
              pd.Series("all", index=pool.index, dtype="string"))
    sizes = strata.value_counts().sort_index()
    take = allocate(sizes, n, floor) if by else pd.Series([n], index=sizes.index)
    parts = []
    for stratum, k in take.items():
        members = pool.loc[strata == stratum, "passage_id"].to_numpy()
        if k == 0:
            continue
        chosen = rng.choice(members, size=int(k), replace=False)
        parts.append(pd.DataFrame({"passage_id": chosen, "stratum": stratum,
                                   "inclusion_prob": k / len(members), "stratum_passages": len(members)}))
    out = pd.concat(parts, ignore_index=True)
    out["draw_order"] = rng.permutation(len(out))
    return out.sort_values("draw_order", ignore_index=True)[SAMPLE_COLUMNS]


def design_weights(sample: pd.DataFrame) -> np.ndarray:
    """1 / inclusion probability: how many corpus passages each sampled passage stands for."""
    p = pd.to_numeric(sample["inclusion_prob"], errors="coerce").to_numpy(dtype=float)
    if not np.all((p > 0) & (p <= 1)):
        raise InputError("inclusion probabilities must lie in (0, 1]; the validation sample is damaged")
    return 1.0 / p


def strata_codes(sample: pd.DataFrame, column: str = "stratum") -> np.ndarray:
    """Integer code of each sampled passage's stratum (the unit a stratified bootstrap resamples within)."""
    if column not in sample.columns:
        return np.zeros(len(sample), dtype=int)
    return pd.factorize(sample[column].astype("string").fillna(MISSING_GROUP))[0]


def check_ids(ids: Sequence[str], known: Sequence[str], what: str = "the project") -> None:
    """Refuse passage ids that are not in `known`, naming a few of them."""
    known_set = set(known)
    unknown = [i for i in ids if i not in known_set]
    if unknown:
        raise InputError(f"{len(unknown)} passage id(s) are not in {what}, e.g. "
                         f"{', '.join(map(repr, unknown[:3]))}; nothing was stored")
